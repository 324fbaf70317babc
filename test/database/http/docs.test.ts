import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../../src/http/context.js';
import { operationsOf } from '../../../src/http/routes/docs.js';
import { bodyOf, createMemoryService } from '../../support/app.js';

describe('/docs', () => {
  let service: Awaited<ReturnType<typeof createMemoryService>>;
  let app: AppRouter;
  beforeAll(async () => {
    service = await createMemoryService();
    app = service.app;
  });
  afterAll(async () => {
    await service?.close();
  });

  it('lists every operation of /openapi.json with its summary, parameters and responses', async () => {
    const doc: any = await (await app.request('/openapi.json')).json();
    const res = await app.request('/docs');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = body.text;
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThanOrEqual(14);
    // The whole service, not only the admin surface: intake and lookup routes are documented too.
    for (const path of ['/webhooks/hubspot', '/webhooks/pipedrive', '/webhooks/generic', '/v1/lookup', '/healthz', '/metrics', '/']) {
      expect(ops.map((o) => o.path), path).toContain(path);
    }
    for (const o of ops) {
      expect(html, `${o.method} ${o.path}`).toContain(`id="${o.method}-${o.path}"`);
      if (o.op.summary) expect(html).toContain(o.op.summary.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    // Parameters, a request body and response schemas are rendered readably.
    expect(html).toMatch(/<code>status<\/code>.*<td>query<\/td>/s);
    expect(html).toContain('application/x-www-form-urlencoded');
    expect(html).toContain('<b>LeadHistory</b>');
    expect(html).toContain('<b>Problem</b>');
    expect(html).toContain('href="/openapi.json"');
  });

  it('works offline: no external assets, no scripts', async () => {
    const html = await (await app.request('/docs')).text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('marks the admin routes and documents the bearer scheme', async () => {
    const doc: any = await (await app.request('/openapi.json')).json();
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ['/v1/leads/{source}/{id}', '/v1/jobs', '/v1/cbs/tables']) {
      const op = doc.paths[path].get ?? doc.paths[path].post;
      expect(op.security, path).toEqual([{ adminToken: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
    }
  });
});
