import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback authorization servers of HubSpot and Pipedrive, answering as their
 * vendors document (research crm-apis-2026.md F-H7, F-P7):
 * - HubSpot `POST /oauth/2026-03/token`, form body with grant_type, client_id,
 *   client_secret, redirect_uri and code, or refresh_token; answers access_token,
 *   refresh_token, expires_in (1800), token_type; a bad code or refresh token is a
 *   400 (`BAD_AUTH_CODE`, `BAD_REFRESH_TOKEN`). The account details
 *   (`GET /account-info/{version}/details`) name the token's `portalId`.
 * - Pipedrive `POST /oauth/token` with HTTP Basic client_id:client_secret and a form
 *   body; answers access_token, refresh_token (rotated on refresh), expires_in (3599),
 *   scope, api_domain (this server: its `/v1/users/me` names the company); a bad grant
 *   is a 400 `invalid_grant`.
 * `consent()` plays the user's "Connect app" click: a fresh code for that account.
 * `revoke()` plays an uninstall: every refresh token of that account is refused from then on.
 */

export interface FakeAuthServer {
  url: string;
  kind: 'hubspot' | 'pipedrive';
  /** The user consents for `account`: the code the CRM would send to the redirect URI. */
  consent(account: string, redirectUri: string): string;
  revoke(account: string): void;
  /** Every access token issued to `account` so far expires now (its refresh token stays good). */
  expireAccessTokens(account: string): void;
  /** Successful refresh grants, per account. */
  refreshes: Map<string, number>;
  /** Every token request's grant type and whether it was granted. */
  tokenRequests: Array<{ grant: string; ok: boolean; account?: string }>;
  /** Who an access token belongs to, while it is valid. */
  accountOfToken(token: string): string | undefined;
  /** Answer token requests with this status (passing failure) until cleared. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startFakeAuthServer(kind: 'hubspot' | 'pipedrive', client: { id: string; secret: string }, opts: { accessTtlS?: number } = {}): Promise<FakeAuthServer> {
  const codes = new Map<string, { account: string; redirectUri: string }>();
  const refreshTokens = new Map<string, string>();
  const accessTokens = new Map<string, { account: string; until: number }>();
  const revoked = new Set<string>();
  const refreshes = new Map<string, number>();
  const tokenRequests: FakeAuthServer['tokenRequests'] = [];
  const ttl = opts.accessTtlS ?? (kind === 'hubspot' ? 1800 : 3599);
  let url = '';
  const self: FakeAuthServer = {
    url: '',
    kind,
    consent(account, redirectUri) {
      const code = `code-${randomBytes(8).toString('hex')}`;
      codes.set(code, { account, redirectUri });
      return code;
    },
    revoke(account) {
      revoked.add(account);
    },
    expireAccessTokens(account) {
      for (const t of accessTokens.values()) if (t.account === account) t.until = 0;
    },
    refreshes,
    tokenRequests,
    accountOfToken(token) {
      const t = accessTokens.get(token);
      return t && t.until > Date.now() ? t.account : undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const issue = (account: string, refresh?: string) => {
    const access = `${kind}-access-${randomBytes(12).toString('hex')}`;
    accessTokens.set(access, { account, until: Date.now() + ttl * 1000 });
    // HubSpot keeps its refresh token; Pipedrive rotates it.
    const nextRefresh = kind === 'hubspot' && refresh ? refresh : `${kind}-refresh-${randomBytes(12).toString('hex')}`;
    if (refresh && nextRefresh !== refresh) refreshTokens.delete(refresh);
    refreshTokens.set(nextRefresh, account);
    const body: Record<string, unknown> = { access_token: access, refresh_token: nextRefresh, expires_in: ttl, token_type: 'bearer' };
    if (kind === 'pipedrive') Object.assign(body, { scope: 'base,contacts:full,admin', api_domain: url });
    return body;
  };

  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const refuse = (res: ServerResponse, why: string) =>
    kind === 'hubspot' ? send(res, 400, { status: why, message: 'missing or unknown code or refresh token', correlationId: randomBytes(8).toString('hex') }) : send(res, 400, { error: 'invalid_grant', error_description: why });

  async function token(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const grant = form.get('grant_type') ?? '';
    if (self.failWith) {
      tokenRequests.push({ grant, ok: false });
      return send(res, self.failWith, { message: 'injected' });
    }
    // Client authentication: HubSpot in the body, Pipedrive by HTTP Basic.
    const clientOk =
      kind === 'hubspot'
        ? form.get('client_id') === client.id && form.get('client_secret') === client.secret
        : req.headers.authorization === `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
    if (!clientOk) {
      tokenRequests.push({ grant, ok: false });
      return kind === 'hubspot' ? send(res, 400, { status: 'BAD_CLIENT_ID', message: 'missing or invalid client' }) : send(res, 401, { error: 'invalid_client' });
    }
    if (grant === 'authorization_code') {
      const found = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!found || found.redirectUri !== form.get('redirect_uri')) {
        tokenRequests.push({ grant, ok: false });
        return refuse(res, kind === 'hubspot' ? 'BAD_AUTH_CODE' : 'invalid code or redirect_uri');
      }
      tokenRequests.push({ grant, ok: true, account: found.account });
      return send(res, 200, issue(found.account));
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      const account = refreshTokens.get(refresh);
      if (!account || revoked.has(account)) {
        tokenRequests.push({ grant, ok: false, account });
        return refuse(res, kind === 'hubspot' ? 'BAD_REFRESH_TOKEN' : 'refresh token is invalid');
      }
      refreshes.set(account, (refreshes.get(account) ?? 0) + 1);
      tokenRequests.push({ grant, ok: true, account });
      return send(res, 200, issue(account, refresh));
    }
    tokenRequests.push({ grant, ok: false });
    return send(res, 400, { error: 'unsupported_grant_type' });
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (req.method === 'POST' && path === (kind === 'hubspot' ? '/oauth/2026-03/token' : '/oauth/token')) {
      token(req, res).catch(() => send(res, 500, { message: 'fake failed' }));
      return;
    }
    const account = self.accountOfToken(bearer);
    if (kind === 'hubspot' && req.method === 'GET' && /^\/account-info\/(v3|\d{4}-\d{2})\/details$/.test(path)) {
      return account ? send(res, 200, { portalId: Number(account), timeZone: 'Europe/Amsterdam' }) : send(res, 401, { status: 'error', category: 'INVALID_AUTHENTICATION' });
    }
    if (kind === 'pipedrive' && req.method === 'GET' && path === '/v1/users/me') {
      return account ? send(res, 200, { success: true, data: { id: 1, company_id: Number(account), company_domain: `c${account}` } }) : send(res, 401, { success: false, error: 'unauthorized' });
    }
    // Any other call made with a token: who it was made for (tests of per-account credentials).
    if (req.method === 'GET' && path.startsWith('/whoami')) return account ? send(res, 200, { account }) : send(res, 401, { error: 'expired or unknown token' });
    send(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  self.url = url;
  return self;
}
