import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import { type TestService, bodyOf, createApp as createAppOver, createMemoryService, createTestService, memoryLogger, testConfig } from '../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../support/db.js';

describe.each(flavours)('app on %s', (flavour) => {
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    service = await createTestService(database);
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  /** The real check of that name, to make it answer what a test needs. */
  const checkNamed = (name: string) => service.deps.readiness.find((r) => r.name === name)!;

  it('answers /healthz and /readyz', async () => {
    const app = service.app;
    const live = await app.request('/healthz');
    expect(live.status, (await bodyOf(live.clone())).text).toBe(200);
    const ready = await app.request('/readyz');
    const body = await bodyOf(ready);
    expect(ready.status, body.text).toBe(200);
    expect(body.json.checks).toEqual([
      { name: 'database', ok: true },
      { name: 'cbs', ok: true, detail: expect.any(String) },
      { name: 'crm_setup', ok: true },
    ]);
  });

  it('says not ready when a check fails', async () => {
    vi.spyOn(checkNamed('cbs'), 'check').mockResolvedValue({ ok: false, detail: 'no data' });
    const res = await service.app.request('/readyz');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(503);
    expect(body.json.status).toBe('not_ready');
  });

  it('stays ready with a warning when a check needs an operator but serving goes on', async () => {
    vi.spyOn(checkNamed('crm_setup'), 'check').mockResolvedValue({ ok: true, warning: true, detail: '3 jobs wait: token lacks a scope' });
    const res = await service.app.request('/readyz');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.checks).toContainEqual({ name: 'crm_setup', ok: true, warning: true, detail: '3 jobs wait: token lacks a scope' });
  });
});

describe('errors', () => {
  const mem = memoryLogger();
  let service: Awaited<ReturnType<typeof createMemoryService>>;
  beforeAll(async () => {
    service = await createMemoryService(testConfig(), { logger: mem.logger() });
  });
  afterAll(async () => {
    await service?.close();
  });
  // A fresh app per test over the one runtime: tests add routes, and Hono fixes its router on the first request.
  const createApp = () => createAppOver(service.deps);

  it('answers an unknown route with 404 problem+json and a request id', async () => {
    const app = createApp();
    const res = await app.request('/does-not-exist', { headers: { 'X-Request-Id': 'abc-123' } });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.json).toMatchObject({ status: 404, title: 'Not found', requestId: 'abc-123', type: 'urn:verrijk:problem:not-found' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });

  it('ignores an inbound request id that could forge log lines', async () => {
    const app = createApp();
    const res = await app.request('/nope', { headers: { 'X-Request-Id': 'x"}{"level":"fatal' } });
    const body = await bodyOf(res);
    expect(body.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a thrown error with a generic 500 and logs the stack', async () => {
    const app = createApp();
    app.get('/boom', () => {
      throw new Error('secret internals: password=hunter2');
    });
    const res = await app.request('/boom');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(500);
    expect(body.text).not.toContain('hunter2');
    expect(body.json).toMatchObject({ status: 500, title: 'Internal server error' });
    expect(body.json.requestId).toBeTruthy();
    const logged = mem.lines.join('\n');
    expect(logged).toContain('secret internals');
    expect(logged).toContain('"stack"');
  });

  it('turns a validation failure into a 400 naming the field', async () => {
    const app = createApp();
    app.openapi(
      createRoute({
        method: 'get',
        path: '/echo',
        request: { query: z.object({ n: z.coerce.number().int() }) },
        responses: { 200: { description: 'ok' } },
      }),
      (c) => c.json({ ok: true }, 200),
    );
    const res = await app.request('/echo?n=abc');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(body.json.errors[0].field).toBe('query.n');
  });

  it('serves the OpenAPI document', async () => {
    const res = await createApp().request('/openapi.json');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(Object.keys(body.json.paths)).toContain('/readyz');
  });
});

describe('config', () => {
  it('names the bad variable', () => {
    expect(() => testConfig({ PORT: 'abc' })).toThrow(/PORT must be a whole number/);
    expect(() => testConfig({ DATABASE_URL: 'nonsense' })).toThrow(/DATABASE_URL/);
    expect(() => testConfig({ CRM_RATE_LIMIT: 'fast' })).toThrow(/CRM_RATE_LIMIT/);
    expect(() => testConfig({ ROLLOUT_PERCENT: '150' })).toThrow(/ROLLOUT_PERCENT must be at most 100/);
    expect(() => testConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => testConfig({ WORKER_CONCURRENCY: '-1' })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => testConfig({ DATABASE_PREPARED_STATEMENTS: 'maybe' })).toThrow(/DATABASE_PREPARED_STATEMENTS/);
  });
  it('takes an intake-only instance, the pool size and the prepared-statement switch', () => {
    const c = testConfig({ WORKER_CONCURRENCY: '0', DATABASE_POOL_SIZE: '4', DATABASE_PREPARED_STATEMENTS: 'false' });
    expect(c).toMatchObject({ workerConcurrency: 0, databasePoolSize: 4, databasePreparedStatements: false });
    expect(testConfig()).toMatchObject({ workerConcurrency: 4, databasePoolSize: 10, databasePreparedStatements: true });
  });
  it('parses rate limits and defaults', () => {
    const c = testConfig({ CRM_RATE_LIMIT: '190/10s', CBS_TABLES: '83583NED, 81589NED' });
    expect(c.crmRateLimit).toEqual({ limit: 190, windowMs: 10_000 });
    expect(c.cbs.tables).toEqual(['83583NED', '81589NED']);
    expect(c.cbs.baseUrl).toBe('https://opendata.cbs.nl');
    expect(c.hubspot.baseUrl).toBe('https://api.hubapi.com');
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.dryRun).toBe(false);
  });
  it('configures the card figures and the tables read through OData v4', () => {
    const d = testConfig();
    expect(d.cbs.tables).toEqual(['83583NED', '81588NED', '81575NED', '83631NED', '83635NED', '82244NED']);
    expect(d.cbs.figures).toEqual([
      { id: 'jobs', tableId: '83583NED', scope: 'national' },
      { id: 'businesses', tableId: '81588NED', scope: 'national' },
      { id: 'establishments', tableId: '81575NED', scope: 'municipality' },
      { id: 'starts', tableId: '83631NED', scope: 'corop' },
      { id: 'closures', tableId: '83635NED', scope: 'corop' },
      { id: 'bankruptcies', tableId: '82244NED', scope: 'national' },
    ]);
    expect(d.cbs).toMatchObject({ v4Tables: [], v4BaseUrl: 'https://odata4.cbs.nl' });
    const c = testConfig({ CBS_FIGURES: 'jobs=80072ned/M001924,businesses=off', CBS_TABLES: '83583NED,80072ned', CBS_V4_TABLES: '80072ned' });
    expect(c.cbs.figures).toEqual([{ id: 'jobs', tableId: '80072ned', topic: 'M001924', scope: 'national' }]);
    expect(c.cbs.v4Tables).toEqual(['80072NED']);
    expect(() => testConfig({ CBS_FIGURES: 'visitors=83583NED' })).toThrow(/CBS_FIGURES "visitors" is not a figure/);
    expect(() => testConfig({ CBS_FIGURES: 'jobs=83583NED@province' })).toThrow(/CBS_FIGURES "jobs=83583NED@province" must look like/);
    expect(() => testConfig({ CBS_V4_TABLES: '80072ned' })).toThrow(/CBS_V4_TABLES 80072ned is not in CBS_TABLES/);
  });
});
