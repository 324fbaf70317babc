import { createRoute, z } from '@hono/zod-openapi';
import type { AccountSummary } from '../../accounts/repository.js';
import { ACCOUNT_STATES, deleteAccount, getAccount, listAccounts, markVerified, patchAccount, registerAccount } from '../../accounts/repository.js';
import type { Credentials } from '../../accounts/credentials.js';
import { MappingError, parseAccountMapping } from '../../crm/mapping.js';
import { canonicalObjectId, ID_RULES, isObjectId } from '../../crm/object-id.js';
import { SOURCES, type Source } from '../../leads/identity.js';
import { issueViewerToken, revokeViewerToken } from '../../accounts/viewer.js';
import { scopedFilter } from '../admin-auth.js';
import type { AppDeps, AppRouter } from '../context.js';
import { notFoundResponse, problem } from '../openapi.js';
import { AppError, problems } from '../problem.js';

/**
 * The account registry's admin API (issue 24, docs/accounts.md): register a CRM account
 * with its own credential, list accounts (never a secret, not even sealed), change or
 * remove one. A credential is checked against the account it is registered under before
 * it is stored (HubSpot account details, Pipedrive /users/me): one that belongs to another
 * account is refused. Storing a credential needs ACCOUNTS_ENCRYPTION_KEY.
 */

const token = z.string().trim().min(1).max(4096);
const secret = z.string().min(16, 'must be at least 16 characters').max(4096);
const mapping = z.record(z.string(), z.unknown()).openapi({ description: 'Card → CRM property mapping for this account only (the shape of CRM_MAPPING_FILE for this CRM)' });

const fieldLimit = z
  .number()
  .int()
  .min(0)
  .max(100_000)
  .openapi({ description: "Pipedrive: the company plan’s cap on custom fields (Lite 30, Growth 100, Premium 300, Ultimate 500); field setup checks the room against it before creating any. Unset: PIPEDRIVE_CUSTOM_FIELD_LIMIT" });

const SourceParam = z.enum(SOURCES as [Source, ...Source[]]).openapi({ param: { name: 'source', in: 'path' }, example: 'hubspot' });
const AccountIdParam = z.string().min(1).max(128).openapi({ param: { name: 'accountId', in: 'path' }, example: '4242' });

const common = { clientSecret: secret.optional().openapi({ description: 'The webhook secret, where the CRM signs per app (HubSpot: the app client secret)' }), mappingOverride: mapping.optional() };
const RegisterBody = z
  .discriminatedUnion('source', [
    z.strictObject({ source: z.literal('hubspot'), accountId: z.string(), accessToken: token, ...common }),
    z.strictObject({ source: z.literal('pipedrive'), accountId: z.string(), apiToken: token, customFieldLimit: fieldLimit.optional(), ...common }),
    z.strictObject({ source: z.literal('generic'), accountId: z.string(), url: z.url({ protocol: /^https?$/ }), token: token.optional(), ...common }),
  ])
  .openapi('AccountRegistration', { example: { source: 'hubspot', accountId: '4242', accessToken: 'pat-eu1-…' } });

const PatchBody = z
  .strictObject({
    state: z.enum(['active', 'paused']).optional().openapi({ description: 'Pause an account (its jobs wait) or make it active again' }),
    stateReason: z.string().max(500).optional(),
    accessToken: token.optional(),
    apiToken: token.optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    token: token.optional(),
    clientSecret: secret.nullable().optional(),
    mappingOverride: mapping.nullable().optional(),
    customFieldLimit: fieldLimit.nullable().optional(),
  })
  .openapi('AccountPatch');

