import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The single source of truth for the database. Migrations in drizzle/ are
 * generated from this file (`npm run db:generate`) and applied by
 * scripts/migrate.ts. The same tables serve PGlite and PostgreSQL.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

// ─── CBS StatLine cache ───────────────────────────────────────────────────────

/** One attempt to load one CBS table. Readers only see versions that `cbs_current` points to. */
export const cbsTableVersions = pgTable(
  'cbs_table_versions',
  {
    id: serial('id').primaryKey(),
    tableId: text('table_id').notNull(),
    /** 'snapshot' (bundled offline copy) or 'odata' (fetched from CBS). */
    source: text('source').notNull(),
    /** 'loading' | 'ready' | 'failed' */
    status: text('status').notNull(),
    title: text('title'),
    /** CBS catalog/TableInfos timestamps, kept as CBS sends them (used for change detection). */
    modified: text('modified'),
    updated: text('updated'),
    metaDataModified: text('meta_data_modified'),
    rowCount: integer('row_count'),
    error: text('error'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('cbs_table_versions_table_idx').on(t.tableId, t.id)],
);

/** The entity sets of one version (TableInfos, DataProperties, dimensions, TypedDataSet), chunked. */
export const cbsTableParts = pgTable(
  'cbs_table_parts',
  {
    versionId: integer('version_id')
      .notNull()
      .references(() => cbsTableVersions.id, { onDelete: 'cascade' }),
    part: text('part').notNull(),
    seq: integer('seq').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.part, t.seq] })],
);

/** The pointer readers follow. Swapping it is the atomic switch to a new version. */
export const cbsCurrent = pgTable('cbs_current', {
  tableId: text('table_id').primaryKey(),
  versionId: integer('version_id')
    .notNull()
    .references(() => cbsTableVersions.id),
  swappedAt: ts('swapped_at').notNull().defaultNow(),
});

/** Every refresh run: who ran it, what it did per table, and why it failed. */
export const cbsRefreshRuns = pgTable('cbs_refresh_runs', {
  id: serial('id').primaryKey(),
  trigger: text('trigger').notNull(),
  instance: text('instance').notNull(),
  /** 'running' | 'ok' | 'failed' | 'skipped' (another instance held the lock) */
  status: text('status').notNull(),
  details: jsonb('details').notNull().default(sql`'[]'::jsonb`),
  error: text('error'),
  startedAt: ts('started_at').notNull().defaultNow(),
  finishedAt: ts('finished_at'),
});

// ─── Intake and the job queue ─────────────────────────────────────────────────

