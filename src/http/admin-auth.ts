import { createHmac, randomBytes } from 'node:crypto';
import { secretEqual, signatureEqual } from '../constant-time.js';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { eq, lt } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Queryable } from '../db/client.js';
import { adminSessionRevocations } from '../db/schema.js';
import { type ViewerScope, viewerHashOf, viewerOfToken } from '../accounts/viewer.js';
import { SOURCES, type Source } from '../leads/identity.js';
import { type AuthThrottle, clientOf, tooManyAttempts } from './auth-throttle.js';
import type { AppEnv } from './context.js';
import { AppError } from './problem.js';

/**
 * Who may use the admin API and the status page: a caller with
 * `Authorization: Bearer $ADMIN_TOKEN`, or a browser holding the session cookie
 * that `POST /login` sets. The cookie holds an expiry and an HMAC derived from
 * the token, never the token itself; rotating ADMIN_TOKEN ends every session,
 * `POST /logout` ends one (its MAC is refused until it expires, in the database
 * so every instance agrees). Wrong tokens are throttled per client (auth-throttle.ts).
 *
 * A client's viewer token (src/accounts/viewer.ts) signs in the same ways, as a viewer of
 * one CRM account: its session cookie names the account and is signed over the token's
 * stored hash, so rotating or revoking the token ends its sessions too. A viewer reaches
 * only the routes that allow it (read-only, scoped to its account); every other admin
 * route answers 403 (`viewerForbidden`).
 */

export const SESSION_COOKIE = 'verrijk_admin';
const SESSION_TTL_SECONDS = 12 * 60 * 60;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const adminProblems = {
  disabled: () =>
    new AppError(401, 'admin-disabled', 'Admin is disabled', 'Set ADMIN_TOKEN to use the admin API and the status page.', undefined, {
      'WWW-Authenticate': 'Bearer',
    }),
  unauthorized: () =>
    new AppError(401, 'unauthorized', 'Unauthorized', 'Send Authorization: Bearer <ADMIN_TOKEN>.', undefined, {
      'WWW-Authenticate': 'Bearer',
    }),
  viewerForbidden: () =>
    new AppError(403, 'viewer-forbidden', 'Forbidden', 'A viewer token shows one account’s leads read-only; this needs the admin token.'),
  crossOrigin: () =>
    new AppError(
      403,
      'cross-origin',
      'Forbidden',
      'A cookie session may change state only from this site (Origin/Referer); scripts should send the Bearer header.',
    ),
};


function sessionMac(adminToken: string, expires: number, nonce: string): string {
  return createHmac('sha256', adminToken).update(`verrijk admin session v2:${expires}:${nonce}`).digest('base64url');
}

/**
 * A session value valid until `now + ttl`: `<expires>.<nonce>.<hmac>`. The
 * random nonce makes every sign-in its own session, so ending one (logout)
 * never ends another that happened to start in the same second.
 */
export function createSessionValue(adminToken: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  const nonce = randomBytes(12).toString('base64url');
  return `${expires}.${nonce}.${sessionMac(adminToken, expires, nonce)}`;
}

export function verifySessionValue(adminToken: string, value: string | undefined, now = Date.now()): boolean {
  return sessionOf(adminToken, value, now) !== undefined;
}

/** The MAC and expiry of a valid, unexpired session value; undefined otherwise. */
function sessionOf(adminToken: string, value: string | undefined, now = Date.now()): { mac: string; expires: Date } | undefined {
  if (!value) return undefined;
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return undefined;
  const expires = Number(m[1]);
  if (expires * 1000 <= now) return undefined;
  return signatureEqual(m[3], sessionMac(adminToken, expires, m[2])) ? { mac: m[3], expires: new Date(expires * 1000) } : undefined;
}

/**
 * A viewer session: `v1.<source>.<accountId, base64url>.<expires>.<nonce>.<hmac>`, signed over the
 * viewer token's stored hash. The id is encoded: a generic account id may hold `.` and `:`.
 */
