import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseDeps, bodyOf, createApp, testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Finding 2: every body reader has a limit. POST /login is unauthenticated, so
 * a body it reads whole is memory anyone can make the process spend.
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
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    app = createApp(baseDeps(database, testConfig({ ADMIN_TOKEN })));
  });
  afterAll(async () => {
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
