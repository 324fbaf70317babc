import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, createMemoryService, testConfig } from '../../support/app.js';

/** The backfill admin routes' auth, validation and refusal paths (the happy path: test/database/backfill/). */
const ADMIN_TOKEN = 'backfill-routes-admin-token-0123';

describe('admin backfill routes', () => {
  let service: Awaited<ReturnType<typeof createMemoryService>>;
  beforeAll(async () => {
    service = await createMemoryService(testConfig({ ADMIN_TOKEN }));
  }, 120_000);
  afterAll(async () => {
    await service?.close();
  });

  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await service.app.request(path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), ...(await bodyOf(res)) };
  };

  it('answers 401 without the admin token, before looking at the body', async () => {
    const got = await call('POST', '/v1/backfills', { nonsense: true }, false);
    expect(got.status, got.text).toBe(401);
    expect(got.type).toContain('application/problem+json');
  });

  it('names each bad field of a start request', async () => {
    const got = await call('POST', '/v1/backfills', { source: 'salesforce', objectType: '', createdBefore: 'yesterday', extra: 1 });
    expect(got.status, got.text).toBe(400);
    const fields = (got.json.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields, got.text).toEqual(['json', 'json.createdBefore', 'json.objectType', 'json.source']);
  });

  it('refuses a backfill of a CRM that is not configured, as a conflict', async () => {
    const got = await call('POST', '/v1/backfills', { source: 'hubspot', objectType: 'companies', dryRun: true });
    expect(got.status, got.text).toBe(409);
    expect(got.json.detail, got.text).toMatch(/hubspot is not configured/);
    expect(got.json.requestId).toBeTruthy();
  });

  it('answers 404 for a backfill that does not exist, on every route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/backfills/999'],
      ['POST', '/v1/backfills/999/pause'],
      ['POST', '/v1/backfills/999/resume'],
      ['POST', '/v1/backfills/999/cancel'],
      ['GET', '/v1/backfills/999/report'],
      ['GET', '/v1/backfills/999/report.csv'],
    ]) {
      const got = await call(method, path);
      expect(got.status, `${method} ${path}: ${got.text}`).toBe(404);
    }
  });

  it('lists no backfills on a fresh install', async () => {
    const got = await call('GET', '/v1/backfills');
    expect(got.status, got.text).toBe(200);
    expect(got.json).toEqual({ backfills: [] });
  });
});
