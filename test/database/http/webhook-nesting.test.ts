import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, webhookEvents } from '../../../src/db/schema.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { standardWebhookHeaders } from '../../support/signed.js';

/**
 * The deep-nesting guard on webhook bodies (src/http/routes/webhooks.ts): a signed body
 * nested deeper than the limit is refused with 400 before any parser sees it, even where the
 * parser would accept it (a KvK profile is a loose object; Pipedrive's `previous` is not
 * read). Removing or loosening the guard was possible without a test failing (issue 17,
 * item 6), because every deep body in the older tests was also wrong in shape.
 */

const GENERIC_SECRET = `whsec_${Buffer.from('nesting-guard-signing-key-0123456789').toString('base64')}`;
const PD_AUTH = { user: 'pd-nesting-user', password: 'pd-nesting-password-long' };

let seq = 0;
const unique = () => `${Date.now()}${++seq}`;

/** `levels` objects inside each other: nest(1) = {"a":1}. */
const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });

/** A signed generic webhook; one clock read for the timestamp header and the signature. */
function signedGeneric(body: string): Request {
  return new Request('http://127.0.0.1/webhooks/generic', { method: 'POST', body, headers: standardWebhookHeaders(GENERIC_SECRET, `msg_${unique()}`, body) });
}
const generic = (payload: unknown) => signedGeneric(JSON.stringify(payload));

/** A lead.created whose KvK profile carries `levels` of nesting; the body is 3 levels deeper (body, lead, kvk). */
const leadWithDeepKvk = (levels: number) => ({
  type: 'lead.created',
  lead: { id: `deep-${unique()}`, company: 'Diep BV', kvk: { sbiActiviteiten: [], extra: nest(levels) } },
});

function pipedrive(previous: unknown): Request {
  const envelope = {
    meta: { action: 'create', entity: 'organization', company_id: 4242, id: `ev-${unique()}`, entity_id: unique(), change_source: 'app' },
    data: { id: 1, name: 'Diep BV' },
    previous,
  };
  return new Request('http://127.0.0.1/webhooks/pipedrive', {
    method: 'POST',
    body: JSON.stringify(envelope),
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${PD_AUTH.user}:${PD_AUTH.password}`).toString('base64')}` },
  });
}

describe.each(flavours)('webhook nesting guard on %s', (flavour) => {
  let database: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const config = testConfig({ GENERIC_WEBHOOK_SECRET: GENERIC_SECRET, PIPEDRIVE_WEBHOOK_USER: PD_AUTH.user, PIPEDRIVE_WEBHOOK_PASSWORD: PD_AUTH.password });
    service = await createTestService(database, config);
    app = service.app;
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });

  const totals = async () => {
    const [j] = await database.db.select({ n: count() }).from(jobs);
    const [e] = await database.db.select({ n: count() }).from(webhookEvents);
    return { jobs: j.n, events: e.n };
  };

  /** The limit, as the guard states it in its 400 (so a deliberate change of the limit does not break this file). */
  async function statedLimit(): Promise<number> {
    const res = await app.request(generic(leadWithDeepKvk(500)));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    const message: string = body.json?.errors?.find((e: { field: string }) => e.field === '(body)')?.message ?? '';
    const limit = Number(/at most (\d+) levels/.exec(message)?.[1]);
    expect(limit, `no nesting limit stated in ${body.text}`).toBeGreaterThan(3);
    return limit;
  }

  it('refuses a signed, otherwise valid body one level past the limit, and records nothing', async () => {
    const limit = await statedLimit();
    const before = await totals();
    const res = await app.request(generic(leadWithDeepKvk(limit - 3 + 1)));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.json.detail).toMatch(/nested too deeply/);
    expect(await totals()).toEqual(before);
  });

  it('accepts the same body at exactly the limit (the guard is not over-eager)', async () => {
    const limit = await statedLimit();
    const res = await app.request(generic(leadWithDeepKvk(limit - 3)));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json).toMatchObject({ accepted: 1 });
  });

  it('guards every source before its parser: a Pipedrive create with deep `previous` is refused', async () => {
    const limit = await statedLimit();
    const fine = await app.request(pipedrive(nest(3)));
    expect(fine.status, (await bodyOf(fine)).text).toBe(200);
    const before = await totals();
    const res = await app.request(pipedrive(nest(limit)));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(body.json.detail).toMatch(/nested too deeply/);
    expect(await totals()).toEqual(before);
  });

  it('refuses hostile nesting (20,000 levels) with 400, not a crash', async () => {
    const deep = `{"type":"lead.created","lead":{"id":"x","kvk":{"extra":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`;
    const res = await app.request(signedGeneric(deep));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(body.json.detail).toMatch(/nested too deeply/);
  });
});
