import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_SECRETS, checkAnswer, describeBody, sentJson, useFuzzService } from '../../support/fuzz/service.js';
import { contentTypes, hostileBody, hostileHeaderValue, hostileId, hostileString, hostileValue } from '../../support/fuzz/hostile.js';

/**
 * POST /webhooks/hubspot under generated hostile input. The v3 signature is
 * written inline from HubSpot's documentation: base64 HMAC-SHA256 (client
 * secret) over method + the public URI + raw body + the millisecond timestamp.
 */

const PATH = '/webhooks/hubspot';
const URI = `${FUZZ_SECRETS.publicUrl}${PATH}`;
function signV3(body: string | Uint8Array, timestamp: string): string {
  return createHmac('sha256', FUZZ_SECRETS.hubspotClientSecret).update(`POST${URI}`).update(body).update(timestamp).digest('base64');
}
function signV1(body: string | Uint8Array): string {
  return createHash('sha256').update(FUZZ_SECRETS.hubspotClientSecret).update(body).digest('hex');
}

const creationEvent = fc.record({
  eventId: fc.nat(),
  subscriptionId: fc.nat(),
  portalId: fc.integer({ min: 1, max: 2 ** 31 }),
  appId: fc.nat(),
  occurredAt: fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
  subscriptionType: fc.constantFrom('company.creation', 'contact.creation'),
  attemptNumber: fc.nat({ max: 10 }),
  objectId: fc.integer({ min: 1, max: 2 ** 40 }),
  changeFlag: fc.constant('CREATED'),
  changeSource: fc.constantFrom('CRM_UI', 'IMPORT', 'API', 'INTEGRATION'),
});
/** Events HubSpot may send that we do not enrich: accepted and ignored. */
const otherEvent = fc.record({
  eventId: fc.nat(),
  portalId: fc.integer({ min: 1, max: 2 ** 31 }),
  objectId: fc.integer({ min: 1, max: 2 ** 40 }),
  occurredAt: fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
  subscriptionType: fc.constantFrom('deal.creation', 'company.deletion', 'contact.merge', 'company.propertyChange'),
  propertyName: fc.constantFrom('cbs_sbi_code', 'name', 'phone'),
});
const validBatch = fc.array(fc.oneof({ weight: 4, arbitrary: creationEvent }, { weight: 1, arbitrary: otherEvent }), { minLength: 1, maxLength: 100 });