function viewerMac(adminToken: string, scope: ViewerScope, hash: string, expires: number, nonce: string): string {
  return createHmac('sha256', adminToken).update(`verrijk viewer session v1:${scope.source}:${scope.accountId}:${hash}:${expires}:${nonce}`).digest('base64url');
}

export function createViewerSessionValue(adminToken: string, scope: ViewerScope, hash: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  const nonce = randomBytes(12).toString('base64url');
  return `v1.${scope.source}.${Buffer.from(scope.accountId, 'utf8').toString('base64url')}.${expires}.${nonce}.${viewerMac(adminToken, scope, hash, expires, nonce)}`;
}

/** The scope, MAC and expiry of a valid viewer session whose token is still the account's current one. */
async function viewerSessionOf(adminToken: string, db: Queryable, value: string | undefined, now = Date.now()): Promise<{ scope: ViewerScope; mac: string; expires: Date } | undefined> {
  if (!value) return undefined;
  const m = /^v1\.([a-z]{1,16})\.([A-Za-z0-9_-]{1,172})\.(\d{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m || !(SOURCES as readonly string[]).includes(m[1])) return undefined;
  const expires = Number(m[3]);
  if (expires * 1000 <= now) return undefined;
  const scope = { source: m[1] as Source, accountId: Buffer.from(m[2], 'base64url').toString('utf8') };
  const hash = await viewerHashOf(db, scope.source, scope.accountId);
  if (!hash || !signatureEqual(m[5], viewerMac(adminToken, scope, hash, expires, m[4]))) return undefined;
  return { scope, mac: m[5], expires: new Date(expires * 1000) };
}

/** True when POST /logout ended this session before its expiry (any instance: the list is in the database). */
async function isRevoked(db: Queryable, mac: string): Promise<boolean> {
  const rows = await db.select({ mac: adminSessionRevocations.mac }).from(adminSessionRevocations).where(eq(adminSessionRevocations.mac, mac)).limit(1);
  return rows.length > 0;
}

/**
 * Ends the browser session in this request's cookie on the server: its MAC is
 * refused until it would have expired anyway. Sessions past expiry are
 * forgotten here too, so the list holds at most 12 h of logouts.
 */
export async function revokeSession(c: Context, config: Config, db: Queryable): Promise<void> {
  const value = getCookie(c, SESSION_COOKIE);
  const session = config.adminToken ? (sessionOf(config.adminToken, value) ?? (await viewerSessionOf(config.adminToken, db, value))) : undefined;
  if (!session) return;
  await db.insert(adminSessionRevocations).values({ mac: session.mac, expiresAt: session.expires }).onConflictDoNothing();
  await db.delete(adminSessionRevocations).where(lt(adminSessionRevocations.expiresAt, new Date()));
}

function bearerOf(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1].trim() : '';
}

/** The request's own origin, and the public one (behind a proxy the two differ). */
function isSameOrigin(c: Context, config: Config): boolean {
  const claimed = c.req.header('origin') ?? c.req.header('referer');
  if (!claimed || claimed === 'null') return false;
  let host: string;
  try {
    host = new URL(claimed).host;
  } catch {
    return false;
  }
  const own = new URL(c.req.url).host;
  const forwarded = c.req.header('host');
  const pub = new URL(config.publicUrl).host;
  return host === own || host === forwarded || host === pub;
}

/** How the request was authenticated: as the admin, or as a viewer of one account (`viewer`). */
export type AdminAuth = { kind: 'bearer' } | { kind: 'cookie' } | { kind: 'viewer'; via: 'bearer' | 'cookie'; scope: ViewerScope };

/**
 * Decides how (and whether) the request is authenticated as admin. Throws the
 * problem to answer with; returns how it was authenticated otherwise.
 */
