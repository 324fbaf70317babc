import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, createApp, servicesOn } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { SECRETS, SECURITY_ENV, hubspotCreation, hubspotV3, unique } from '../../support/signed.js';

/**
 * Finding 6: HubSpot's v1 signature is sha256(secret + body), with no
 * timestamp. Strip the v3 header from a captured delivery and the v1 header
 * alone replays it at any time. HubSpot sends v3 with every Webhooks API
 * delivery (research §1.2), so v1 is refused unless an operator opts in for an
 * app that cannot send v3; even then only deliveries whose events happened
 * within the dedupe window are taken (inside it, a replay is a duplicate).
 */

const DAY = 24 * 60 * 60 * 1000;

function v1Request(events: unknown): Request {
  const body = JSON.stringify(events);
  const sig = createHash('sha256').update(SECRETS.hubspot).update(body).digest('hex');
  return new Request('http://127.0.0.1/webhooks/hubspot', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hubspot-signature': sig, 'x-hubspot-signature-version': 'v1' },
  });
}

describe('HubSpot v1 signatures', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  const services = servicesOn(() => database);
  afterAll(async () => {
    await services.stop();
    await database?.drop();
  });

  it('refuses a v1-only delivery by default (a captured v3 delivery with its v3 header stripped)', async () => {
    const app = createApp((await services.get(SECURITY_ENV)).deps);
    const events = [hubspotCreation(Number(unique().slice(-9)), 11)];
    const res = await app.request(v1Request(events));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(401);
    expect(body.json.detail, body.text).toMatch(/v3/);
    const signed = await app.request(hubspotV3(events));
    expect(signed.status, (await bodyOf(signed)).text).toBe(200);
  });

  describe('with HUBSPOT_ACCEPT_V1_SIGNATURE=true', () => {
    let service: Awaited<ReturnType<typeof services.get>>;
    beforeAll(async () => {
      service = await services.get({ ...SECURITY_ENV, HUBSPOT_ACCEPT_V1_SIGNATURE: 'true' });
    });
    const app = () => createApp(service.deps);

    it('takes a fresh v1 delivery once; its replay is a duplicate', async () => {
      const events = [hubspotCreation(Number(unique().slice(-9)), 12)];
      const first = await app().request(v1Request(events));
      expect((await bodyOf(first)).json).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
      const replay = await app().request(v1Request(events));
      expect((await bodyOf(replay)).json).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    });

    it('refuses a v1 delivery whose events are older than the dedupe window, or undated', async () => {
      const portal = Number(unique().slice(-9));
      const old = await app().request(v1Request([hubspotCreation(portal, 13, { occurredAt: Date.now() - 4 * DAY })]));
      expect(old.status, (await bodyOf(old)).text).toBe(401);
      const { occurredAt: _, ...undated } = hubspotCreation(portal, 14);
      const res = await app().request(v1Request([undated]));
      expect(res.status, (await bodyOf(res)).text).toBe(401);
    });
  });
});
