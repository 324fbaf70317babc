import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Signed webhook requests for the security suites, made from each CRM's
 * documentation (HubSpot v3 HMAC, Pipedrive HTTP Basic, Standard Webhooks).
 */

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
  const ts = String(Date.now());
  const sig = createHmac('sha256', SECRETS.hubspot).update(`POST${SECRETS.publicUrl}/webhooks/hubspot${body}${ts}`).digest('base64');
  return new Request('http://127.0.0.1/webhooks/hubspot', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts },
  });
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
  // One clock reading for the signature and the header: two could straddle a second and not match.
  const signedAt = new Date();
  const signature = new Webhook(SECRETS.generic).sign(id, signedAt, body);
  return new Request('http://127.0.0.1/webhooks/generic', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)), 'webhook-signature': signature },
  });
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
