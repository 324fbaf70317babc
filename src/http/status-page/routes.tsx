import { randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps, AppRouter } from '../context.js';
import { statusSnapshot } from '../../ops/status.js';
import { bodyLimitFor, isBodyLimitError } from '../body-limit.js';
import { AppError, problems } from '../problem.js';
import { authenticateAdmin, clearSessionCookie, revokeSession, setSessionCookie, tokenMatches } from '../admin-auth.js';
import { type AuthThrottle, clientOf } from '../auth-throttle.js';
import { ADMIN_SECURITY, wantsHtml } from '../routes/admin-common.js';
import { LoginPage } from './login.js';
import { StatusPage } from './status.js';

/** GET / (status page or login form), POST /login, POST /logout. */

/** No scripts at all; the one stylesheet is allowed by a per-response nonce. */
function securityHeaders(c: Context, nonce: string): void {
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('X-Frame-Options', 'DENY');
  c.header('Cache-Control', 'no-store');
}

const html = { 'text/html': { schema: z.string() } };

const statusRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['admin'],
  summary: 'Status page (HTML): queue, dead letters, recent enrichments, CBS freshness, rate limits; a login form without a session',
  security: ADMIN_SECURITY,
  responses: { 200: { description: 'The status page, or the login form' }, 401: { description: 'Admin is disabled (no ADMIN_TOKEN)', content: html } },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  tags: ['admin'],
  summary: 'Exchange the admin token (form field `token`) for an HttpOnly session cookie',
  request: { body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ token: z.string() }) } }, required: true } },
  responses: {
    303: { description: 'Signed in: back to /' },
    401: { description: 'Wrong token: the form again', content: html },
    429: { description: 'Too many wrong tokens from this client: the form again, with Retry-After', content: html },
    413: { description: 'Body larger than 8 KB' },
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  tags: ['admin'],
  summary: 'End the browser session',
  responses: { 303: { description: 'Signed out (the session is ended on the server): back to /' } },
});

export function registerStatusPage(app: AppRouter, deps: AppDeps, throttle: AuthThrottle): void {
  app.openapi(statusRoute, async (c) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(c, nonce);
    if (!deps.config.adminToken) {
      // Scripts get the same problem+json as every admin route; a browser gets a readable page.
      if (!wantsHtml(c.req.header('accept'))) await authenticateAdmin(c, deps.config, deps.database.db, throttle);
      return c.html(<LoginPage nonce={nonce} disabled />, 401);
    }
    try {
      await authenticateAdmin(c, deps.config, deps.database.db, throttle);
    } catch (err) {
      if (err instanceof AppError && err.status === 401 && !c.req.header('authorization')) return c.html(<LoginPage nonce={nonce} />, 200);
      throw err;
    }
    const snapshot = await statusSnapshot(deps.database.db, deps.config, deps.database.label, deps.crm.mapping);
    return c.html(<StatusPage s={snapshot} nonce={nonce} />, 200);
  });

  // The form is parsed by hand: a missing or odd field should show the form again, not a JSON error.
  app.openAPIRegistry.registerPath(loginRoute);
  app.post('/login', async (c) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(c, nonce);
    if (!deps.config.adminToken) return c.html(<LoginPage nonce={nonce} disabled />, 401);
    const client = clientOf(c, deps.config.trustProxy);
    const wait = throttle.retryAfterMs(client);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      c.header('Retry-After', String(seconds));
      return c.html(<LoginPage nonce={nonce} error={`Too many wrong tokens; try again in ${seconds} s.`} />, 429);
    }
    // Charged before the body is awaited, refunded if right: otherwise every request that
    // passed the check above before the first failure was charged gets its guess evaluated (L1).
    throttle.failed(client);
    let token: string | undefined;
    try {
      const form = await c.req.parseBody();
      token = typeof form.token === 'string' ? form.token.trim() : undefined;
    } catch (err) {
      // Over the body limit (app.ts, http/body-limit.ts): a 413. Anything else unreadable is a wrong token.
      if (isBodyLimitError(err)) throw problems.tooLarge(bodyLimitFor('/login'));
      token = undefined;
    }
    if (!tokenMatches(deps.config, token)) {
      c.get('log').warn({ event: 'admin_login_failed' }, 'admin login failed');
      return c.html(<LoginPage nonce={nonce} error="That token is not right." />, 401);
    }
    throttle.refund(client);
    setSessionCookie(c, deps.config);
    return c.redirect('/', 303);
  });

  app.openAPIRegistry.registerPath(logoutRoute);
  app.post('/logout', async (c) => {
    // Ended on the server, not only in this browser: a copied cookie stops working too.
    await revokeSession(c, deps.config, deps.database.db);
    clearSessionCookie(c);
    return c.redirect('/', 303);
  });
}
