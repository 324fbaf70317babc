import { randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps, AppRouter } from '../context.js';
import { isObjectId } from '../../crm/object-id.js';
import { SOURCES, type Source } from '../../leads/identity.js';
import { leadPageData } from '../../ops/lead-page.js';
import type { LeadLookup } from '../../ops/leads.js';
import { statusSnapshot, writeModeOf } from '../../ops/status.js';
import { bodyLimitFor, isBodyLimitError } from '../body-limit.js';
import { AppError, problems } from '../problem.js';
import { authenticateAdmin, clearSessionCookie, revokeSession, scopedFilter, setSessionCookie, setViewerSessionCookie, tokenMatches } from '../admin-auth.js';
import { type ViewerScope, viewerOfToken } from '../../accounts/viewer.js';
import { type AuthThrottle, clientOf } from '../auth-throttle.js';
import { ADMIN_SECURITY } from '../routes/admin-common.js';
import { fill, uiFor } from './format.js';
import { LeadNotFound, LeadPage } from './lead-page.js';
import { AdminDisabledPage, LoginPage } from './login.js';
import { StatusPage } from './status.js';

/** GET / (status page or login form), GET /leads/{source}/{id} (a lead's page), POST /login, POST /logout. */

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
  summary: 'Status page (HTML): queue, failed leads, lead list with search and paging, CBS tables, rate limits; a login form without a session',
  security: ADMIN_SECURITY,
  request: {
    query: z.object({
      q: z.string().optional().openapi({ description: 'Search leads by company name, CRM object id or domain' }),
      page: z.string().optional().openapi({ description: 'Page of the lead list (50 a page), from 1' }),
      account: z
        .string()
        .optional()
        .openapi({ description: 'Only this CRM account’s leads, as `source:accountId` (e.g. `hubspot:4242`, `pipedrive:71000001`)', example: 'hubspot:4242' }),
    }),
  },
  responses: { 200: { description: 'The status page; the login form without a session; without ADMIN_TOKEN, a page saying how to enable the admin', content: html } },
});

const leadPageRoute = createRoute({
  method: 'get',
  path: '/leads/{source}/{id}',
  tags: ['admin'],
  summary: 'One lead (HTML): inputs, answers with confidence and reasons, figures with provenance, the card, history, a re-enrich button',
  security: ADMIN_SECURITY,
  request: {
    params: z.object({
      source: z.string().openapi({ param: { name: 'source', in: 'path' }, example: 'hubspot' }),
      id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '65059681032' }),
    }),
    query: z.object({
      account: z.string().optional().openapi({ description: 'CRM account (HubSpot portal id, Pipedrive company id); default: the first that knows this id' }),
      type: z.string().optional().openapi({ description: 'Object type; default: the first type that knows this id' }),
    }),
  },
  responses: {
    200: { description: 'The lead page; the login form without a session; without ADMIN_TOKEN, a page saying how to enable the admin', content: html },
    404: { description: 'No such lead: a page saying so', content: html },
  },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  tags: ['admin'],
  summary: 'Exchange the admin token, or an account’s viewer token, (form field `token`) for an HttpOnly session cookie',
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

/** One lead's address, checked as the admin API checks it; anything else is a lead that cannot exist. */
function leadLookup(source: string, id: string, account: string | undefined, type: string | undefined): LeadLookup | undefined {
  if (!(SOURCES as readonly string[]).includes(source) || !isObjectId('generic', id)) return undefined;
  if (account !== undefined && account !== '' && !isObjectId('generic', account)) return undefined;
  if (type !== undefined && type !== '' && !/^[a-z_]{1,40}$/.test(type)) return undefined;
  return { source: source as Source, objectId: id, accountId: account || undefined, objectType: type || undefined };
}

/** `?account=source:accountId`; anything else is refused (400), never read as "every account". */
function accountFilter(value: string | undefined): { source: Source; accountId: string } | undefined {
  if (value === undefined || value === '') return undefined;
  const at = value.indexOf(':');
  const source = value.slice(0, at);
  const accountId = value.slice(at + 1);
  if (at < 1 || !(SOURCES as readonly string[]).includes(source) || !isObjectId('generic', accountId)) {
    throw problems.badRequest('account must be source:accountId, e.g. hubspot:4242.', [{ field: 'account', message: 'must be source:accountId' }]);
  }
  return { source: source as Source, accountId };
}