export async function authenticateAdmin(c: Context, config: Config, db: Queryable, throttle?: AuthThrottle): Promise<AdminAuth> {
  const token = config.adminToken;
  if (!token) throw adminProblems.disabled();
  const bearer = bearerOf(c);
  if (bearer !== undefined) {
    // A Bearer token is a guess until it matches. (A cookie is not: its 256-bit MAC cannot
    // be guessed, and an expired one from a returning browser must not lock its admin out.)
    const client = throttle ? clientOf(c, config.trustProxy) : undefined;
    const wait = client === undefined ? 0 : throttle!.retryAfterMs(client);
    if (wait > 0) throw tooManyAttempts(wait);
    if (bearer && secretEqual(bearer, token)) return { kind: 'bearer' };
    const viewer = bearer ? await viewerOfToken(db, bearer) : undefined;
    if (viewer) return { kind: 'viewer', via: 'bearer', scope: { source: viewer.source, accountId: viewer.accountId } };
    if (client !== undefined) throttle!.failed(client);
    throw adminProblems.unauthorized();
  }
  const value = getCookie(c, SESSION_COOKIE);
  const session = sessionOf(token, value);
  // A session ended by logout is as good as none.
  if (session && !(await isRevoked(db, session.mac))) {
    // SameSite=Strict already stops most cross-site posts; this check covers older browsers and sibling subdomains.
    if (!SAFE_METHODS.has(c.req.method) && !isSameOrigin(c, config)) throw adminProblems.crossOrigin();
    return { kind: 'cookie' };
  }
  const viewer = value?.startsWith('v1.') ? await viewerSessionOf(token, db, value) : undefined;
  if (viewer && !(await isRevoked(db, viewer.mac))) return { kind: 'viewer', via: 'cookie', scope: viewer.scope };
  throw adminProblems.unauthorized();
}

/**
 * Middleware for admin routes. A viewer passes only where `viewerMay` (a read-only route
 * that scopes what it answers to `c.get('viewer')`); elsewhere it gets 403.
 */
export function requireAdmin(config: Config, db: () => Queryable, throttle?: AuthThrottle, viewerMay = false): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = await authenticateAdmin(c, config, db(), throttle);
    if (auth.kind === 'viewer') {
      if (!viewerMay) throw adminProblems.viewerForbidden();
      c.set('viewer', auth.scope);
    }
    await next();
  };
}

/**
 * The account filter a list answers with: the admin's as asked; a viewer's own account,
 * always. A viewer asking for another account (or source) gets 403, never an empty list
 * that would look like "that account has no leads".
 */
export function scopedFilter(viewer: ViewerScope | undefined, asked: { source?: Source; accountId?: string }): { source?: Source; accountId?: string } {
  if (!viewer) return asked;
  if ((asked.source !== undefined && asked.source !== viewer.source) || (asked.accountId !== undefined && asked.accountId !== viewer.accountId)) {
    throw new AppError(403, 'viewer-forbidden', 'Forbidden', `This viewer token shows ${viewer.source} account ${viewer.accountId} only.`);
  }
  return { source: viewer.source, accountId: viewer.accountId };
}

/** True when a login with this token should succeed. */
export function tokenMatches(config: Config, candidate: string | undefined): boolean {
  return !!config.adminToken && !!candidate && secretEqual(candidate, config.adminToken);
}

export function setSessionCookie(c: Context, config: Config): void {
  if (!config.adminToken) return;
  const secure = new URL(c.req.url).protocol === 'https:' || config.publicUrl.startsWith('https:');
  setCookie(c, SESSION_COOKIE, createSessionValue(config.adminToken), {
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    path: '/',
    maxAge: SESSION_TTL_SECONDS,
  });
}

/** Signs a viewer in: the same cookie, holding the account and a MAC over its viewer token's hash. */
export function setViewerSessionCookie(c: Context, config: Config, scope: ViewerScope, hash: string): void {
  if (!config.adminToken) return;
  const secure = new URL(c.req.url).protocol === 'https:' || config.publicUrl.startsWith('https:');
  setCookie(c, SESSION_COOKIE, createViewerSessionValue(config.adminToken, scope, hash), {
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    path: '/',
    maxAge: SESSION_TTL_SECONDS,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}
