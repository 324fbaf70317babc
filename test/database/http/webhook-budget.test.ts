import { type ClientRequest, type IncomingMessage, type Server, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { SECURITY_ENV } from '../../support/signed.js';

/**
 * Finding H1 (review 2026-12): every webhook body was buffered, up to 1 MB,
 * before any credential was looked at, with no bound on how many at once.
 * Now what the headers can prove is checked before the body is read, and the
 * bytes of all unverified bodies together stay within WEBHOOK_UNVERIFIED_BYTES
 * (503 beyond it). Each test leaves its body unfinished: the answer it waits
 * for can only come from a server that decided without the rest of it.
 * (The memory this saves is measured by bench/webhook-memory.ts, not here.)
 */

const MiB = 1024 * 1024;

interface Pending {
  req: ClientRequest;
  answer: Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>;
}

describe('webhook bodies before verification', () => {
  let database: TestDatabase;
  let server: ReturnType<typeof serve>;
  let port: number;
  let service: TestService;
  const open: ClientRequest[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await createTestService(database, testConfig({ ...SECURITY_ENV, WEBHOOK_UNVERIFIED_BYTES: String(MiB) }));
    server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const req of open) req.destroy();
    (server as Server).closeAllConnections();
    await new Promise((r) => server.close(r));
    await service?.runtime.stop();
    await database?.drop();
  });

  /** Sends the headers and `sent` bytes of a body declared `declared` bytes long (chunked when undefined), and keeps the request open. */
  function start(path: string, headers: Record<string, string>, sent: number, declared?: number): Pending {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...(declared === undefined ? {} : { 'content-length': String(declared) }), ...headers },
    });
    open.push(req);
    const answer = new Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>((resolve, reject) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      });
      // The server may close a refused request's socket while its body is still being sent.
      req.on('error', (err) => reject(err));
    });
    answer.catch(() => {});
    req.write(Buffer.alloc(sent, 0x20));
    return { req, answer };
  }

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  /** Headers a sender without the secret can still make plausible: right shape, fresh time. */
  const plausibleGeneric = () => ({
    'webhook-id': `msg_${Math.random().toString(36).slice(2)}`,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}`,
  });

  it.each([
    ['a wrong Pipedrive password', '/webhooks/pipedrive', { authorization: basic(SECURITY_ENV.PIPEDRIVE_WEBHOOK_USER, 'not-the-password-at-all') }],
    ['no Pipedrive credentials', '/webhooks/pipedrive', {}],
    ['no HubSpot signature', '/webhooks/hubspot', {}],
    [
      'a stale HubSpot timestamp',
      '/webhooks/hubspot',
      { 'x-hubspot-signature-v3': Buffer.alloc(32).toString('base64'), 'x-hubspot-request-timestamp': String(Date.now() - 10 * 60_000) },
    ],
    ['a HubSpot signature that is no HMAC', '/webhooks/hubspot', { 'x-hubspot-signature-v3': 'AAAA', 'x-hubspot-request-timestamp': String(Date.now()) }],
    ['no Standard Webhooks headers', '/webhooks/generic', {}],
    ['a stale Standard Webhooks timestamp', '/webhooks/generic', { ...plausibleGeneric(), 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) }],
    ['a Standard Webhooks signature that is no HMAC', '/webhooks/generic', { ...plausibleGeneric(), 'webhook-signature': 'v1,short' }],
  ])('answers %s with 401 before the body has arrived', async (_what, path, headers) => {
    const { answer } = start(path, headers as Record<string, string>, 1000, 900_000);
    const res = await answer;
    expect(res.status, res.body).toBe(401);
    expect(res.headers['content-type'], res.body).toMatch(/^application\/problem\+json/);
  });

  it('holds at most WEBHOOK_UNVERIFIED_BYTES of unverified bodies: the request past it gets 503, and the budget is handed back', async () => {
    // Two plausible (right shape, fresh) but unsigned requests, 700 kB in each, neither finished: 1.4 MB > 1 MiB.
    const a = start('/webhooks/generic', plausibleGeneric(), 700_000, 900_000);
    const b = start('/webhooks/generic', plausibleGeneric(), 700_000, 900_000);
    const first = await Promise.race([a.answer.then((r) => ({ r, other: b })), b.answer.then((r) => ({ r, other: a }))]);
    expect(first.r.status, first.r.body).toBe(503);
    expect(first.r.headers['retry-after'], first.r.body).toBeDefined();
    // The other one was within budget: finished, it is verified (and refused: not signed).
    first.other.req.end(Buffer.alloc(200_000, 0x20));
    const second = await first.other.answer;
    expect(second.status, second.body).toBe(401);
    // Both shares are back: another body as large as either is read and verified, not refused as over budget.
    const c = start('/webhooks/generic', plausibleGeneric(), 700_000, 900_000);
    c.req.end(Buffer.alloc(200_000, 0x20));
    const third = await c.answer;
    expect(third.status, third.body).toBe(401);
  });

  it('counts chunked bodies (no Content-Length) against the same budget', async () => {
    const a = start('/webhooks/generic', plausibleGeneric(), 700_000);
    const b = start('/webhooks/generic', plausibleGeneric(), 700_000);
    const first = await Promise.race([a.answer, b.answer]);
    expect(first.status, first.body).toBe(503);
    a.req.destroy();
    b.req.destroy();
  });
});
