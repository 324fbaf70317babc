import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseGenericEvent, verifyStandardWebhook } from '../../../src/crm/generic/webhook.js';
import { PayloadError } from '../../../src/crm/webhook-event.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const SECRET = `whsec_${key.toString('base64')}`;
const body = JSON.stringify({ type: 'lead.created', lead: { id: 1 } });
const now = Date.now();
const ts = Math.floor(now / 1000);

const verify = (h: Record<string, string>, raw = body, at = now) =>
  verifyStandardWebhook({ header: (n) => h[n], rawBody: new TextEncoder().encode(raw), secret: SECRET, now: at });

describe('Standard Webhooks verification', () => {
  it('accepts what the official standardwebhooks package signs', () => {
    const signature = new Webhook(SECRET).sign('msg_1', new Date(ts * 1000), body);
    expect(verify({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signature })).toEqual({ ok: true });
    // And the package accepts what the spec says, so both sides agree on the vector.
    const inline = `v1,${createHmac('sha256', key).update(`msg_1.${ts}.${body}`).digest('base64')}`;
    expect(inline).toBe(signature);
  });

  it('rejects the wrong key, an altered body, stale or future timestamps, and missing headers', () => {
    const sign = (k: Buffer, t = ts, raw = body) => `v1,${createHmac('sha256', k).update(`msg_1.${t}.${raw}`).digest('base64')}`;
    const h = (sig: string, t = ts) => ({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(t), 'webhook-signature': sig });
    expect(verify(h(sign(Buffer.from('another key'))))).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify(h(sign(key)), body.replace('1', '2'))).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify(h(sign(key, ts - 301), ts - 301))).toMatchObject({ ok: false, reason: 'stale' });
    expect(verify(h(sign(key, ts + 301), ts + 301))).toMatchObject({ ok: false, reason: 'stale' });
    expect(verify({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts) })).toMatchObject({ ok: false, reason: 'signature' });
    expect(verify({ 'webhook-signature': sign(key), 'webhook-timestamp': String(ts) })).toMatchObject({ ok: false });
    expect(verify(h(`v1a,${sign(key).slice(3)}`))).toMatchObject({ ok: false });
    expect(verify(h(`v1,bogus ${sign(key)}`))).toEqual({ ok: true });
  });
});

describe('generic payload', () => {
  it('keeps what the sender said, bounded and without control characters', () => {
    const parsed = parseGenericEvent(
      { type: 'lead.created', lead: { id: 42, company: ' Bakker\u0007 ', sbi: 1071, employees: 12, industry: 'bakkerij', domain: 'bakker.nl', kvk: '12345678' } },
      'msg_9',
    );
    expect(parsed.events[0]).toMatchObject({
      ref: { source: 'generic', accountId: 'default', objectType: 'lead', objectId: '42' },
      dedupeKey: 'generic:default:msg_9',
      payload: { lead: { company: 'Bakker', sbi: '1071', employees: 12, industry: 'bakkerij', domain: 'bakker.nl' }, raw: { kvkNumber: '12345678' } },
    });
    expect(parseGenericEvent({ type: 'lead.updated', lead: { id: 'a' } }, 'm').events[0].reason).toBe('reenrich');
  });

  it('reads the postcode from `postcode`, or from `zip` when that is absent', () => {
    const lead = (l: Record<string, unknown>) => parseGenericEvent({ type: 'lead.created', lead: { id: 1, ...l } }, 'm').events[0].payload.lead;
    expect(lead({ postcode: ' 1011 AB ' })).toMatchObject({ postcode: '1011 AB' });
    expect(lead({ zip: '3511AA' })).toMatchObject({ postcode: '3511AA' });
    expect(lead({ zip: 1011 })).toMatchObject({ postcode: '1011' });
    expect(lead({ postcode: '1011', zip: '9999' })).toMatchObject({ postcode: '1011' });
    expect(lead({})).not.toHaveProperty('postcode');
  });

  it('names invalid fields', () => {
    const fields = (b: unknown) => {
      try {
        parseGenericEvent(b, 'm');
        return [];
      } catch (err) {
        return (err as PayloadError).errors.map((e) => e.field);
      }
    };
    expect(fields({ type: 'lead.created', lead: {} })).toEqual(['lead.id']);
    expect(fields({ type: 'lead.created', lead: { id: 1.5 } })).toEqual(['lead.id']);
    expect(fields({ type: 'lead.created', lead: { id: 1, kvk: { sbiActiviteiten: 'x' } } })).toEqual(['lead.kvk']);
    expect(fields({ type: 'lead.created' })).toEqual(['lead']);
    expect(fields({ lead: { id: 1 } })).toEqual(['type']);
    expect(parseGenericEvent({ type: 'something.else' }, 'm').ignored).toHaveLength(1);
  });
});
