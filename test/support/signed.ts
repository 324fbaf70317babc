import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Signed webhook requests, made from each CRM's documentation (HubSpot v3
 * HMAC, Pipedrive HTTP Basic, Standard Webhooks), not from our verifiers: the
 * two signers below are the only ones the tests and harnesses use, and the
 * requests after them are the security suites' ready-made ones.
 */

/** HubSpot v3: base64 HMAC-SHA256 of method + public URI + body + the millisecond timestamp sent beside it. */
export function hubspotV3Headers(secret: string, publicUrl: string, body: string): Record<string, string> {
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', secret).update(`POST${publicUrl}/webhooks/hubspot${body}${timestamp}`).digest('base64');
  return { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp };
}

/** Standard Webhooks: one clock reading for the signature and the header (two could straddle a second and not match). */
export function standardWebhookHeaders(secret: string, id: string, body: string): Record<string, string> {
  const signedAt = new Date();
  const signature = new Webhook(secret).sign(id, signedAt, body);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

export const SECRETS = {
  publicUrl: 'https://verrijk.security.test',
  hubspot: 'hs-security-client-secret',
  pipedriveUser: 'pd-security-user',
  pipedrivePassword: 'pd-security-password-long',
  generic: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
};

export const SECURITY_ENV = {
  PUBLIC_URL: SECRETS.publicUrl,
  HUBSPOT_CLIENT_SECRET: SECRETS.hubspot,
  PIPEDRIVE_WEBHOOK_USER: SECRETS.pipedriveUser,
  PIPEDRIVE_WEBHOOK_PASSWORD: SECRETS.pipedrivePassword,
  GENERIC_WEBHOOK_SECRET: SECRETS.generic,
};

let seq = 0;
export const unique = () => `${Date.now()}${++seq}`;

export function hubspotV3(events: unknown, raw?: string): Request {
  const body = raw ?? JSON.stringify(events);
  return new Request('http://127.0.0.1/webhooks/hubspot', { method: 'POST', body, headers: hubspotV3Headers(SECRETS.hubspot, SECRETS.publicUrl, body) });
}

export function pipedrive(envelope: unknown): Request {
  const auth = Buffer.from(`${SECRETS.pipedriveUser}:${SECRETS.pipedrivePassword}`).toString('base64');
  return new Request('http://127.0.0.1/webhooks/pipedrive', {
    method: 'POST',
    body: JSON.stringify(envelope),
    headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
  });
}

export function generic(payload: unknown, id = `msg_${unique()}`): Request {
  const body = JSON.stringify(payload);
  return new Request('http://127.0.0.1/webhooks/generic', { method: 'POST', body, headers: standardWebhookHeaders(SECRETS.generic, id, body) });
}

export const hubspotCreation = (portalId: number, objectId: number | string, extra: Record<string, unknown> = {}) => ({
  eventId: Number(unique().slice(-9)),
  subscriptionId: 1,
  portalId,
  appId: 9,
  occurredAt: Date.now(),
  subscriptionType: 'company.creation',
  attemptNumber: 0,
  objectId,
  changeSource: 'CRM_UI',
  ...extra,
});

export const pipedriveCreate = (companyId: number | string, entityId: number | string, data: Record<string, unknown> = {}) => ({
  meta: { action: 'create', entity: 'organization', id: `evt-${unique()}`, company_id: companyId, entity_id: entityId, timestamp: new Date().toISOString(), change_source: 'app' },
  data: { id: entityId, name: 'Bakkerij Test', ...data },
  previous: null,
});
