import { createRoute, z } from '@hono/zod-openapi';
import { createOAuthInstalls, InstallError } from '../../accounts/oauth/install.js';
import type { AppDeps, AppRouter } from '../context.js';
import { errorResponses, notFoundResponse, problem } from '../openapi.js';
import { AppError, problems } from '../problem.js';

/**
 * OAuth installs (docs/crm-oauth.md): `GET /oauth/{crm}/install` sends the browser
 * to HubSpot's or Pipedrive's consent screen with a signed state; the CRM sends it
 * back to `GET /oauth/{crm}/callback?code&state`, which exchanges the code and
 * registers the account (src/accounts/oauth/). Open routes: the state proves the
 * install started here, and nothing secret is ever shown.
 */

const Crm = z.object({ crm: z.enum(['hubspot', 'pipedrive']).openapi({ param: { name: 'crm', in: 'path' }, example: 'hubspot' }) });

const installRoute = createRoute({
  method: 'get',
  path: '/oauth/{crm}/install',
  tags: ['oauth'],
  summary: 'Start an OAuth install: a redirect to the consent screen of the CRM',
  request: { params: Crm },
  responses: { 302: { description: 'To the authorization page of the CRM, with a signed state valid for 10 minutes' }, ...notFoundResponse, ...errorResponses },
});

const callbackRoute = createRoute({
  method: 'get',
  path: '/oauth/{crm}/callback',
  tags: ['oauth'],
  summary: 'Finish an OAuth install: exchange the code, store the tokens, register the account',
  request: {
    params: Crm,
    query: z.object({ code: z.string().min(1).max(2048), state: z.string().min(1).max(512) }),
  },
  responses: {
    200: { description: 'The account is connected', content: { 'application/json': { schema: z.object({ source: z.string(), accountId: z.string(), state: z.string() }) } } },
    ...notFoundResponse,
    503: problem('The authorization server could not be reached; try the install again'),
    ...errorResponses,
  },
});

function asProblem(err: unknown): unknown {
  if (!(err instanceof InstallError)) return err;
  const f = err.failure;
  if (f.kind === 'not_configured') return problems.notFound(f.detail);
  if (f.kind === 'unavailable') return new AppError(503, 'busy', 'Authorization server unavailable', f.detail);
  return problems.badRequest(f.detail);
}

export function registerOAuthRoutes(app: AppRouter, deps: Pick<AppDeps, 'config' | 'database' | 'logger'>): void {
  const installs = createOAuthInstalls(deps);
  app.openapi(installRoute, (c) => {
    try {
      return c.redirect(installs.start(c.req.valid('param').crm), 302);
    } catch (err) {
      throw asProblem(err);
    }
  });
  app.openapi(callbackRoute, async (c) => {
    const { crm } = c.req.valid('param');
    const { code, state } = c.req.valid('query');
    try {
      const account = await installs.finish(crm, code, state);
      return c.json({ source: account.source, accountId: account.accountId, state: account.state }, 200);
    } catch (err) {
      throw asProblem(err);
    }
  });
}