describe('fuzz POST /webhooks/hubspot', () => {
  // Whatever the fuzz sent, the database must stay consistent: every recorded event has its job.
  const fuzz = useFuzzService({ checkIntake: true });

  const post = (body: string | Uint8Array, headers: Record<string, string>) => fuzz.request(PATH, { method: 'POST', body, headers });

  it('accepts every validly v3-signed batch of events (2xx), and refuses the same batch signed v1 only (replayable)', async () => {
    await fc.assert(
      fc.asyncProperty(validBatch, fc.boolean(), async (events, v3) => {
        const body = JSON.stringify(events);
        const ts = String(Date.now());
        const headers: Record<string, string> = v3
          ? { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(body, ts), 'x-hubspot-request-timestamp': ts }
          : { 'content-type': 'application/json', 'x-hubspot-signature': signV1(body), 'x-hubspot-signature-version': 'v1' };
        await checkAnswer(await post(body, headers), v3, `valid ${v3 ? 'v3' : 'v1'} ${describeBody(body)}`);
      }),
      { numRuns: 250 },
    );
  });

  it('takes hostile ids and pass-through fields (U+0000, lone surrogates, ..) in a signed batch without a 5xx', async () => {
    const hostileEvent = fc.record({
      base: creationEvent,
      portalId: fc.option(hostileId, { nil: undefined }),
      objectId: fc.option(hostileId, { nil: undefined }),
      appId: fc.option(hostileString, { nil: undefined }),
      subscriptionId: fc.option(hostileString, { nil: undefined }),
      changeSource: fc.option(hostileString, { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(hostileEvent, { minLength: 1, maxLength: 20 }), async (cases) => {
        const events = cases.map(({ base, ...over }) => ({ ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) }));
        const body = JSON.stringify(events);
        const ts = String(Date.now());
        // HubSpot ids are digits; a string id is trimmed first (idString). A JSON number must be a safe
        // integer: above 2^53 it has already been rounded to another id (review 2026-12, L9).
        const digits = (v: unknown) => (typeof v !== 'number' || Number.isSafeInteger(v)) && /^\d{1,20}$/.test(String(v).trim());
        const idsOk = events.every((e) => digits(e.portalId) && digits(e.objectId));
        const res = await post(body, { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(body, ts), 'x-hubspot-request-timestamp': ts });
        // Digits-only ids are taken whatever the pass-through fields hold; anything else is a 400.
        await checkAnswer(res, idsOk, `hostile fields ${describeBody(body)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('answers validly signed hostile bodies with 4xx problem+json (2xx only for a JSON array)', async () => {
    const bodies = fc.oneof(
      hostileBody,
      fc.array(hostileValue, { maxLength: 5 }).map((a) => JSON.stringify(a)),
      fc.array(fc.dictionary(fc.constantFrom('portalId', 'objectId', 'subscriptionType', 'eventType', 'occurredAt', 'eventId', 'propertyName', 'objectTypeId'), hostileValue), { maxLength: 5 }).map((a) => JSON.stringify(a)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, async (body, contentType) => {
        const ts = String(Date.now());
        const res = await post(body, { 'content-type': contentType, 'x-hubspot-signature-v3': signV3(body, ts), 'x-hubspot-request-timestamp': ts });
        const parsed = sentJson(body);
        await checkAnswer(res, Array.isArray(parsed) ? undefined : false, `signed ${contentType} ${describeBody(body)}`);
      }),
      { numRuns: 600 },
    );
  });

  it('never accepts a request without a valid signature', async () => {
    const headerCase = fc.record(
      {
        v3: hostileHeaderValue,
        v1: hostileHeaderValue,
        version: fc.constantFrom('v1', 'v2', 'v3', 'V1', ''),
        timestamp: fc.oneof(hostileHeaderValue, fc.constant(String(Date.now())), fc.constant(String(Date.now() - 301_000))),
        contentType: contentTypes,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileBody, validBatch.map((e) => JSON.stringify(e))), headerCase, async (body, h) => {
        const headers: Record<string, string> = {};
        if (h.v3 !== undefined) headers['x-hubspot-signature-v3'] = h.v3;
        if (h.v1 !== undefined) headers['x-hubspot-signature'] = h.v1;
        if (h.version !== undefined) headers['x-hubspot-signature-version'] = h.version;
        if (h.timestamp !== undefined) headers['x-hubspot-request-timestamp'] = h.timestamp;
        if (h.contentType !== undefined) headers['content-type'] = h.contentType;
        await checkAnswer(await post(body, headers), false, `unsigned ${JSON.stringify(headers)} ${describeBody(body)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects stale, altered or wrongly addressed deliveries of a valid batch', async () => {
    await fc.assert(
      fc.asyncProperty(validBatch, fc.constantFrom('stale', 'altered', 'other-url', 'other-secret'), async (events, how) => {
        const body = JSON.stringify(events);
        const ts = String(how === 'stale' ? Date.now() - 301_000 : Date.now());
        let signature = signV3(body, ts);
        if (how === 'other-url') signature = createHmac('sha256', FUZZ_SECRETS.hubspotClientSecret).update(`POSThttp://localhost${PATH}${body}${ts}`).digest('base64');
        if (how === 'other-secret') signature = createHmac('sha256', 'not-the-secret').update(`POST${URI}${body}${ts}`).digest('base64');
        const sent = how === 'altered' ? body.replace(/\d/, (d) => String((Number(d) + 1) % 10)) : body;
        await checkAnswer(await post(sent, { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts }), false, `${how} ${describeBody(body)}`);
      }),
      { numRuns: 200 },
    );
  });
});
