import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

/**
 * Finding 12: the workers yield to webhooks in flight. A connection that sends
 * its headers and then trickles (or never sends) its body costs the server no
 * work, so it must not count as intake: only a body that has been read (and
 * verified) does. Otherwise one slow, unauthenticated client slows every worker.
 */

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

describe('a slow webhook connection', () => {
  let database: TestDatabase;
  let server: ReturnType<typeof serve>;
  let port: number;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await createTestService(database, testConfig({ GENERIC_WEBHOOK_SECRET: SECRET, HUBSPOT_CLIENT_SECRET: 'hs-secret-0123456789' }));
    const app = service.app;
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await service?.runtime.stop();
    await database?.drop();
  });

  it.each(['/webhooks/generic', '/webhooks/hubspot', '/webhooks/pipedrive'])('does not make the workers yield while its body has not arrived (%s)', async (path) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': '1000' } });
    req.on('error', () => {});
    req.write('{"type":"lead.created",');
    await new Promise((r) => setTimeout(r, 150));
    const busy = service.deps.intake.busy();
    req.destroy();
    expect(busy, 'intake gauge counted a request whose body has not arrived').toBe(false);
  });
});
