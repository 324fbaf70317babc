import { createHmac } from 'node:crypto';
import { secretEqual, signatureEqual } from '../constant-time.js';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.js';
import type { AppEnv } from './context.js';
import { AppError } from './problem.js';

/**
 * Who may use the admin API and the status page: a caller with
 * `Authorization: Bearer $ADMIN_TOKEN`, or a browser holding the session cookie
 * that `POST /login` sets. The cookie holds an expiry and an HMAC derived from
 * the token, never the token itself; rotating ADMIN_TOKEN ends every session.
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


function sessionMac(adminToken: string, expires: number): string {
  return createHmac('sha256', adminToken).update(`verrijk admin session v1:${expires}`).digest('base64url');
}

/** A session value valid until `now + ttl`: `<expires>.<hmac>`. */
export function createSessionValue(adminToken: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  return `${expires}.${sessionMac(adminToken, expires)}`;
}

export function verifySessionValue(adminToken: string, value: string | undefined, now = Date.now()): boolean {
  if (!value) return false;
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return false;
  const expires = Number(m[1]);
  if (expires * 1000 <= now) return false;
  return signatureEqual(m[2], sessionMac(adminToken, expires));
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
export function authenticateAdmin(c: Context, config: Config): AdminAuth {
  const token = config.adminToken;
  if (!token) throw adminProblems.disabled();
  const bearer = bearerOf(c);
  if (bearer !== undefined) {
    if (bearer && secretEqual(bearer, token)) return { kind: 'bearer' };
    throw adminProblems.unauthorized();
  }
  if (verifySessionValue(token, getCookie(c, SESSION_COOKIE))) {
    // SameSite=Strict already stops most cross-site posts; this check covers older browsers and sibling subdomains.
    if (!SAFE_METHODS.has(c.req.method) && !isSameOrigin(c, config)) throw adminProblems.crossOrigin();
    return { kind: 'cookie' };
  }
  throw adminProblems.unauthorized();
}

/** Middleware for admin routes. */
export function requireAdmin(config: Config): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    authenticateAdmin(c, config);
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
