import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { FUZZ_SECRETS, checkAnswer, describeBody, sentJson, useFuzzService } from '../../support/fuzz/service.js';
import { contentTypes, hostileBody, hostileHeaderValue, hostileId, hostileString } from '../../support/fuzz/hostile.js';

/**
 * POST /webhooks/generic under generated hostile input. Signatures are made
 * inline from the Standard Webhooks spec (HMAC-SHA256 over `id.timestamp.body`)
 * and the first one is cross-checked with the official package.
 */

const key = Buffer.from(FUZZ_SECRETS.genericSecret.slice('whsec_'.length), 'base64');
function sign(id: string, timestamp: string, body: string | Uint8Array): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}
const nowSeconds = () => String(Math.floor(Date.now() / 1000));

// Real SBI 2008 codes (CBS list, data/sbi2008) in the spellings CRMs use.
const sbiCodes = fc.constantFrom('62.01', '6201', '62010', '47.11', '56.10', '10.71', 'F', '69.20.1', '86.21', '49.41', null);

const validLead = fc.record(
  {
    id: fc.oneof(fc.uuid(), fc.nat({ max: 2 ** 31 })),
    company: fc.oneof(hostileString.map((s) => s.slice(0, 500)), fc.constant(null)),
    sbi: sbiCodes,
    employees: fc.oneof(fc.nat({ max: 100_000 }), fc.constantFrom('10-49', '250+', '1', '25-50', '')),
    industry: fc.oneof(hostileString.map((s) => s.slice(0, 500)), fc.constantFrom('bakkerij', 'COMPUTER_SOFTWARE', 'Software')),
    domain: fc.oneof(fc.domain(), fc.constant(null)),
  },
  { requiredKeys: ['id'] },
);

describe('fuzz POST /webhooks/generic', () => {
  // Whatever the fuzz sent, the database must stay consistent: every recorded event has its job.
  const fuzz = useFuzzService({ checkIntake: true });

  const post = (body: string | Uint8Array, headers: Record<string, string>) =>
    fuzz.request('/webhooks/generic', { method: 'POST', body, headers });

  it('signs like the official standardwebhooks package', () => {
    const id = `msg_${randomUUID()}`;
    const ts = nowSeconds();
    const body = '{"type":"lead.created","lead":{"id":"x"}}';
    new Webhook(FUZZ_SECRETS.genericSecret).verify(body, { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sign(id, ts, body) });
  });

  it('accepts every validly signed well-formed lead event (2xx)', async () => {
    await fc.assert(
      fc.asyncProperty(validLead, fc.constantFrom('lead.created', 'lead.updated'), async (lead, type) => {
        const body = JSON.stringify({ type, lead });
        const id = `msg_${randomUUID()}`;
        const ts = nowSeconds();
        const res = await post(body, { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sign(id, ts, body) });
        await checkAnswer(res, true, `valid ${describeBody(body)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('takes hostile ids and kvk profiles without a 5xx; every id it accepts is addressable through the admin API', async () => {
    const kvk = fc.dictionary(hostileString, fc.oneof(hostileString, fc.array(fc.dictionary(hostileString, hostileString, { maxKeys: 3 }), { maxLength: 3 })), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(hostileId, fc.option(kvk, { nil: undefined }), async (leadId, kvkProfile) => {
        const body = JSON.stringify({ type: 'lead.created', lead: { id: leadId, ...(kvkProfile ? { kvk: kvkProfile } : {}) } });
        const id = `msg_${randomUUID()}`;
        const ts = nowSeconds();
        const res = await post(body, { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sign(id, ts, body) });
        const accepted = res.status === 200;
        await checkAnswer(res, undefined, `hostile id ${describeBody(body)}`);
        if (!accepted) return;
        const objectId = String(leadId);
        const found = await fuzz.request(`/v1/leads/generic/${encodeURIComponent(objectId)}`, { headers: { authorization: `Bearer ${FUZZ_SECRETS.adminToken}` } });
        expect(found.status, `GET accepted id ${JSON.stringify(objectId)} → ${await found.text()}`).toBe(200);
      }),
      { numRuns: 300 },
    );
  });

  it('answers validly signed hostile bodies with 4xx problem+json (2xx only for a JSON object)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody, contentTypes, async (body, contentType) => {
        const id = `msg_${randomUUID()}`;
        const ts = nowSeconds();
        const res = await post(body, { 'content-type': contentType, 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sign(id, ts, body) });
        const parsed = sentJson(body);
        const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        await checkAnswer(res, isObject ? undefined : false, `signed ${contentType} ${describeBody(body)}`);
      }),
      { numRuns: 600 },
    );
  });

  it('never accepts a request without a valid signature', async () => {
    const headerCase = fc.record(
      {
        id: hostileHeaderValue,
        timestamp: fc.oneof(hostileHeaderValue, fc.constant(nowSeconds()), fc.constant(String(Math.floor(Date.now() / 1000) - 301)), fc.constant(String(Math.floor(Date.now() / 1000) + 400))),
        signature: fc.oneof(hostileHeaderValue, fc.constant('v1,' + Buffer.alloc(32).toString('base64'))),
        contentType: contentTypes,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileBody, validLead.map((lead) => JSON.stringify({ type: 'lead.created', lead }))), headerCase, async (body, h) => {
        const headers: Record<string, string> = {};
        if (h.id !== undefined) headers['webhook-id'] = h.id;
        if (h.timestamp !== undefined) headers['webhook-timestamp'] = h.timestamp;
        if (h.signature !== undefined) headers['webhook-signature'] = h.signature;
        if (h.contentType !== undefined) headers['content-type'] = h.contentType;
        const res = await post(body, headers);
        await checkAnswer(res, false, `unsigned ${JSON.stringify(headers)} ${describeBody(body)}`);
      }),
      { numRuns: 600 },
    );
  });

  it('rejects a stale or altered delivery of a valid event', async () => {
    await fc.assert(
      fc.asyncProperty(validLead, fc.constantFrom('stale', 'future', 'altered', 'other-id'), async (lead, how) => {
        const body = JSON.stringify({ type: 'lead.created', lead });
        const id = `msg_${randomUUID()}`;
        const now = Math.floor(Date.now() / 1000);
        const ts = String(how === 'stale' ? now - 400 : how === 'future' ? now + 400 : now);
        const signature = sign(id, ts, body);
        const sent = how === 'altered' ? `${body} ` : body;
        const res = await post(sent, { 'content-type': 'application/json', 'webhook-id': how === 'other-id' ? `${id}x` : id, 'webhook-timestamp': ts, 'webhook-signature': signature });
        await checkAnswer(res, false, `${how} ${describeBody(body)}`);
      }),
      { numRuns: 200 },
    );
  });

  it('answers a body over 1 MB with 413 problem+json', async () => {
    const body = JSON.stringify({ type: 'lead.created', lead: { id: 'big', company: 'x'.repeat(1_100_000) } });
    const id = `msg_${randomUUID()}`;
    const ts = nowSeconds();
    const res = await post(body, { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sign(id, ts, body) });
    expect(res.status).toBe(413);
    await checkAnswer(res, false, 'over 1 MB');
  });
});
