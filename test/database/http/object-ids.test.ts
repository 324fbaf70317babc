import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectIdSchema } from '../../../src/http/routes/admin-common.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { SECURITY_ENV, generic, hubspotCreation, hubspotV3, pipedrive, pipedriveCreate, unique } from '../../support/signed.js';

/**
 * Findings 5, 9, 15, 16: an object id is a path segment of an outbound CRM
 * call and of the admin API. Intake accepts only ids every route can address
 * (HubSpot: digits; Pipedrive: a whole number; generic: letters, digits and
 * `. _ : @ -`, at most 128, never `.` or `..`), and refuses the rest with a
 * 400, never a 500 (a 500 is redelivered for ever). Numeric ids are safe
 * integers and have one spelling (review 2026-12, L9).
 */

const ADMIN_TOKEN = 'admin-token-security-0123456789';
const BAD_GENERIC_IDS: unknown[] = [
  '..',
  '.',
  'a\u0001b',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  'a b',
  'a/b',
  'a#b',
  'a?b',
  'a%2Fb',
  'café',
  'x'.repeat(129),
  1e21,
  -1,
  1.5,
];

describe.each(flavours)('object ids on %s', (flavour) => {
  let database: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    service = await createTestService(database, testConfig({ ...SECURITY_ENV, ADMIN_TOKEN }));
    app = service.app;
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });
  const admin = (path: string, method = 'GET') => app.request(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  it.each(BAD_GENERIC_IDS.map((id) => [JSON.stringify(id), id]))('refuses the generic lead id %s with a 400', async (_shown, id) => {
    const res = await app.request(generic({ type: 'lead.created', lead: { id } }));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(body.json.errors?.[0]?.field, body.text).toBe('lead.id');
  });

  it('keeps two ids apart that differ only in a lone surrogate (both refused, none stored as U+FFFD)', async () => {
    for (const id of ['lead\ud800', 'lead\ud801']) {
      const res = await app.request(generic({ type: 'lead.created', lead: { id } }));
      expect(res.status, (await bodyOf(res)).text).toBe(400);
    }
    expect((await admin(`/v1/leads/generic/${encodeURIComponent('lead\ufffd')}`)).status).toBe(400);
  });

  it.each([['..'], ['.'], ['12a'], ['1/2'], [''], ['-5'], [1.5]])('refuses the HubSpot objectId %s with a 400', async (objectId) => {
    const res = await app.request(hubspotV3([hubspotCreation(123, objectId as string)]));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
  });

  // Review 2026-12, L9: JSON numbers above 2^53 arrive rounded to another id; they were accepted.
  it.each([['9007199254740993'], ['12345678901234567890']])('refuses the HubSpot objectId %s sent as a JSON number (rounded by then) with a 400', async (digits) => {
    const raw = JSON.stringify([hubspotCreation(123, 0)]).replace('"objectId":0', `"objectId":${digits}`);
    const res = await app.request(hubspotV3(undefined, raw));
    expect(res.status, (await bodyOf(res)).text).toBe(400);
  });

  it('refuses a Pipedrive entity_id above 2^53 sent as a JSON number with a 400', async () => {
    const envelope = pipedriveCreate(Number(unique().slice(-8)), 0);
    const raw = JSON.stringify(envelope).replaceAll('"entity_id":0', '"entity_id":9007199254740993').replace('"id":0', '"id":9007199254740993');
    const auth = pipedrive(envelope).headers;
    const res = await app.request('/webhooks/pipedrive', { method: 'POST', body: raw, headers: Object.fromEntries(auth) });
    expect(res.status, (await bodyOf(res)).text).toBe(400);
  });

  it('takes 00012 and 12 as one HubSpot object (L9): the second creation is a duplicate', async () => {
    const objectId = Number(unique().slice(-9));
    const first = await app.request(hubspotV3([hubspotCreation(4321, `000${objectId}`)]));
    const firstBody = await bodyOf(first);
    expect(first.status, firstBody.text).toBe(200);
    expect(firstBody.json).toMatchObject({ accepted: 1 });
    const second = await app.request(hubspotV3([hubspotCreation(4321, objectId)]));
    const secondBody = await bodyOf(second);
    expect(secondBody.json, secondBody.text).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('takes 00012 and 12 as one Pipedrive object and 007 and 7 as one company (L9)', async () => {
    const entityId = Number(unique().slice(-8));
    const first = await app.request(pipedrive(pipedriveCreate('0077', `00${entityId}`)));
    const firstBody = await bodyOf(first);
    expect(firstBody.json, firstBody.text).toMatchObject({ accepted: 1 });
    const second = await app.request(pipedrive(pipedriveCreate(77, entityId)));
    const secondBody = await bodyOf(second);
    expect(secondBody.json, secondBody.text).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('refuses a non-numeric HubSpot portalId with a 400', async () => {
    const res = await app.request(hubspotV3([{ ...hubspotCreation(1, 5), portalId: '..' }]));
    expect(res.status, (await bodyOf(res)).text).toBe(400);
  });

  it.each([['..'], ['.'], ['4x'], ['1/2']])('refuses the Pipedrive entity id %s with a 400', async (entityId) => {
    const res = await app.request(pipedrive(pipedriveCreate(Number(unique().slice(-8)), entityId)));
    expect(res.status, (await bodyOf(res)).text).toBe(400);
  });

  it('refuses a Pipedrive company_id that is not a whole number with a 400', async () => {
    const res = await app.request(pipedrive(pipedriveCreate('../x', 5)));
    expect(res.status, (await bodyOf(res)).text).toBe(400);
  });

  it('never addresses a lead by the admin path ids . and .. (URL normalisation, then the id schema)', async () => {
    for (const id of ['..', '.', '%2E%2E', '%2e']) {
      const res = await admin(`/v1/leads/generic/${id}`);
      expect([400, 404], `${id} → ${(await bodyOf(res)).text}`).toContain(res.status);
    }
    for (const id of ['..', '.']) expect(ObjectIdSchema.safeParse(id).success, id).toBe(false);
    expect(ObjectIdSchema.safeParse('a..b').success).toBe(true);
  });

  it('can look up and re-enrich every generic id intake accepts', async () => {
    const idChars = fc.constantFrom(...'aZ09._:@-/ #?%&+é\u0000\u0001\ud800\udc00😀'.split(''));
    const ids = fc.oneof(
      fc.string({ unit: idChars, minLength: 1, maxLength: 12 }),
      fc.string({ minLength: 1, maxLength: 140 }),
      fc.constantFrom('..', '.', '...', '.a', 'a.', 'x'.repeat(128), 'x'.repeat(129)),
      fc.nat().map((n) => `${n}`),
    );
    await fc.assert(
      fc.asyncProperty(ids, async (raw) => {
        const id = `${raw}`;
        const res = await app.request(generic({ type: 'lead.created', lead: { id } }));
        const text = (await bodyOf(res)).text;
        expect(res.status, `${JSON.stringify(id)} → ${text}`).toBeLessThan(500);
        if (res.status !== 200) return;
        const found = await admin(`/v1/leads/generic/${encodeURIComponent(id)}`);
        expect(found.status, `GET ${JSON.stringify(id)} → ${(await bodyOf(found)).text}`).toBe(200);
        const again = await admin(`/v1/leads/generic/${encodeURIComponent(id)}/enrich`, 'POST');
        expect(again.status, `enrich ${JSON.stringify(id)} → ${(await bodyOf(again)).text}`).toBe(202);
      }),
      { numRuns: 150 },
    );
  });
});
