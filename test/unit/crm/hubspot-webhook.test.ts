import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hubspotSignedUri, parseHubSpotEvents, verifyHubSpotSignature } from '../../../src/crm/hubspot/webhook.js';
import { PayloadError } from '../../../src/crm/webhook-event.js';

const SECRET = 'hubspot-client-secret-for-tests';
const body = JSON.stringify([{ eventId: 1, subscriptionType: 'company.creation', portalId: 42, objectId: 7, occurredAt: 1708986598741 }]);
const bytes = (s: string) => new TextEncoder().encode(s);
const now = 1_760_000_000_000;

// Written from HubSpot's documentation, not from our code: base64(HMAC-SHA256(secret, method + uri + body + timestamp)).
function v3(uri: string, raw: string, ts: number, secret = SECRET) {
  return createHmac('sha256', secret).update(`POST${uri}${raw}${ts}`).digest('base64');
}

function headers(h: Record<string, string>) {
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  return (name: string) => lower[name];
}

describe('HubSpot signature v3', () => {
  const uri = 'https://verrijk.example.nl/webhooks/hubspot';
  const verify = (h: Record<string, string>, opts: { raw?: string; uri?: string; at?: number; acceptV1?: boolean } = {}) =>
    verifyHubSpotSignature({ method: 'POST', uri: opts.uri ?? uri, rawBody: bytes(opts.raw ?? body), header: headers(h), clientSecret: SECRET, now: opts.at ?? now, acceptV1: opts.acceptV1 });

  it('accepts a valid signature', () => {
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, now), 'X-HubSpot-Request-Timestamp': String(now) })).toEqual({ ok: true });
  });

  it('rejects the wrong secret, an altered body and an altered URL', () => {
    const ts = String(now);
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, now, 'other-secret'), 'X-HubSpot-Request-Timestamp': ts })).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, now), 'X-HubSpot-Request-Timestamp': ts }, { raw: body.replace('7', '8') })).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, now), 'X-HubSpot-Request-Timestamp': ts }, { uri: `${uri}?x=1` })).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects timestamps more than 5 minutes old or ahead, and a missing timestamp', () => {
    for (const ts of [now - 5 * 60_000 - 1, now + 5 * 60_000 + 1]) {
      expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, ts), 'X-HubSpot-Request-Timestamp': String(ts) })).toMatchObject({ ok: false, reason: 'stale' });
    }
    const edge = now - 5 * 60_000 + 1000;
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, edge), 'X-HubSpot-Request-Timestamp': String(edge) })).toEqual({ ok: true });
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, now) })).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify({ 'X-HubSpot-Signature-v3': v3(uri, body, now), 'X-HubSpot-Request-Timestamp': '1.7e12' })).toMatchObject({ ok: false });
  });

  it('refuses v1 unless opted in; opted in, falls back to v1 only when v3 is absent and the events are recent', () => {
    const sig1 = createHash('sha256').update(SECRET + body).digest('hex');
    // The body's occurredAt (1708986598741) is within 3 days of this clock.
    const recent = 1708986598741 + 60_000;
    expect(verify({ 'X-HubSpot-Signature': sig1, 'X-HubSpot-Signature-Version': 'v1' }, { at: recent })).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify({ 'X-HubSpot-Signature': sig1, 'X-HubSpot-Signature-Version': 'v1' }, { at: recent, acceptV1: true })).toEqual({ ok: true });
    expect(verify({ 'X-HubSpot-Signature': sig1 }, { at: recent, acceptV1: true })).toEqual({ ok: true });
    expect(verify({ 'X-HubSpot-Signature': sig1 }, { at: now, acceptV1: true })).toMatchObject({ ok: false, reason: 'stale' });
    expect(verify({ 'X-HubSpot-Signature': sig1.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }, { at: recent, acceptV1: true })).toMatchObject({ ok: false });
    // A wrong v3 is not rescued by a right v1.
    expect(verify({ 'X-HubSpot-Signature-v3': 'AAAA', 'X-HubSpot-Request-Timestamp': String(now), 'X-HubSpot-Signature': sig1 }, { acceptV1: true })).toMatchObject({ ok: false });
    expect(verify({})).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('decodes exactly the characters HubSpot decodes, not the query separator', () => {
    expect(hubspotSignedUri('https://x.nl', '/webhooks/hubspot?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B&b=%20%26')).toBe(
      "https://x.nl/webhooks/hubspot?a=:/?@!$'()*,;&b=%20%26",
    );
    expect(hubspotSignedUri('https://x.nl', '/webhooks/hubspot')).toBe('https://x.nl/webhooks/hubspot');
  });
});

describe('HubSpot events', () => {
  it('makes one event per created company or contact, keyed per object', () => {
    const parsed = parseHubSpotEvents([
      { eventId: 1, subscriptionType: 'company.creation', portalId: 42, objectId: 7, occurredAt: 1708986598741, changeSource: 'CRM_UI' },
      { eventId: 2, subscriptionType: 'contact.creation', portalId: '43', objectId: '9' },
      { eventId: 3, subscriptionType: 'object.creation', objectTypeId: '0-2', portalId: 42, objectId: 8 },
    ]);
    expect(parsed.events.map((e) => e.dedupeKey)).toEqual([
      'hubspot:42:company:7:created',
      'hubspot:43:contact:9:created',
      'hubspot:42:company:8:created',
    ]);
    expect(parsed.events[0].ref).toEqual({ source: 'hubspot', accountId: '42', objectType: 'company', objectId: '7' });
    expect(parsed.events[0].payload.event).toMatchObject({ type: 'company.creation', eventId: '1', occurredAt: '2024-02-26T22:29:58.741Z', changeSource: 'CRM_UI' });
  });

  it('ignores changes of our own properties and of non-input properties; re-enriches on input changes', () => {
    const parsed = parseHubSpotEvents([
      { eventId: 5, subscriptionType: 'company.propertyChange', propertyName: 'cbs_sbi_code', portalId: 42, objectId: 7 },
      { eventId: 6, subscriptionType: 'company.propertyChange', propertyName: 'phone', portalId: 42, objectId: 7 },
      { eventId: 7, subscriptionType: 'company.propertyChange', propertyName: 'industry', portalId: 42, objectId: 7, propertyValue: 'RETAIL' },
      { eventId: 8, subscriptionType: 'deal.creation', portalId: 42, objectId: 1 },
      { eventId: 9, subscriptionType: 'company.deletion', portalId: 42, objectId: 7 },
    ]);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ reason: 'reenrich', dedupeKey: 'hubspot:42:7:7:change' });
    expect(parsed.ignored.map((i) => i.eventType)).toEqual(['company.propertyChange', 'company.propertyChange', 'deal.creation', 'company.deletion']);
  });

  it('re-enriches when the zip changes: the municipality figures depend on it', () => {
    const parsed = parseHubSpotEvents([{ eventId: 11, subscriptionType: 'company.propertyChange', propertyName: 'zip', portalId: 42, objectId: 7, propertyValue: '1011 AB' }]);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ reason: 'reenrich' });
  });

  it('names the bad fields', () => {
    expect(() => parseHubSpotEvents({})).toThrow(PayloadError);
    try {
      parseHubSpotEvents([{ subscriptionType: 'company.creation', objectId: 1 }, 'x']);
      expect.unreachable();
    } catch (err) {
      expect((err as PayloadError).errors.map((e) => e.field)).toEqual(['[0].portalId', '[1]']);
    }
    expect(() => parseHubSpotEvents(Array.from({ length: 101 }, () => ({})))).toThrow(/Too many/);
  });
});
