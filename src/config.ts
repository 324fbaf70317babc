import { z } from 'zod';
import { parseKey } from './secret-key.js';
import { DEFAULT_FIGURES_TEXT, type FigureSpec, parseFigureSpecs } from './enrich/figure-spec.js';

/**
 * The whole environment, parsed once at start. Nothing else in the code reads
 * `process.env`; everything gets the typed `Config` handed to it.
 */

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** HubSpot's API version (src/crm/hubspot/paths.ts): the current dated one, shipped 2026-09-08. */
export const HUBSPOT_DEFAULT_API_VERSION = '2026-09';
/** `v3`, or a dated version `YYYY-03` / `YYYY-09` (HubSpot ships one each March and September). */
export const HUBSPOT_API_VERSION_PATTERN = /^(v3|20\d\d-(03|09))$/;

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional());
const httpUrl = (fallback: string) =>
  z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default(fallback)).transform((u) => u.replace(/\/+$/, ''));

const bool = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

const int = (fallback: number, min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

/** `190/10s`, `20/2s`, `100/1m`: requests per window. */
export interface RateLimitSpec {
  limit: number;
  windowMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The largest limit and window CRM_RATE_LIMIT may state. The limiter stores both
 * as PostgreSQL integers (a window of 2^31 ms or more failed every CRM call), and
 * no CRM counts in windows of more than an hour (daily budgets are read from
 * headers, not configured): a larger value is a typo.
 */
export const MAX_RATE_LIMIT = 1_000_000;
export const MAX_RATE_WINDOW_MS = 3_600_000;

export function parseRateLimit(text: string): RateLimitSpec | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+)?\s*(ms|s|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  const limit = Number(m[1]);
  const windowMs = Number(m[2] ?? 1) * UNIT_MS[m[3]];
  if (limit < 1 || windowMs < 1 || limit > MAX_RATE_LIMIT || windowMs > MAX_RATE_WINDOW_MS) return undefined;
  return { limit, windowMs };
}

const rateLimit = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const parsed = parseRateLimit(v);
      if (!parsed) {
        ctx.addIssue({
          code: 'custom',
          message: `must look like 190/10s (requests / window with ms, s, m or h), at most ${MAX_RATE_LIMIT} requests per window of at most 1h`,
        });
        return z.NEVER;
      }
      return parsed;
    }),
);

const databaseUrl = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine((v) => v === 'memory://' || /^postgres(ql)?:\/\/[^\s]+$/.test(v) || /^file:\/\/.+/.test(v), {
      message: 'must be postgres://user@host:port/db, memory:// or file:///path/to/pglite-dir',
    })
    .optional(),
);

const tableIds = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[0-9A-Za-z]{5,12}$/, 'table ids look like 83583NED'))),
  );

const figureSpecs = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default(DEFAULT_FIGURES_TEXT)
    .transform((v, ctx) => {
      const parsed = parseFigureSpecs(v);
      if (parsed.ok) return parsed.specs;
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }),
);

const tableList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('83583NED,81588NED,81575NED,83631NED,83635NED,82244NED')
    .transform((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[0-9A-Za-z]{5,12}$/, 'table ids look like 83583NED')).min(1, 'name at least one table')),
);

/**
 * A secret a webhook sender proves it knows. As guessable as it is short (a
 * Pipedrive password travels as plain Basic auth), so as long as ADMIN_TOKEN.
 */
const webhookCredential = z.preprocess(
  emptyToUndefined,
  z.string().min(16, 'must be at least 16 characters; make one with: openssl rand -base64 24').optional(),
);

const KEY_HINT = 'must be 32 bytes written as base64 or hex; make one with: openssl rand -base64 32';
const encryptionKey = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const key = parseKey(v);
      if (!key) {
        ctx.addIssue({ code: 'custom', message: KEY_HINT });
        return z.NEVER;
      }
      return key;
    }),
);
const encryptionKeys = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      const keys: Buffer[] = [];
      for (const part of v.split(',').map((k) => k.trim()).filter(Boolean)) {
        const key = parseKey(part);
        if (!key) ctx.addIssue({ code: 'custom', message: `each key ${KEY_HINT}` });
        else keys.push(key);
      }
      return keys;
    }),
);

