import { undici } from '../../outbound/agent.js';
import { accountIdOf } from '../../crm/account-id.js';
import { hubspotPaths } from '../../crm/hubspot/paths.js';
import { HUBSPOT_SCOPES } from '../../crm/hubspot/scopes.js';
import type { OAuthSource } from './state.js';

/**
 * The two authorization servers as their vendors document them (research
 * crm-apis-2026.md F-H7, F-P7):
 * - HubSpot: authorize at `app.hubspot.com/oauth/authorize` (client_id, scope,
 *   redirect_uri, state); exchange and refresh at `POST /oauth/2026-03/token` with
 *   every parameter in the form body (client_id and client_secret included). Access
 *   tokens last 30 minutes; refresh tokens do not expire. The portal: the account
 *   details (`portalId`).
 * - Pipedrive: authorize at `oauth.pipedrive.com/oauth/authorize` (client_id,
 *   redirect_uri, state); `POST /oauth/token` with HTTP Basic client_id:client_secret;
 *   the answer carries `api_domain`, the company's own API host, and may rotate the
 *   refresh token. Access tokens last about an hour. The company: `GET /v1/users/me`.
 */

/** The part of the service's config OAuth reads (src/config.ts `Config` fits it; not imported: config imports accounts/). */
export interface OAuthConfig {
  publicUrl: string;
  accounts: { key: Buffer | undefined; previousKeys: Buffer[] };
  oauth: {
    hubspot?: { clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string };
    pipedrive?: { clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string };
  };
  hubspot: { baseUrl: string; apiVersion: string };
  pipedrive: { baseUrl: string };
}

export interface TokenSet {
  accessToken: string;
  /** Absent when the server keeps the old one (HubSpot does). */
  refreshToken?: string;
  expiresAt: Date;
  /** Pipedrive: the company's API host, the base of every call. */
  apiDomain?: string;
}

/** A refusal by the authorization server: `final` (the grant is gone: invalid_grant, 400, 401) or passing (5xx, network). */
export class OAuthError extends Error {
  constructor(
    readonly final: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

export interface OAuthProvider {
  source: OAuthSource;
  authorizeUrl(state: string, redirectUri: string): string;
  exchange(code: string, redirectUri: string): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  /** The account the token belongs to: HubSpot portal id, Pipedrive company id. */
  accountOf(tokens: TokenSet): Promise<string>;
}

const TIMEOUTS = { headersTimeout: 10_000, bodyTimeout: 10_000 };

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenSet> {
  let status: number;
  let body: Record<string, unknown>;
  const { request } = await undici();
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
      body: new URLSearchParams(form).toString(),
      ...TIMEOUTS,
    });
    status = res.statusCode;
    const text = await res.body.text();
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
  } catch (err) {
    throw new OAuthError(false, `the authorization server did not answer (${(err as Error).name})`);
  }
  if (status >= 500 || status === 429) throw new OAuthError(false, `the authorization server answered ${status}`);
  if (status >= 400) {
    const why = [body.error, body.status, body.error_description ?? body.message].filter((v) => typeof v === 'string').join(': ').slice(0, 200);
    throw new OAuthError(true, `the authorization server refused (${status}${why ? ` ${why}` : ''})`);
  }
  const accessToken = body.access_token;
  const expiresIn = Number(body.expires_in);
  if (typeof accessToken !== 'string' || !accessToken || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new OAuthError(false, 'the authorization server answered without access_token and expires_in');
  }
  return {
    accessToken,
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined,
    expiresAt: new Date(Date.now() + expiresIn * 1000),
    apiDomain: typeof body.api_domain === 'string' && /^https?:\/\//.test(body.api_domain) ? body.api_domain.replace(/\/+$/, '') : undefined,
  };
}

async function getJson(url: string, token: string): Promise<Record<string, any>> {
  const { request } = await undici();
  const res = await request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ...TIMEOUTS });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new OAuthError(res.statusCode < 500, `${new URL(url).pathname} answered ${res.statusCode}`);
  return JSON.parse(text) as Record<string, any>;
}

export function oauthProviders(config: OAuthConfig): Partial<Record<OAuthSource, OAuthProvider>> {
  const out: Partial<Record<OAuthSource, OAuthProvider>> = {};
  const hs = config.oauth.hubspot;
  if (hs) {
    const client = { client_id: hs.clientId, client_secret: hs.clientSecret };
    out.hubspot = {
      source: 'hubspot',
      authorizeUrl: (state, redirectUri) => `${hs.authorizeUrl}?${new URLSearchParams({ client_id: hs.clientId, scope: HUBSPOT_SCOPES.join(' '), redirect_uri: redirectUri, state })}`,
      exchange: (code, redirectUri) => post(hs.tokenUrl, { grant_type: 'authorization_code', ...client, redirect_uri: redirectUri, code }),
      refresh: (refreshToken) => post(hs.tokenUrl, { grant_type: 'refresh_token', ...client, refresh_token: refreshToken }),
      async accountOf(tokens) {
        const details = await getJson(`${config.hubspot.baseUrl.replace(/\/+$/, '')}${hubspotPaths(config.hubspot.apiVersion).accountDetails()}`, tokens.accessToken);
        return accountIdOf('hubspot', details.portalId, 'portalId');
      },
    };
  }
  const pd = config.oauth.pipedrive;
  if (pd) {
    const basic = { authorization: `Basic ${Buffer.from(`${pd.clientId}:${pd.clientSecret}`).toString('base64')}` };
    out.pipedrive = {
      source: 'pipedrive',
      authorizeUrl: (state, redirectUri) => `${pd.authorizeUrl}?${new URLSearchParams({ client_id: pd.clientId, redirect_uri: redirectUri, state })}`,
      exchange: (code, redirectUri) => post(pd.tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri }, basic),
      refresh: (refreshToken) => post(pd.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken }, basic),
      async accountOf(tokens) {
        const me = await getJson(`${tokens.apiDomain ?? config.pipedrive.baseUrl.replace(/\/+$/, '')}/v1/users/me`, tokens.accessToken);
        return accountIdOf('pipedrive', me.data?.company_id, 'company_id');
      },
    };
  }
  return out;
}