/** Every accepted webhook event, under the key that makes a redelivery a no-op. Pruned after the retention. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    eventType: text('event_type').notNull(),
    jobId: bigint('job_id', { mode: 'number' }),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_events_dedupe_idx').on(t.dedupeKey), index('webhook_events_received_idx').on(t.receivedAt)],
);

/** The durable queue. A row's `history` is the lead's audit trail of attempts. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    accountId: text('account_id').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    /** `${source}:${accountId}:${objectType}:${objectId}` */
    leadKey: text('lead_key').notNull(),
    /** What triggered it: 'webhook' | 'reenrich' | 'catchup' | 'retry' */
    reason: text('reason').notNull(),
    /** 'queued' | 'running' | 'done' | 'skipped' | 'dead' */
    status: text('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** A runaway guard only: retries end when the retry window since `first_failed_at` has passed (queue.ts). */
    maxAttempts: integer('max_attempts').notNull().default(1000),
    /** When this job's first failed attempt ended; the retry window counts from here. Null until one fails. */
    firstFailedAt: ts('first_failed_at'),
    /**
     * When this job's current run of waits for a CRM's limits began (a 429, a spent daily
     * budget); null once an attempt counts again. Waits are free, but not for ever (retry-policy.ts).
     */
    waitingSince: ts('waiting_since'),
    runAt: ts('run_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    lockedBy: text('locked_by'),
    /** The lead as the webhook carried it (may be thin). */
    payload: jsonb('payload').notNull(),
    lastError: text('last_error'),
    outcome: jsonb('outcome'),
    history: jsonb('history').notNull().default(sql`'[]'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  // Partial indexes hold only the few rows a worker looks for, not the retained
  // history: claims read the queued ones in order, the lease sweep the leased ones.
  (t) => [
    index('jobs_queued_idx').on(t.runAt, t.id).where(sql`${t.status} = 'queued'`),
    index('jobs_queued_account_idx').on(t.source, t.accountId, t.runAt, t.id).where(sql`${t.status} = 'queued'`),
    index('jobs_lease_idx').on(t.lockedUntil).where(sql`${t.lockedUntil} is not null`),
    index('jobs_lead_idx').on(t.leadKey, t.id),
    index('jobs_source_status_idx').on(t.source, t.status),
    // A backfill run's jobs (its progress and report): the run named in the payload.
    index('jobs_backfill_run_idx').on(sql`((${t.payload} -> 'backfill' ->> 'runId'))`, t.status).where(sql`${t.reason} = 'backfill'`),
  ],
);

/**
 * When the queue last served each account (queue.ts `claimJobs`): accounts
 * with due work take turns, so one account's 10,000 backfill jobs never hold another's back.
 */
export const jobAccountTurns = pgTable(
  'job_account_turns',
  {
    source: text('source').notNull(),
    accountId: text('account_id').notNull(),
    servedAt: ts('served_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.accountId] })],
);

/**
 * One backfill of an account's existing records (src/jobs/backfill.ts): listed page by page through
 * the CRM's list/search API from `cursor`, each record enqueued as a job with reason `backfill`
 * (the job's payload names this run). A restart resumes from the stored cursor.
 */
export const backfillRuns = pgTable(
  'backfill_runs',
  {
    id: serial('id').primaryKey(),
    source: text('source').notNull(),
    accountId: text('account_id').notNull(),
    objectType: text('object_type').notNull(),
    /** 'listing' | 'listed' (every record enqueued) | 'paused' | 'cancelled' | 'failed' */
    state: text('state').notNull().default('listing'),
    dryRun: boolean('dry_run').notNull().default(false),
    /** `{ createdBefore?: ISO time }` */
    filters: jsonb('filters').notNull().default(sql`'{}'::jsonb`),
    /** Where the listing resumes (the CRM's paging cursor or the last id listed); null = from the start. */
    cursor: text('cursor'),
    /** Records the CRM says it holds (HubSpot search `total`); null when the CRM does not say. */
    total: integer('total'),
    listed: integer('listed').notNull().default(0),
    enqueued: integer('enqueued').notNull().default(0),
    /** Listed records that already had a queued or running job: not enqueued again. */
    alreadyQueued: integer('already_queued').notNull().default(0),
    error: text('error'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    listedAt: ts('listed_at'),
  },
  (t) => [index('backfill_runs_state_idx').on(t.state)],
);

/** Every enrichment computed for a lead: what was resolved, what was (or would be) written, what it replaced. */
export const enrichments = pgTable(
  'enrichments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    leadKey: text('lead_key').notNull(),
    source: text('source').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    jobId: bigint('job_id', { mode: 'number' }),
    version: text('version').notNull(),
    result: jsonb('result').notNull(),
    /** The CRM properties written (or that would have been, in a dry run). */
    properties: jsonb('properties').notNull(),
    /** The card's values of those properties before the write: what a rollback restores. */
    previousProperties: jsonb('previous_properties'),
    /** 'written' | 'dry_run' | 'unchanged' | 'skipped_rollout' | 'no_crm' */
    writeStatus: text('write_status').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('enrichments_lead_idx').on(t.leadKey, t.id), index('enrichments_created_idx').on(t.createdAt)],
);

// ─── CRM rate limiting (shared by every instance) ─────────────────────────────

/** Per CRM account: the limit in force and any pause the CRM ordered (429, daily budget). */
export const rateLimitState = pgTable('rate_limit_state', {
  key: text('key').primaryKey(),
  limit: integer('limit').notNull(),
  windowMs: integer('window_ms').notNull(),
  pausedUntil: ts('paused_until'),
  pauseReason: text('pause_reason'),
  dailyLimit: integer('daily_limit'),
  dailyUsed: integer('daily_used').notNull().default(0),
  dailyResetAt: ts('daily_reset_at'),
  observed: jsonb('observed'),
  totalWaitMs: doublePrecision('total_wait_ms').notNull().default(0),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * One row per request sent: the sliding window that keeps every rolling window
 * under the limit. The window counts `arrived_by`, the latest moment the CRM
 * can have received the request: while it is in flight, its deadline (so a
 * request still on its way never drops out of the window); once answered or
 * failed, that moment. `granted_at` is when it was let through, for the record.
 */
export const rateLimitGrants = pgTable(
  'rate_limit_grants',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    grantedAt: ts('granted_at').notNull(),
    arrivedBy: ts('arrived_by').notNull().defaultNow(),
  },
  (t) => [index('rate_limit_grants_key_arrived_idx').on(t.key, t.arrivedBy)],
);

/** Where the catch-up sweep of each CRM account got to. */
export const syncCursors = pgTable('sync_cursors', {
  key: text('key').primaryKey(),
  cursor: text('cursor').notNull(),
  ok: boolean('ok').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

// ─── Admin sessions ───────────────────────────────────────────────────────────

/**
 * Browser sessions ended by POST /logout before they expire. The cookie is
 * stateless (an expiry and an HMAC of it), so ending one means remembering its
 * MAC until the moment it would have expired anyway; rows past that are deleted.
 */
export const adminSessionRevocations = pgTable('admin_session_revocations', {
  mac: text('mac').primaryKey(),
  expiresAt: ts('expires_at').notNull(),
});

// ─── CRM accounts (issue 24) ──────────────────────────────────────────────────

/**
 * One row per CRM account the service works for: a HubSpot portal, a Pipedrive
 * company, a generic target. Credentials and the webhook secret are sealed with
 * the key of ACCOUNTS_ENCRYPTION_KEY (src/accounts/secret-box.ts); `key_id` names
 * the key that sealed them, so a rotated key can still open older rows.
 */
export const crmAccounts = pgTable(
  'crm_accounts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** 'hubspot' | 'pipedrive' | 'generic' */
    source: text('source').notNull(),
    /** The CRM's own account id: HubSpot portal id, Pipedrive company id, the generic tenant. */
    accountId: text('account_id').notNull(),
    /** 'active' | 'needs_reconnect' | 'paused' */
    state: text('state').notNull().default('active'),
    /** Why the state is what it is, in words an operator can act on (never a secret). */
    stateReason: text('state_reason'),
    /** 'static' (a token pasted by an operator or set in the environment) | 'oauth' (an install) */
    authKind: text('auth_kind').notNull(),
    /**
     * 'environment': registered at start from HUBSPOT_ACCESS_TOKEN and the like, whose
     * credential stays in the environment and is never copied here; 'registry': by the
     * admin API or an install, with the credential sealed in `credentials`.
     */
    origin: text('origin').notNull(),
    /** The sealed JSON of the credentials (src/accounts/credentials.ts); null when the environment holds them. */
    credentials: text('credentials'),
    /** The sealed webhook secret, where the CRM signs per app (HubSpot client secret). */
    webhookSecret: text('webhook_secret'),
    /** The id of the key that sealed `credentials` and `webhook_secret`; null when nothing is sealed. */
    keyId: text('key_id'),
    /** Card → CRM property mapping overriding the deployment's, for this account only. */
    mappingOverride: jsonb('mapping_override'),
    /**
     * Pipedrive: the company plan's cap on custom fields (Lite 30 … Ultimate 500), which the API does
     * not state; null = PIPEDRIVE_CUSTOM_FIELD_LIMIT, or unknown. Field setup checks the room against it.
     */
    customFieldLimit: integer('custom_field_limit'),
    /**
     * SHA-256 (hex) of the account's read-only viewer token (src/accounts/viewer.ts): a client's
     * view of its own leads. Never the token itself; null = no viewer token.
     */
    viewerTokenHash: text('viewer_token_hash'),
    /** When the OAuth access token expires (null for static tokens). */
    tokenExpiresAt: ts('token_expires_at'),
    /** When the credential was last proven to belong to this account (HubSpot account details, Pipedrive /users/me). */
    lastVerifiedAt: ts('last_verified_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('crm_accounts_source_account_idx').on(t.source, t.accountId), uniqueIndex('crm_accounts_viewer_token_idx').on(t.viewerTokenHash)],
);

/**
 * OAuth install states already used (src/accounts/oauth/state.ts): the signed state's
 * nonce is recorded when its callback is served, so a state works once, on any instance.
 * Rows older than a state's lifetime prove nothing more and are pruned.
 */
export const oauthStates = pgTable('oauth_states', {
  nonce: text('nonce').primaryKey(),
  usedAt: ts('used_at').notNull().defaultNow(),
});