const cron = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('0 5 * * *')
    .refine((v) => /^(\S+\s+){4,5}\S+$/.test(v.trim()), { message: 'must be a cron expression such as "0 5 * * *"' }),
);

export const envSchema = z.object({
  PORT: int(3000, 1, 65535),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  DATABASE_URL: databaseUrl,
  // Unset → ./var/pglite (src/db/pglite-dir.ts); never under data/, which holds the bundled data.
  PGLITE_DIR: optionalString,
  DATABASE_PREPARED_STATEMENTS: bool(true),
  // PostgreSQL connections per instance; several instances share the server's max_connections.
  DATABASE_POOL_SIZE: int(10, 1, 200),
  PUBLIC_URL: optionalUrl,
  ADMIN_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  // Behind a reverse proxy: the client is the last X-Forwarded-For address (auth throttles key on it).
  TRUST_PROXY: bool(false),
  // Webhook body bytes read but not yet verified, all requests together; beyond it 503 (finding H1).
  WEBHOOK_UNVERIFIED_BYTES: int(32 * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024),
  // The status page's language: one per deployment, never mixed on a page.
  UI_LANGUAGE: z.preprocess(emptyToUndefined, z.enum(['nl', 'en'], { error: 'must be nl or en' }).default('nl')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),

  CBS_BASE_URL: httpUrl('https://opendata.cbs.nl'),
  CBS_TABLES: tableList,
  // Which table (and topic) feeds each card figure: jobs, businesses, establishments (src/enrich/figure-spec.ts).
  CBS_FIGURES: figureSpecs,
  // Tables fetched through the OData v4 API (odata4.cbs.nl) instead of v3; they must also be in CBS_TABLES.
  CBS_V4_TABLES: tableIds(''),
  CBS_V4_BASE_URL: httpUrl('https://odata4.cbs.nl'),
  CBS_REFRESH_CRON: cron,
  CBS_REFRESH_ON_START: bool(false),

  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_CLIENT_SECRET: webhookCredential,
  HUBSPOT_BASE_URL: httpUrl('https://api.hubapi.com'),
  // Date-versioned API (src/crm/hubspot/paths.ts); `v3` keeps the legacy paths, unsupported from September 2027.
  HUBSPOT_API_VERSION: z
    .string()
    .trim()
    .regex(HUBSPOT_API_VERSION_PATTERN, 'must be v3 or a dated version such as 2026-09')
    .default(HUBSPOT_DEFAULT_API_VERSION),
  // v1 signatures carry no timestamp (replayable); only for an app that cannot send v3.
  HUBSPOT_ACCEPT_V1_SIGNATURE: bool(false),

  PIPEDRIVE_API_TOKEN: optionalString,
  PIPEDRIVE_BASE_URL: httpUrl('https://api.pipedrive.com'),
  PIPEDRIVE_WEBHOOK_USER: optionalString,
  PIPEDRIVE_WEBHOOK_PASSWORD: webhookCredential,
  // While Pipedrive's daily token budget is spent: how often one request checks whether it has reset.
  PIPEDRIVE_BUDGET_PROBE_MS: int(3_600_000, 100, 86_400_000),
  // The plan's cap on custom fields per company (Lite 30, Growth 100, Premium 300, Ultimate 500; research
  // F-P5), for every account without its own customFieldLimit. Unset: unknown, fields are created until refused.
  PIPEDRIVE_CUSTOM_FIELD_LIMIT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be at least 0').max(100_000, 'must be at most 100000').optional(),
  ),

  // OAuth installs (src/accounts/oauth/): the app's client id (HubSpot's client secret is HUBSPOT_CLIENT_SECRET).
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_OAUTH_AUTHORIZE_URL: httpUrl('https://app.hubspot.com/oauth/authorize'),
  HUBSPOT_OAUTH_TOKEN_URL: httpUrl('https://api.hubapi.com/oauth/2026-03/token'),
  PIPEDRIVE_CLIENT_ID: optionalString,
  PIPEDRIVE_CLIENT_SECRET: optionalString,
  // Pipedrive's authorization server: /oauth/authorize and /oauth/token below it.
  PIPEDRIVE_OAUTH_BASE_URL: httpUrl('https://oauth.pipedrive.com'),

  GENERIC_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be a Standard Webhooks secret (whsec_ + base64)')
      // A short key (`whsec_=` decodes to none at all) lets anyone sign; the spec asks for 24 to 64 random bytes.
      .refine((v) => {
        const bytes = Buffer.from(v.slice('whsec_'.length), 'base64').length;
        return bytes >= 24 && bytes <= 64;
      }, 'must hold a key of 24 to 64 bytes (Standard Webhooks); make one with: echo whsec_$(openssl rand -base64 32)')
      .optional(),
  ),
  GENERIC_CRM_URL: optionalUrl,
  GENERIC_CRM_TOKEN: optionalString,

  // Seals account credentials at rest (src/accounts/secret-box.ts); needed to register accounts by API or install.
  ACCOUNTS_ENCRYPTION_KEY: encryptionKey,
  // Keys retired by a rotation, comma-separated: older rows still open until re-sealed.
  ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS: encryptionKeys,

  CRM_RATE_LIMIT: rateLimit,
  // The longest pause a CRM's Retry-After or reset header may impose (a daily budget waits for its midnight).
  CRM_MAX_PAUSE_MS: int(15 * 60_000, 1_000, 24 * 3_600_000),
  CRM_MAPPING_FILE: optionalString,
  CRM_CATCHUP_CRON: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('*/15 * * * *')
      .refine((v) => v.trim() === 'off' || /^(\S+\s+){4,5}\S+$/.test(v.trim()), { message: 'must be a cron expression such as "*/15 * * * *" or off' }),
  ),
  ROLLOUT_PERCENT: int(100, 0, 100),
  DRY_RUN: bool(false),
  // 0 = an intake-only instance: it records webhooks and jobs, other instances work them.
  WORKER_CONCURRENCY: int(4, 0, 64),
  JOB_LEASE_MS: int(60_000, 100, 3_600_000),
  JOB_POLL_MS: int(1_000, 10, 60_000),
  JOB_BATCH_SIZE: int(25, 1, 100),
  /** First retry delay; doubles per attempt up to JOB_RETRY_CAP_MS, half of it jittered. */
  JOB_RETRY_BASE_MS: int(10_000, 10, 3_600_000),
  /** Longest delay between two attempts of a job: how soon leads are written after a CRM outage ends. */
  JOB_RETRY_CAP_MS: int(30 * 60_000, 10, 24 * 3_600_000),
  /** How long after its first failure a job is retried before it is dead-lettered (default 24 h). */
  JOB_RETRY_WINDOW_MS: int(24 * 3_600_000, 100, 30 * 24 * 3_600_000),
  // When cards are checked against today's CBS tables and engine; off disables (src/jobs/refresh.ts).
  CARD_REFRESH_CRON: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('45 * * * *')
      .refine((v) => v.trim() === 'off' || /^(\S+\s+){4,5}\S+$/.test(v.trim()), { message: 'must be a cron expression such as "45 * * * *" or off' }),
  ),
  // The most out-of-date cards one refresh run queues.
  CARD_REFRESH_BUDGET: int(500, 1, 100_000),
  // The share of each CRM account's rate-limit window backfill and refresh jobs may use (src/crm/background-share.ts).
  BACKGROUND_RATE_SHARE: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a number' }).gt(0, 'must be more than 0').max(1, 'must be at most 1').default(0.5),
  ),
  ENRICH_MIN_CONFIDENCE: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a number' }).min(0).max(1).default(0.704),
  ),
  /**
   * The list an SBI code that both SBI 2008 and SBI 2025 have (4711, 47.81, a section letter) is read in,
   * for the `sbi` and KvK fields alike; the mapping file's `inputs` overrides it per field. 2025: the KvK
   * register's list since September 2025 (docs/sbi-2025.md).
   */
  SBI_INPUT_SYSTEM: z.preprocess(emptyToUndefined, z.enum(['2008', '2025'], { error: 'must be 2008 or 2025' }).default('2025')),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  /** undefined → embedded PGlite at `pgliteDir`. */
  databaseUrl: string | undefined;
  /** undefined → the default (src/db/pglite-dir.ts). */
  pgliteDir: string | undefined;
  /** PostgreSQL: prepared statements for drizzle queries (off behind old transaction-mode poolers). */
  databasePreparedStatements: boolean;
  /** PostgreSQL: connections per instance. */
  databasePoolSize: number;
  publicUrl: string;
  adminToken: string | undefined;
  /** Take the client address from X-Forwarded-For (the proxy's last entry), not the socket. */
  trustProxy: boolean;
  /** Budget of unverified webhook body bytes in flight, all requests together. */
  webhookUnverifiedBytes: number;
  logLevel: Env['LOG_LEVEL'];
  /** The status page's language (UI_LANGUAGE). */
  uiLanguage: Env['UI_LANGUAGE'];
  cbs: {
    baseUrl: string;
    tables: string[];
    refreshCron: string;
    timezone: 'Europe/Amsterdam';
    refreshOnStart: boolean;
    /** The configured card figures; one whose table is not in `tables` answers 'no_table'. */
    figures: FigureSpec[];
    /** Tables read through OData v4 at `v4BaseUrl` (upper-case ids). */
    v4Tables: string[];
    v4BaseUrl: string;
  };
  hubspot: { accessToken?: string; clientSecret?: string; baseUrl: string; apiVersion: string; acceptV1Signature: boolean };
  /** `customFieldLimit`: the plan's custom fields per company for accounts without their own; undefined = unknown. */
  pipedrive: { apiToken?: string; baseUrl: string; webhookUser?: string; webhookPassword?: string; budgetProbeMs: number; customFieldLimit?: number };
  generic: { webhookSecret?: string; crmUrl?: string; crmToken?: string };
  /** The account registry's keys: `key` seals, `previousKeys` only open (rotation). No key → no secrets stored. */
  accounts: { key: Buffer | undefined; previousKeys: Buffer[] };
  /** OAuth installs per CRM: set when the app's client id and secret are. */
  oauth: {
    hubspot?: { clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string };
    pipedrive?: { clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string };
  };
  crmRateLimit: RateLimitSpec | undefined;
  /** The longest pause a CRM's Retry-After or reset header may impose; longer ones are cut to it. */
  crmMaxPauseMs: number;
  /** JSON file overriding the default card → CRM property mapping (src/crm/mapping.ts). */
  crmMappingFile: string | undefined;
  /** When the catch-up sweep lists leads that never arrived as webhooks; undefined = off. */
  crmCatchupCron: string | undefined;
  rolloutPercent: number;
  dryRun: boolean;
  workerConcurrency: number;
  /** Queue tuning: a claimed job's lease, the idle poll interval, jobs per claimed batch (one CRM account). */
  jobs: { leaseMs: number; pollMs: number; batchSize: number; retry: { baseMs: number; capMs: number; windowMs: number } };
  /** Backfill and refresh work: the share of each CRM budget it may use (BACKGROUND_RATE_SHARE). */
  background: { rateShare: number };
  /** Out-of-date cards: when they are looked for (undefined = never) and how many one run queues. */
  cardRefresh: { cron: string | undefined; budget: number };
  enrichMinConfidence: number;
  /** SBI_INPUT_SYSTEM as a list name. */
  sbiInputSystem: 'SBI2008' | 'SBI2025';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`));
  }
  const e = parsed.data;
  const upper = new Set(e.CBS_TABLES.map((t) => t.toUpperCase()));
  // A figure whose table is not cached is reported on the card as 'no_table' (not an error: CBS_TABLES may be
  // narrowed on purpose); a v4 table that is not cached would be a setting that does nothing.
  const unlisted = e.CBS_V4_TABLES.filter((t) => !upper.has(t.toUpperCase())).map((t) => `CBS_V4_TABLES ${t} is not in CBS_TABLES`);
  if (unlisted.length) throw new ConfigError(unlisted);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    adminToken: e.ADMIN_TOKEN,
    trustProxy: e.TRUST_PROXY,
    webhookUnverifiedBytes: e.WEBHOOK_UNVERIFIED_BYTES,
    logLevel: e.LOG_LEVEL,
    uiLanguage: e.UI_LANGUAGE,
    cbs: {
      baseUrl: e.CBS_BASE_URL,
      tables: e.CBS_TABLES,
      refreshCron: e.CBS_REFRESH_CRON,
      timezone: 'Europe/Amsterdam',
      refreshOnStart: e.CBS_REFRESH_ON_START,
      figures: e.CBS_FIGURES,
      v4Tables: e.CBS_V4_TABLES.map((t) => t.toUpperCase()),
      v4BaseUrl: e.CBS_V4_BASE_URL,
    },
    hubspot: {
      accessToken: e.HUBSPOT_ACCESS_TOKEN,
      clientSecret: e.HUBSPOT_CLIENT_SECRET,
      baseUrl: e.HUBSPOT_BASE_URL,
      apiVersion: e.HUBSPOT_API_VERSION,
      acceptV1Signature: e.HUBSPOT_ACCEPT_V1_SIGNATURE,
    },
    pipedrive: {
      apiToken: e.PIPEDRIVE_API_TOKEN,
      baseUrl: e.PIPEDRIVE_BASE_URL,
      webhookUser: e.PIPEDRIVE_WEBHOOK_USER,
      webhookPassword: e.PIPEDRIVE_WEBHOOK_PASSWORD,
      budgetProbeMs: e.PIPEDRIVE_BUDGET_PROBE_MS,
      customFieldLimit: e.PIPEDRIVE_CUSTOM_FIELD_LIMIT,
    },
    generic: { webhookSecret: e.GENERIC_WEBHOOK_SECRET, crmUrl: e.GENERIC_CRM_URL, crmToken: e.GENERIC_CRM_TOKEN },
    accounts: { key: e.ACCOUNTS_ENCRYPTION_KEY, previousKeys: e.ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS },
    oauth: {
      hubspot:
        e.HUBSPOT_CLIENT_ID && e.HUBSPOT_CLIENT_SECRET
          ? { clientId: e.HUBSPOT_CLIENT_ID, clientSecret: e.HUBSPOT_CLIENT_SECRET, authorizeUrl: e.HUBSPOT_OAUTH_AUTHORIZE_URL, tokenUrl: e.HUBSPOT_OAUTH_TOKEN_URL }
          : undefined,
      pipedrive:
        e.PIPEDRIVE_CLIENT_ID && e.PIPEDRIVE_CLIENT_SECRET
          ? {
              clientId: e.PIPEDRIVE_CLIENT_ID,
              clientSecret: e.PIPEDRIVE_CLIENT_SECRET,
              authorizeUrl: `${e.PIPEDRIVE_OAUTH_BASE_URL.replace(/\/+$/, '')}/oauth/authorize`,
              tokenUrl: `${e.PIPEDRIVE_OAUTH_BASE_URL.replace(/\/+$/, '')}/oauth/token`,
            }
          : undefined,
    },
    crmRateLimit: e.CRM_RATE_LIMIT,
    crmMaxPauseMs: e.CRM_MAX_PAUSE_MS,
    crmMappingFile: e.CRM_MAPPING_FILE,
    crmCatchupCron: e.CRM_CATCHUP_CRON.trim() === 'off' ? undefined : e.CRM_CATCHUP_CRON.trim(),
    rolloutPercent: e.ROLLOUT_PERCENT,
    dryRun: e.DRY_RUN,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobs: {
      leaseMs: e.JOB_LEASE_MS,
      pollMs: e.JOB_POLL_MS,
      batchSize: e.JOB_BATCH_SIZE,
      retry: { baseMs: e.JOB_RETRY_BASE_MS, capMs: e.JOB_RETRY_CAP_MS, windowMs: e.JOB_RETRY_WINDOW_MS },
    },
    background: { rateShare: e.BACKGROUND_RATE_SHARE },
    cardRefresh: { cron: e.CARD_REFRESH_CRON.trim() === 'off' ? undefined : e.CARD_REFRESH_CRON.trim(), budget: e.CARD_REFRESH_BUDGET },
    enrichMinConfidence: e.ENRICH_MIN_CONFIDENCE,
    sbiInputSystem: e.SBI_INPUT_SYSTEM === '2008' ? 'SBI2008' : 'SBI2025',
  };
}

/** Every secret the config holds, so the logger can prove it never prints one. */
export function configSecrets(config: Config): string[] {
  return [
    config.adminToken,
    config.hubspot.accessToken,
    config.hubspot.clientSecret,
    config.pipedrive.apiToken,
    config.pipedrive.webhookPassword,
    config.generic.webhookSecret,
    config.generic.crmToken,
    config.oauth.pipedrive?.clientSecret,
    ...[config.accounts.key, ...config.accounts.previousKeys].flatMap((k) => (k ? [k.toString('base64'), k.toString('hex')] : [])),
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
