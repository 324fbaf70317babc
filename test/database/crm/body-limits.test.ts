import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refKey } from '../../../src/crm/adapter.js';
import { CrmError } from '../../../src/crm/crm-error.js';
import { MAX_CRM_RESPONSE_BYTES } from '../../../src/crm/http.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crmKit } from '../../support/crm.js';
import { startFakeGenericCrm, type FakeGenericCrm } from '../../support/fakes/generic-crm-server.js';

/**
 * Finding 2: every body reader has a limit. POST /login is unauthenticated, so
 * a body it reads whole is memory anyone can make the process spend; a CRM's
 * answer (GENERIC_CRM_URL may point anywhere) is read up to a limit too.
 */

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

/** A body of `total` bytes handed out in 64 KB chunks, counting how much of it was pulled. */
function streamed(total: number) {
  const chunk = new TextEncoder().encode('a'.repeat(64 * 1024));
  let sent = 0;
  const state = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('token='));
    },
    pull(controller) {
      if (sent >= total) return controller.close();
      sent += chunk.length;
      state.pulled = sent;
      controller.enqueue(chunk);
    },
  });
  return { body, state };
}

describe('request body limits', () => {
  let database: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await createTestService(database, testConfig({ ADMIN_TOKEN }));
    app = service.app;
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });

  it('refuses a declared 2 MB login form with 413 problem+json', async () => {
    const res = await app.request('/login', {
      method: 'POST',
      body: `token=${'a'.repeat(2 * 1024 * 1024)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body.json.requestId, body.text).toBeTypeOf('string');
  });

  it('stops reading a streamed login form without a length soon after the limit', async () => {
    const { body, state } = streamed(8 * 1024 * 1024);
    const res = await app.request('/login', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      duplex: 'half',
    } as RequestInit);
    const text = (await bodyOf(res)).text;
    expect(res.status, text).toBe(413);
    expect(state.pulled, `bytes pulled from the client: ${state.pulled}`).toBeLessThanOrEqual(256 * 1024);
  });

  it('still signs in with a normal form', async () => {
    const res = await app.request('/login', {
      method: 'POST',
      body: `token=${ADMIN_TOKEN}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status, (await bodyOf(res)).text).toBe(303);
  });
});

describe('CRM response body limit', () => {
  let database: TestDatabase;
  let generic: FakeGenericCrm;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    generic = await startFakeGenericCrm({ token: 'generic-token-body-limit-0123456789', limit: 100 });
  });
  afterAll(async () => {
    await generic?.close();
    await database?.drop();
  });

  it('refuses a CRM answer larger than MAX_CRM_RESPONSE_BYTES for that lead, without buffering it', async () => {
    const kit = crmKit(database, testConfig({ GENERIC_CRM_URL: generic.url, GENERIC_CRM_TOKEN: 'generic-token-body-limit-0123456789' }));
    generic.seed('huge', { company: 'x'.repeat(MAX_CRM_RESPONSE_BYTES + 1024) });
    generic.seed('small', { company: 'Klein BV' });
    const refs = ['huge', 'small'].map((objectId) => ({ source: 'generic' as const, accountId: 'default', objectType: 'lead', objectId }));
    const read = await kit.crm.adapter('generic')!.readLeads('default', refs);
    const huge = read.get(refKey(refs[0]));
    expect(huge, String(huge)).toBeInstanceOf(CrmError);
    expect((huge as CrmError).failure.kind).toBe('permanent');
    expect((huge as CrmError).message).toMatch(/more than \d+ bytes/);
    expect(read.get(refKey(refs[1]))).not.toBeInstanceOf(CrmError);
    await kit.crm.close();
  }, 60_000);
});