const AccountSchema = z
  .object({
    source: z.enum(SOURCES as [Source, ...Source[]]),
    accountId: z.string(),
    state: z.enum(ACCOUNT_STATES as ['active', 'needs_reconnect', 'paused']),
    stateReason: z.string().nullable(),
    authKind: z.enum(['static', 'oauth']),
    origin: z.enum(['environment', 'registry']).openapi({ description: 'environment: a single-account variable holds the credential; registry: sealed in the database' }),
    hasWebhookSecret: z.boolean(),
    hasViewerToken: z.boolean().openapi({ description: 'A read-only viewer token is set (POST …/viewer-token)' }),
    mappingOverride: z.unknown().nullable(),
    customFieldLimit: z.number().int().nullable().openapi({ description: "Pipedrive: the plan’s custom-field cap stated for this account; null = the deployment’s PIPEDRIVE_CUSTOM_FIELD_LIMIT" }),
    tokenExpiresAt: z.string().nullable(),
    lastVerifiedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Account');

const view = (a: AccountSummary) => ({
  ...a,
  tokenExpiresAt: a.tokenExpiresAt?.toISOString() ?? null,
  lastVerifiedAt: a.lastVerifiedAt?.toISOString() ?? null,
  createdAt: a.createdAt.toISOString(),
  updatedAt: a.updatedAt.toISOString(),
});

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

const registerRoute = createRoute({
  method: 'post',
  path: '/v1/accounts',
  tags: ['admin'],
  summary: 'Register a CRM account with its own credential (or replace the credential of a registered one); the credential is checked against the account first',
  request: { body: { content: json(RegisterBody), required: true } },
  responses: {
    201: { description: 'Registered', content: json(AccountSchema) },
    409: problem('The credential belongs to another account, or no encryption key is configured'),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/accounts',
  tags: ['admin'],
  summary: 'The registered CRM accounts and their state; never a credential or secret',
  request: {
    query: z.object({
      source: z.enum(SOURCES as [Source, ...Source[]]).optional(),
      state: z.enum(ACCOUNT_STATES as ['active', 'needs_reconnect', 'paused']).optional(),
    }),
  },
  responses: { 200: { description: 'Accounts', content: json(z.object({ accounts: z.array(AccountSchema) }).openapi('AccountList')) } },
});

const params = z.object({ source: SourceParam, accountId: AccountIdParam });

const patchRoute = createRoute({
  method: 'patch',
  path: '/v1/accounts/{source}/{accountId}',
  tags: ['admin'],
  summary: 'Pause or resume an account, replace its credential or webhook secret, or set its mapping override or (Pipedrive) custom-field limit',
  request: { params, body: { content: json(PatchBody), required: true } },
  responses: { 200: { description: 'Changed', content: json(AccountSchema) }, ...notFoundResponse, 409: problem('The credential belongs to another account, or no encryption key is configured') },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/accounts/{source}/{accountId}',
  tags: ['admin'],
  summary: 'Remove an account and its sealed secrets; its webhooks are ignored from then on',
  request: { params },
  responses: { 204: { description: 'Removed' }, ...notFoundResponse },
});

const viewerTokenRoute = createRoute({
  method: 'post',
  path: '/v1/accounts/{source}/{accountId}/viewer-token',
  tags: ['admin'],
  summary: "Make (or replace) the account’s read-only viewer token: a client’s view of its own leads. Returned once; only its hash is stored",
  request: { params },
  responses: {
    201: {
      description: 'The new viewer token (the previous one, and its sessions, stop working)',
      content: json(
        z
          .object({
            source: z.enum(SOURCES as [Source, ...Source[]]),
            accountId: z.string(),
            viewerToken: z.string().openapi({ description: 'Shown this once: give it to the client (Bearer, or sign in at /)' }),
          })
          .openapi('ViewerToken'),
      ),
    },
    ...notFoundResponse,
  },
});

const revokeViewerTokenRoute = createRoute({
  method: 'delete',
  path: '/v1/accounts/{source}/{accountId}/viewer-token',
  tags: ['admin'],
  summary: "Revoke the account’s viewer token: it and every session signed in with it stop working",
  request: { params },
  responses: { 204: { description: 'Revoked (also when there was none)' }, ...notFoundResponse },
});

/** The account id as webhooks spell it (HubSpot `00147` is portal `147`), or a 400 naming the rule. */
function checkAccountId(source: Source, accountId: string): string {
  const rule = ID_RULES[source];
  if (!isObjectId(source, accountId)) throw problems.badRequest(`accountId ${rule.says}`, [{ field: 'accountId', message: rule.says }]);
  return canonicalObjectId(source, accountId);
}

function credentialsFrom(source: Source, body: { accessToken?: string; apiToken?: string; url?: string; token?: string }): Credentials | undefined {
  if (source === 'hubspot') return body.accessToken ? { accessToken: body.accessToken } : undefined;
  if (source === 'pipedrive') return body.apiToken ? { apiToken: body.apiToken } : undefined;
  return body.url ? { url: body.url, ...(body.token ? { token: body.token } : {}) } : undefined;
}

const noKey = () => new AppError(409, 'conflict', 'Conflict', 'No ACCOUNTS_ENCRYPTION_KEY is configured, so no credential can be stored (docs/accounts.md).');

/** Registered on the admin router (admin-routes.ts), which adds the auth and the admin error responses. */
export function registerAdminAccountRoutes(app: AppRouter, deps: AppDeps): void {
  const { bindings, box } = deps.accounts;

  /** Refuses a credential that belongs to another account; one the CRM could not be asked about is checked on first use. */
  async function verify(source: Source, accountId: string, credentials: Credentials): Promise<boolean> {
    const checked = await bindings.check(source, credentials);
    if ('refused' in checked) throw problems.badRequest(`${checked.refused}.`);
    if ('accountId' in checked && checked.accountId !== accountId) {
      throw problems.conflict(`The credential belongs to ${source} account ${checked.accountId}, not ${accountId}.`);
    }
    return 'accountId' in checked;
  }

  /** A mappingOverride is stored only if the pipeline can apply it: the CRM's mapping shape, validated as CRM_MAPPING_FILE is. */
  function checkMapping(source: Source, override: unknown) {
    if (override === undefined || override === null) return;
    try {
      parseAccountMapping(source, override);
    } catch (err) {
      if (err instanceof MappingError) {
        throw problems.badRequest(
          `The mappingOverride is not a valid ${source} mapping.`,
          err.problems.map((p) => ({ field: p.split(' ')[0], message: p.slice(p.indexOf(' ') + 1) })),
        );
      }
      throw err;
    }
  }

  app.openapi(registerRoute, async (c) => {
    const body = c.req.valid('json');
    body.accountId = checkAccountId(body.source, body.accountId);
    if (!box) throw noKey();
    checkMapping(body.source, body.mappingOverride);
    const credentials = credentialsFrom(body.source, body as never) as Credentials;
    const verified = await verify(body.source, body.accountId, credentials);
    const summary = await registerAccount(deps.database.db, box, {
      source: body.source,
      accountId: body.accountId,
      authKind: 'static',
      credentials,
      webhookSecret: body.clientSecret,
      mappingOverride: body.mappingOverride,
      customFieldLimit: 'customFieldLimit' in body ? body.customFieldLimit : undefined,
    });
    await bindings.forget(body.source, body.accountId);
    if (verified) await markVerified(deps.database.db, body.source, body.accountId);
    c.get('log').info({ source: body.source, accountId: body.accountId, verified }, 'account registered');
    const fresh = (await getAccount(deps.database.db, body.source, body.accountId)) ?? summary;
    return c.json(view(fresh), 201);
  });

  app.openapi(listRoute, async (c) => {
    const { source, state } = c.req.valid('query');
    // A viewer sees its own account's state (why its leads wait), no other.
    const scope = scopedFilter(c.get('viewer'), { source });
    const accounts = (await listAccounts(deps.database.db, { source: scope.source, state })).filter((a) => scope.accountId === undefined || a.accountId === scope.accountId);
    return c.json({ accounts: accounts.map(view) }, 200);
  });

  app.openapi(patchRoute, async (c) => {
    const { source, accountId } = c.req.valid('param');
    const body = c.req.valid('json');
    const existing = await getAccount(deps.database.db, source, accountId);
    if (!existing) throw problems.notFound(`No ${source} account ${accountId} is registered.`);
    checkMapping(source, body.mappingOverride);
    if (body.mappingOverride != null && existing.origin === 'environment') {
      throw problems.badRequest(
        `The ${source} account ${accountId} is served by the environment's credential, which follows CRM_MAPPING_FILE; register the account with its own credential (POST /v1/accounts) to give it a mapping of its own.`,
        [{ field: 'mappingOverride', message: 'not available for an environment account' }],
      );
    }
    if (body.customFieldLimit != null && source !== 'pipedrive') {
      throw problems.badRequest('customFieldLimit is a Pipedrive plan’s cap on custom fields; other CRMs have none here.', [{ field: 'customFieldLimit', message: 'only for pipedrive accounts' }]);
    }
    const credentials = credentialsFrom(source, body);
    if ((credentials || typeof body.clientSecret === 'string') && !box) throw noKey();
    if (credentials) await verify(source, accountId, credentials);
    const changed = await patchAccount(deps.database.db, box, source, accountId, {
      state: body.state,
      stateReason: body.state ? (body.stateReason ?? (body.state === 'paused' ? 'paused by an operator' : null)) : body.stateReason,
      credentials,
      webhookSecret: body.clientSecret,
      mappingOverride: body.mappingOverride,
      customFieldLimit: body.customFieldLimit,
    });
    if (!changed) throw problems.notFound(`No ${source} account ${accountId} is registered.`);
    await bindings.forget(source, accountId);
    c.get('log').info({ source, accountId, state: changed.state, credentials: credentials !== undefined }, 'account changed');
    return c.json(view(changed), 200);
  });

  app.openapi(viewerTokenRoute, async (c) => {
    const { source, accountId } = c.req.valid('param');
    const viewerToken = await issueViewerToken(deps.database.db, source, accountId);
    if (!viewerToken) throw problems.notFound(`No ${source} account ${accountId} is registered.`);
    c.get('log').info({ source, accountId }, 'viewer token made');
    return c.json({ source, accountId, viewerToken }, 201);
  });

  app.openapi(revokeViewerTokenRoute, async (c) => {
    const { source, accountId } = c.req.valid('param');
    if (!(await revokeViewerToken(deps.database.db, source, accountId))) throw problems.notFound(`No ${source} account ${accountId} is registered.`);
    c.get('log').info({ source, accountId }, 'viewer token revoked');
    return c.body(null, 204);
  });

  app.openapi(deleteRoute, async (c) => {
    const { source, accountId } = c.req.valid('param');
    if (!(await deleteAccount(deps.database.db, source, accountId))) throw problems.notFound(`No ${source} account ${accountId} is registered.`);
    await bindings.forget(source, accountId);
    c.get('log').warn({ source, accountId }, 'account removed');
    return c.body(null, 204);
  });
}
