import { createHmac, randomBytes } from 'node:crypto';
import { secretEqual, signatureEqual } from '../constant-time.js';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { eq, lt } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Queryable } from '../db/client.js';
import { adminSessionRevocations } from '../db/schema.js';
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
  const session = config.adminToken ? sessionOf(config.adminToken, getCookie(c, SESSION_COOKIE)) : undefined;
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

export type AdminAuth = { kind: 'bearer' } | { kind: 'cookie' };

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
    if (client !== undefined) throttle!.failed(client);
    throw adminProblems.unauthorized();
  }
  const session = sessionOf(token, getCookie(c, SESSION_COOKIE));
  // A session ended by logout is as good as none.
  if (session && !(await isRevoked(db, session.mac))) {
    // SameSite=Strict already stops most cross-site posts; this check covers older browsers and sibling subdomains.
    if (!SAFE_METHODS.has(c.req.method) && !isSameOrigin(c, config)) throw adminProblems.crossOrigin();
    return { kind: 'cookie' };
  }
  throw adminProblems.unauthorized();
}

/** Middleware for admin routes. */
export function requireAdmin(config: Config, db: () => Queryable, throttle?: AuthThrottle): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await authenticateAdmin(c, config, db(), throttle);
    await next();
  };
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

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}
