import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { LeadInput } from '../../src/enrich/types.js';

/**
 * Builds generic (Standard Webhooks) deliveries the way a producer would: a
 * unique `webhook-id`, the current timestamp, and a `v1,` HMAC-SHA256 over
 * `id.timestamp.body`. Signing uses node:crypto because the official package
 * hashes in plain JS and would make the load generator the bottleneck; every
 * signer checks itself once against the official `standardwebhooks` verifier.
 */
export const BENCH_WEBHOOK_SECRET = `whsec_${Buffer.from('verrijk-bench-secret-0123456789ab').toString('base64')}`;

export interface GenericLead extends LeadInput {
  id: string;
}

export interface SignedDelivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** The generic payload from DESIGN.md: `{ type: 'lead.created', lead: {...} }`. */
export function genericBody(lead: GenericLead): string {
  const { kvkSbi, ...rest } = lead;
  return JSON.stringify({ type: 'lead.created', lead: { ...rest, ...(kvkSbi ? { kvk: kvkSbi } : {}) } });
}

export function createSigner(secret = BENCH_WEBHOOK_SECRET) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signer = {
    /** Signs `body` under `id` (a redelivery reuses the id, so it must dedupe). */
    sign(body: string, id: string = `msg_${randomUUID()}`, at = new Date()): SignedDelivery {
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      return {
        id,
        body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': `v1,${mac}`,
        },
      };
    },
  };
  const probe = signer.sign('{"type":"lead.created","lead":{"id":"probe"}}');
  new Webhook(secret).verify(probe.body, probe.headers); // throws if our signing ever drifts from the spec
  return signer;
}