export function registerStatusPage(app: AppRouter, deps: AppDeps, throttle: AuthThrottle): void {
  const ui = uiFor(deps.config.uiLanguage);

  /** The page's nonce and headers, then: a page to answer instead (admin off, or not signed in), or undefined to go on. */
  /** `viewer`: a client's viewer token signed in; the page shows that account only. */
  async function gate(c: Context): Promise<{ nonce: string; answer?: Response; viewer?: ViewerScope }> {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(c, nonce);
    // A newcomer's first look at the service: say how to turn the admin on, for browsers and curl alike.
    if (!deps.config.adminToken) return { nonce, answer: await c.html(<AdminDisabledPage nonce={nonce} ui={ui} />, 200) };
    try {
      const auth = await authenticateAdmin(c, deps.config, deps.database.db, throttle);
      if (auth.kind === 'viewer') return { nonce, viewer: auth.scope };
    } catch (err) {
      if (err instanceof AppError && err.status === 401 && !c.req.header('authorization')) return { nonce, answer: await c.html(<LoginPage nonce={nonce} ui={ui} />, 200) };
      throw err;
    }
    return { nonce };
  }

  app.openapi(statusRoute, async (c) => {
    const { nonce, answer, viewer } = await gate(c);
    if (answer) return answer;
    const { q, page, account } = c.req.valid('query');
    const pageNumber = Number.parseInt(page ?? '1', 10);
    const asked = accountFilter(account);
    // A viewer's list is its own account's; asking for another is refused (403), not answered empty.
    if (viewer && asked) scopedFilter(viewer, asked);
    const snapshot = await statusSnapshot(
      deps.database.db,
      deps.config,
      deps.database.label,
      { query: q, page: Number.isFinite(pageNumber) ? pageNumber : 1, account: viewer ?? asked },
      viewer,
    );
    return c.html(<StatusPage s={snapshot} nonce={nonce} ui={ui} />, 200);
  });

  app.openapi(leadPageRoute, async (c) => {
    const { nonce, answer, viewer } = await gate(c);
    if (answer) return answer;
    const { source, id } = c.req.valid('param');
    const { account, type } = c.req.valid('query');
    const mode = writeModeOf(deps.config);
    // A viewer sees its own account's lead or none: another account's is "not found", never "forbidden".
    const foreign = viewer !== undefined && (source !== viewer.source || (account !== undefined && account !== '' && account !== viewer.accountId));
    const lookup = foreign ? undefined : leadLookup(source, id, viewer?.accountId ?? account, type);
    const data = lookup ? await leadPageData(deps.database.db, lookup, deps.crm.mapping) : undefined;
    if (!data) return c.html(<LeadNotFound ui={ui} nonce={nonce} mode={mode} source={source} id={id} />, 404);
    return c.html(<LeadPage ui={ui} nonce={nonce} mode={mode} d={data} now={new Date()} database={deps.database.label} readOnly={viewer !== undefined} />, 200);
  });

  // The form is parsed by hand: a missing or odd field should show the form again, not a JSON error.
  app.openAPIRegistry.registerPath(loginRoute);
  app.post('/login', async (c) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(c, nonce);
    if (!deps.config.adminToken) return c.html(<AdminDisabledPage nonce={nonce} ui={ui} />, 401);
    const client = clientOf(c, deps.config.trustProxy);
    const wait = throttle.retryAfterMs(client);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      c.header('Retry-After', String(seconds));
      return c.html(<LoginPage nonce={nonce} ui={ui} error={fill(ui.t.login.tooMany, { seconds })} />, 429);
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
    if (tokenMatches(deps.config, token)) {
      throttle.refund(client);
      setSessionCookie(c, deps.config);
      return c.redirect('/', 303);
    }
    // A client's viewer token signs in as a viewer of its account.
    const viewer = token ? await viewerOfToken(deps.database.db, token) : undefined;
    if (viewer) {
      throttle.refund(client);
      setViewerSessionCookie(c, deps.config, { source: viewer.source, accountId: viewer.accountId }, viewer.hash);
      c.get('log').info({ event: 'viewer_login', source: viewer.source, accountId: viewer.accountId }, 'viewer signed in');
      return c.redirect('/', 303);
    }
    c.get('log').warn({ event: 'admin_login_failed' }, 'admin login failed');
    return c.html(<LoginPage nonce={nonce} ui={ui} error={ui.t.login.wrong} />, 401);
  });

  app.openAPIRegistry.registerPath(logoutRoute);
  app.post('/logout', async (c) => {
    // Ended on the server, not only in this browser: a copied cookie stops working too.
    await revokeSession(c, deps.config, deps.database.db);
    clearSessionCookie(c);
    return c.redirect('/', 303);
  });
}
