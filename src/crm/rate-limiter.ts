import { sql } from 'drizzle-orm';
import { MAX_RATE_LIMIT, type RateLimitSpec } from '../config.js';
import { type Database, queryRows, type Tx } from '../db/client.js';
import { pgText } from '../db/pg-text.js';
import type { Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { CrmError } from './crm-error.js';
import { sleep } from '../outbound/retry.js';
import { capUntil } from './clock.js';

/**
 * The CRM rate limiter every instance shares: a sliding-window log in
 * PostgreSQL (`rate_limit_grants`), one row of state per CRM account
 * (`rate_limit_state`).
 *
 * Why a log and not a token bucket: a bucket of N refilled every window lets
 * N through at the end of one window and N more at the start of the next, up
 * to 2N in a rolling window, which is exactly what HubSpot's
 * TEN_SECONDLY_ROLLING and Pipedrive's rolling 2 s window punish. Counting the
 * grants of the last window (plus a margin for network jitter) can never admit
 * more than N in any window. The state row is locked (`FOR UPDATE`) while
 * counting and granting, and the database clock decides, so instances on
 * different hosts agree.
 *
 * What the window counts is when the CRM counts: a request's arrival. We never
 * see it, only bracket it: it arrives after the grant and before its answer
 * (or its failure, or its deadline). So a grant counts from the grant until
 * one window after its answer, and one still in flight counts until its
 * deadline has passed too: a request that hangs, or waits for a connection,
 * or whose process was killed before it could settle, never drops out of the
 * window while the CRM may still count it.
 */

/**
 * Where each CRM starts: the lowest documented figure (research §1.6, §2.4),
 * raised to what the CRM's own headers state once it answers. HubSpot: 100 /
 * 10 s (Free/Starter private apps; Professional and Enterprise send 190, public
 * OAuth apps 110). CRM_RATE_LIMIT fixes a limit instead; headers then only lower it.
 */
export const DEFAULT_LIMITS: Record<Source, RateLimitSpec> = {
  hubspot: { limit: 100, windowMs: 10_000 },
  // Pipedrive's smallest plan (Lite, API token): 20 per rolling 2 s.
  pipedrive: { limit: 20, windowMs: 2_000 },
  generic: { limit: 10, windowMs: 1_000 },
};

export interface LimiterKey {
  crm: Source;
  /** The CRM account; a separate budget of the same account (HubSpot search) gets a suffix such as `123:search`. */
  accountId: string;
  /** A fixed limit for this budget instead of the CRM's (HubSpot search: 5/s). */
  spec?: RateLimitSpec;
}

/** What a CRM's response headers said about its limits; every field optional. */
export interface RateLimitObservation {
  /** Requests allowed per window (`X-HubSpot-RateLimit-Max`, `x-ratelimit-limit`). */
  limit?: number;
  windowMs?: number;
  remaining?: number;
  /** Until the window frees up (`x-ratelimit-reset`); only then does `remaining: 0` pause. */
  resetMs?: number;
  dailyLimit?: number;
  dailyRemaining?: number;
  /** When the daily budget resets, if `dailyRemaining` hits 0. */
  dailyResetAt?: Date;
}

export type Decision =
  /** `probe`: the first request after a spent daily budget's pause; the others wait for its answer (see `endProbe`). */
  | { granted: true; grantId: number; probe?: boolean }
  | { granted: false; waitMs: number; reason: 'window' | 'paused' | 'daily'; pauseReason?: string };

export interface RateLimiter {
  /** The limit in force for a CRM before any header tightens it. */
  specFor(crm: Source): RateLimitSpec;
  /** A request already answered under another key counts in `key`'s window from now on (CrmHttp.countIn). */
  countArrived(key: LimiterKey): Promise<void>;
  /** One attempt: a grant, or how long to wait and why. */
  tryAcquire(key: LimiterKey): Promise<Decision>;
  /**
   * Waits for a grant. A wait longer than `maxWaitMs` (a daily pause, a long
   * 429) throws a CrmError saying until when, so the job is retried then
   * instead of holding a worker.
   */
  acquire(key: LimiterKey, options?: { signal?: AbortSignal; maxWaitMs?: number }): Promise<{ grantId: number; probe?: boolean; askedAt: number }>;
  /** The probe after a daily pause was answered without a 429: the day's budget is back, everyone may send. */
  endProbe(key: LimiterKey): Promise<void>;
  /**
   * Marks a granted request finished (answered, failed or timed out). The CRM
   * counts a request when it arrives, which can be well after the grant when a
   * process stalls or the request hangs; until settled a grant counts as
   * arriving at any moment up to its deadline, and settling stamps its finish
   * time, so it stays in the window until at least its arrival + window: no
   * rolling window at the CRM can ever hold more than the limit, whatever the
   * delays in between.
   */
  settle(key: LimiterKey, grantId: number): Promise<void>;
  /** Feeds response headers back: a lower max, a longer interval, a spent daily budget. */
  observe(key: LimiterKey, observation: RateLimitObservation): Promise<void>;
  /**
   * Stops every instance from sending for this account until `until` (a 429, a
   * spent budget), but never longer than `maxPauseMs` (a daily budget: until
   * at most 26 h, past any midnight). Returns the pause actually set.
   */
  pause(key: LimiterKey, until: Date, reason: string, options?: { daily?: boolean }): Promise<Date>;
  /** The longest pause (and retry delay) a CRM's own headers may impose: CRM_MAX_PAUSE_MS. */
  readonly maxPauseMs: number;
  /**
   * The longest a granted request may take, the wait for a connection
   * included: the client aborts it then, and an unsettled grant counts as on
   * its way until then (plus slack).
   */
  readonly requestDeadlineMs: number;
  /**
   * Ends a pause (and a spent daily count), and forgets the limit and window the CRM's
   * headers stated, by its state key, e.g. `pipedrive:12345` as the status page shows
   * it: an operator who knows better than a CRM's header. False when nothing was
   * paused or stated under that key.
   */
  release(stateKey: string): Promise<boolean>;
  /** Deletes grants no window can see any more. */
  prune(): Promise<number>;
}

export interface RateLimiterOptions {
  database: Database;
  metrics: Metrics;
  logger: Logger;
  /** Overrides per CRM; `all` (CRM_RATE_LIMIT) applies to every CRM without its own. */
  limits?: Partial<Record<Source | 'all', RateLimitSpec>>;
  /** Default 30 s: longer waits become retries with `notBefore`. */
  maxWaitMs?: number;
  /** CRM_MAX_PAUSE_MS: the longest burst pause a CRM's headers may impose (default 15 min). */
  maxPauseMs?: number;
  /** The longest a granted request may take (default DEFAULT_REQUEST_DEADLINE_MS); tests shorten it. */
  requestDeadlineMs?: number;
}

export const DEFAULT_MAX_PAUSE_MS = 15 * 60 * 1000;

/** The longest a CRM request may take from its grant to its end, queueing for a connection included (crm/http.ts aborts it then). */
export const DEFAULT_REQUEST_DEADLINE_MS = 30_000;
/**
 * Added to the deadline for how long an unsettled grant may still be on its
 * way: the time between the database stamping the grant and the client
 * starting the deadline's clock. A grant nobody settles (its process was
 * killed) counts until then, and one window beyond.
 */
const DEADLINE_SLACK_MS = 5_000;
/** A daily budget resets at the next midnight of the account's zone: never more than 25 h away (DST), plus slack. */
export const DAILY_MAX_PAUSE_MS = 26 * 60 * 60 * 1000;

/**
 * Added to the window. Grant and settle stamps already bracket each request's
 * arrival (see `settle`), so this only covers a CRM that counts in coarser
 * ticks than we do: 0.5 %, at least 10 ms.
 */
export function safetyMarginMs(windowMs: number): number {
  return Math.max(10, Math.round(windowMs * 0.005));
}

/**
 * What a CRM's headers may state, whatever they say: a limit of at most
 * MAX_RATE_LIMIT per window, and a window no longer than `maxPauseMs`
 * (CRM_MAX_PAUSE_MS, the longest a header may stop us anyway; HubSpot documents
 * 10 s). An interval header of 2·10⁹ ms parked jobs for 23 days, and one of
 * 2³¹ ms or more broke every call (the column is an integer), for good: the
 * value was stored. Applied on the way in and again on the way out, so a value
 * stored before this bound existed heals by itself.
 */
export function boundObserved(observed: { limit?: number; windowMs?: number } | null | undefined, maxPauseMs: number) {
  if (!observed) return observed;
  const out: { limit?: number; windowMs?: number } = {};
  if (typeof observed.limit === 'number' && Number.isFinite(observed.limit)) out.limit = Math.min(Math.max(1, Math.floor(observed.limit)), MAX_RATE_LIMIT);
  if (typeof observed.windowMs === 'number' && Number.isFinite(observed.windowMs)) out.windowMs = Math.min(Math.max(1, Math.ceil(observed.windowMs)), maxPauseMs);
  return out;
}

export function limiterKey(key: LimiterKey): string {
  return `${key.crm}:${key.accountId}`;
}

const PRUNE_EVERY = 200;
/** While the probe after a daily pause is out, nobody else sends; longer than any request may take. */
const PROBE_HOLD_MS = 60_000;
const PROBE_REASON = 'DAILY_PROBE';
const PROBE_POLL_MS = 500;

/**
 * PGlite is one connection: two transactions started concurrently interleave
 * on it, so `FOR UPDATE` cannot keep them apart. PGlite also lives in exactly
 * one process, so a promise chain per database handle (shared by every limiter
 * on it) serializes them completely. PostgreSQL needs none of this.
 */
const pgliteLocks = new WeakMap<object, Promise<unknown>>();
function serialized<T>(database: Database, fn: () => Promise<T>): Promise<T> {
  if (database.kind !== 'pglite') return fn();
  const previous = pgliteLocks.get(database.db) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  pgliteLocks.set(database.db, run.catch(() => undefined));
  return run;
}

interface StateRow {
  limit: number;
  window_ms: number;
  observed: { limit?: number; windowMs?: number } | null;
  paused_ms: string | number | null;
  pause_reason: string | null;
  daily_limit: number | null;
  daily_used: number;
  daily_reset_ms: string | number | null;
  now_ms: string | number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { database, metrics, logger } = options;
  const maxWaitDefault = options.maxWaitMs ?? 30_000;
  const maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
  const requestDeadlineMs = options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
  const inFlightMs = requestDeadlineMs + DEADLINE_SLACK_MS;
  let grantsSincePrune = 0;

  const specFor = (crm: Source): RateLimitSpec => options.limits?.[crm] ?? options.limits?.all ?? DEFAULT_LIMITS[crm];
  const specOf = (key: LimiterKey): RateLimitSpec => key.spec ?? specFor(key.crm);
  /** A limit someone set (CRM_RATE_LIMIT, a budget's own spec): headers may lower it, never raise it. */
  const fixed = (key: LimiterKey): boolean => !!(key.spec ?? options.limits?.[key.crm] ?? options.limits?.all);

  async function lockState(tx: Tx, key: LimiterKey): Promise<StateRow> {
    const spec = specOf(key);
    const k = limiterKey(key);
    await tx.execute(
      sql`insert into rate_limit_state (key, "limit", window_ms) values (${k}, ${spec.limit}, ${spec.windowMs}) on conflict (key) do nothing`,
    );
    const [row] = await queryRows<StateRow>(
      tx,
      sql`select "limit", window_ms, observed, pause_reason, daily_limit, daily_used,
            extract(epoch from paused_until) * 1000 as paused_ms,
            extract(epoch from daily_reset_at) * 1000 as daily_reset_ms,
            extract(epoch from clock_timestamp()) * 1000 as now_ms
          from rate_limit_state where key = ${k} for update`,
    );
    return row;
  }

  /** The starting spec as the CRM's headers state it (a fixed one only tightened): its max, a longer interval. */
  function effective(key: LimiterKey, stored: StateRow['observed']): RateLimitSpec {
    const spec = specOf(key);
    const observed = boundObserved(stored, maxPauseMs);
    const stated = observed?.limit ?? (fixed(key) ? Number.POSITIVE_INFINITY : spec.limit);
    return {
      limit: Math.max(1, fixed(key) ? Math.min(spec.limit, stated) : stated),
      windowMs: Math.max(spec.windowMs, observed?.windowMs ?? 0),
    };
  }

  async function tryAcquire(key: LimiterKey): Promise<Decision> {
    const k = limiterKey(key);
    const decision = await serialized(database, () => database.db.transaction(async (t) => {
      const tx = t as unknown as Tx;
      const row = await lockState(tx, key);
      const now = Number(row.now_ms);
      const pausedUntil = row.paused_ms === null ? 0 : Number(row.paused_ms);
      if (pausedUntil > now) {
        // Behind a probe, look again soon: its answer (usually within a second) ends the hold or sets the real pause.
        const waitMs = Math.ceil(row.pause_reason === PROBE_REASON ? Math.min(pausedUntil - now, PROBE_POLL_MS) : pausedUntil - now);
        return { granted: false, waitMs, reason: 'paused', pauseReason: row.pause_reason ?? undefined } as const;
      }
      // A daily pause (or an unanswered probe) has run out: the day may be over, or not (Pipedrive states no
      // reset time). One request finds out while every other waits, instead of all of them meeting a 429.
      const probe = row.pause_reason === 'DAILY' || row.pause_reason === PROBE_REASON;
      let dailyUsed = row.daily_used;
      const dailyReset = row.daily_reset_ms === null ? undefined : Number(row.daily_reset_ms);
      if (dailyReset !== undefined && now >= dailyReset) dailyUsed = 0;
      if (row.daily_limit !== null && dailyUsed >= row.daily_limit && dailyReset !== undefined && dailyReset > now) {
        return { granted: false, waitMs: Math.ceil(dailyReset - now), reason: 'daily', pauseReason: 'daily budget spent' } as const;
      }
      const { limit, windowMs } = effective(key, row.observed);
      const span = windowMs + safetyMarginMs(windowMs);
      const since = sql`to_timestamp(${now / 1000}::float8) - make_interval(secs => ${span / 1000}::float8)`;
      const [{ n }] = await queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from rate_limit_grants where key = ${k} and arrived_by > ${since}`,
      );
      if (Number(n) < limit) {
        // clock_timestamp() again, not `now`: a later stamp only keeps the grant in the window longer (safe side).
        const [grant] = await queryRows<{ id: string | number }>(
          tx,
          sql`insert into rate_limit_grants (key, granted_at, arrived_by)
              values (${k}, clock_timestamp(), clock_timestamp() + make_interval(secs => ${inFlightMs / 1000}::float8)) returning id`,
        );
        if (probe) {
          await tx.execute(
            sql`update rate_limit_state set paused_until = clock_timestamp() + make_interval(secs => ${PROBE_HOLD_MS / 1000}::float8), pause_reason = ${PROBE_REASON} where key = ${k}`,
          );
        }
        await tx.execute(
          sql`update rate_limit_state set "limit" = ${limit}, window_ms = ${windowMs},
                daily_used = ${dailyUsed + 1},
                daily_reset_at = case when daily_reset_at is not null and daily_reset_at <= clock_timestamp() then null else daily_reset_at end,
                updated_at = clock_timestamp()
              where key = ${k}`,
        );
        return { granted: true, grantId: Number(grant.id), ...(probe ? { probe: true } : {}) } as const;
      }
      // Full: wait until the grant that makes the window full (the limit-th newest) leaves it. One still in
      // flight leaves a window after it settles, at the earliest now: look again then, not at its deadline.
      const [edge] = await queryRows<{ t: string | number }>(
        tx,
        sql`select extract(epoch from least(arrived_by, to_timestamp(${now / 1000}::float8))) * 1000 as t from rate_limit_grants
            where key = ${k} and arrived_by > ${since}
            order by 1 desc offset ${limit - 1} limit 1`,
      );
      const waitMs = edge ? Math.max(1, Math.ceil(Number(edge.t) + span - now)) : 1;
      return { granted: false, waitMs, reason: 'window' } as const;
    }));
    if (decision.granted && ++grantsSincePrune >= PRUNE_EVERY) {
      grantsSincePrune = 0;
      void prune().catch((err) => logger.warn({ err }, 'rate limiter: pruning old grants failed'));
    }
    return decision;
  }

  async function countArrived(key: LimiterKey): Promise<void> {
    // Stamped now, though it arrived earlier: the later stamp keeps it in the window longer (the safe side).
    await database.db.execute(
      sql`insert into rate_limit_grants (key, granted_at, arrived_by) values (${limiterKey(key)}, clock_timestamp(), clock_timestamp())`,
    );
  }

  async function settle(key: LimiterKey, grantId: number): Promise<void> {
    // Answered or failed: it arrived by now, if at all. Never earlier than the grant, whatever the clocks.
    await database.db.execute(
      sql`update rate_limit_grants set arrived_by = greatest(granted_at, clock_timestamp()) where id = ${grantId} and key = ${limiterKey(key)}`,
    );
  }

  async function acquire(key: LimiterKey, opts: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<{ grantId: number; probe?: boolean; askedAt: number }> {
    const maxWait = opts.maxWaitMs ?? maxWaitDefault;
    const started = performance.now();
    for (;;) {
      // Before the database stamps the grant (performance.now() clock): the caller's deadline counts from
      // here, so a grant that reaches a starved process late still cannot be sent after its deadline.
      const askedAt = performance.now();
      const d = await tryAcquire(key);
      const waited = performance.now() - started;
      if (d.granted) {
        metrics.rateLimiterWaitSeconds.observe({ crm: key.crm }, waited / 1000);
        if (waited >= 1) {
          // Not awaited: the request's deadline is already running (askedAt), a statistic must not spend it.
          void database.db
            .execute(sql`update rate_limit_state set total_wait_ms = total_wait_ms + ${waited} where key = ${limiterKey(key)}`)
            .catch((err) => logger.warn({ err, crm: key.crm }, 'rate limiter: could not record the wait'));
        }
        return { grantId: d.grantId, askedAt, ...(d.probe ? { probe: true } : {}) };
      }
      if (waited + d.waitMs > maxWait) {
        metrics.rateLimiterWaitSeconds.observe({ crm: key.crm }, waited / 1000);
        const daily = d.reason === 'daily' || d.pauseReason === 'DAILY';
        // Capped like a pause, whatever made the wait (a window, a stored state): the job asks again then.
        const until = new Date(Date.now() + Math.min(d.waitMs, daily ? DAILY_MAX_PAUSE_MS : maxPauseMs));
        const failure =
          daily
            ? ({ kind: 'daily_exhausted', until } as const)
            : ({ kind: 'rate_limited', until, policy: d.pauseReason ?? 'limiter' } as const);
        throw new CrmError(key.crm, failure, `${key.crm} account ${key.accountId} rate limited until ${until.toISOString()} (${d.pauseReason ?? d.reason})`);
      }
      // A little jitter so instances woken by the same grant leaving do not all queue on the row lock at once.
      await sleep(d.waitMs + Math.random() * 5, opts.signal);
    }
  }

  async function observe(key: LimiterKey, o: RateLimitObservation): Promise<void> {
    const k = limiterKey(key);
    const spec = specOf(key);
    const observed: Record<string, number> = {};
    if (o.limit !== undefined && Number.isFinite(o.limit) && o.limit > 0 && (o.limit < spec.limit || !fixed(key))) observed.limit = o.limit;
    if (o.windowMs !== undefined && Number.isFinite(o.windowMs) && o.windowMs > spec.windowMs) {
      observed.windowMs = o.windowMs;
      if (o.windowMs > maxPauseMs) {
        metrics.crmPauseCapped.inc({ crm: key.crm });
        logger.warn({ crm: key.crm, accountId: key.accountId, windowMs: o.windowMs, capped: maxPauseMs }, 'CRM stated a rate-limit window longer than CRM_MAX_PAUSE_MS; capped');
      }
    }
    Object.assign(observed, boundObserved(observed, maxPauseMs));
    const dailyUsed =
      o.dailyLimit !== undefined && o.dailyRemaining !== undefined ? Math.max(0, o.dailyLimit - o.dailyRemaining) : undefined;
    const burstSpent = o.remaining !== undefined && o.remaining <= 0 && o.resetMs !== undefined && o.resetMs > 0;
    const dailySpent = o.dailyRemaining !== undefined && o.dailyRemaining <= 0 && o.dailyResetAt !== undefined;
    if (!Object.keys(observed).length && dailyUsed === undefined && !burstSpent && !dailySpent) return;
    await database.db.execute(
      sql`insert into rate_limit_state (key, "limit", window_ms) values (${k}, ${spec.limit}, ${spec.windowMs}) on conflict (key) do nothing`,
    );
    if (Object.keys(observed).length) {
      await database.db.execute(
        sql`update rate_limit_state set observed = ${JSON.stringify(observed)}::jsonb, updated_at = clock_timestamp() where key = ${k}`,
      );
    }
    if (o.dailyLimit !== undefined && dailyUsed !== undefined) {
      await database.db.execute(
        sql`update rate_limit_state set daily_limit = ${o.dailyLimit}, daily_used = greatest(daily_used, ${dailyUsed}),
              daily_reset_at = coalesce(${o.dailyResetAt?.toISOString() ?? null}::timestamptz, daily_reset_at)
            where key = ${k}`,
      );
    }
    if (dailySpent && o.dailyResetAt) await pause(key, o.dailyResetAt, 'DAILY');
    else if (burstSpent) await pause(key, new Date(Date.now() + (o.resetMs ?? 0)), 'remaining 0');
  }

  async function pause(key: LimiterKey, asked: Date, reason: string, opts: { daily?: boolean } = {}): Promise<Date> {
    const k = limiterKey(key);
    const spec = specOf(key);
    // A CRM's header is not trusted with an unbounded pause: a year-long Retry-After would
    // stop the account for a year, unseen. Cut it, say so, and let the retry ask again.
    const ceiling = (opts.daily ?? reason === 'DAILY') ? DAILY_MAX_PAUSE_MS : maxPauseMs;
    const until = capUntil(asked, Date.now(), ceiling);
    if (until !== asked) {
      metrics.crmPauseCapped.inc({ crm: key.crm });
      const askedText = Number.isFinite(asked.getTime()) ? asked.toISOString() : 'an invalid date';
      logger.warn({ crm: key.crm, accountId: key.accountId, asked: askedText, until: until.toISOString(), reason }, 'CRM asked for a pause longer than CRM_MAX_PAUSE_MS; capped');
    }
    await database.db.execute(
      sql`insert into rate_limit_state (key, "limit", window_ms) values (${k}, ${spec.limit}, ${spec.windowMs}) on conflict (key) do nothing`,
    );
    // The pause is a delay (both ends of it on this process's clock), laid on the database's
    // clock: an instance whose clock runs behind would otherwise store a pause already over.
    const delaySecs = Math.max(0, until.getTime() - Date.now()) / 1000;
    const end = sql`clock_timestamp() + make_interval(secs => ${delaySecs}::float8)`;
    // Never shorten a pause another instance set for a longer reason (a probe's hold is no reason: its answer replaces it).
    await database.db.execute(
      sql`update rate_limit_state
            set paused_until = ${end}, pause_reason = ${pgText(reason).slice(0, 100)}, updated_at = clock_timestamp()
          where key = ${k} and (paused_until is null or paused_until < ${end} or pause_reason = ${PROBE_REASON})`,
    );
    logger.warn({ crm: key.crm, accountId: key.accountId, until: until.toISOString(), reason }, 'CRM account paused');
    return until;
  }

  async function release(stateKey: string): Promise<boolean> {
    const rows = await queryRows<{ key: string }>(
      database.db,
      sql`update rate_limit_state set paused_until = null, pause_reason = null, daily_used = 0, observed = null, updated_at = clock_timestamp()
          where key = ${stateKey} and (paused_until > clock_timestamp() or (daily_limit is not null and daily_used >= daily_limit) or observed is not null)
          returning key`,
    );
    if (rows.length) logger.warn({ key: stateKey }, 'CRM pause released by an admin');
    return rows.length > 0;
  }

  async function endProbe(key: LimiterKey): Promise<void> {
    await database.db.execute(
      sql`update rate_limit_state set paused_until = null, pause_reason = null, updated_at = clock_timestamp()
          where key = ${limiterKey(key)} and pause_reason = ${PROBE_REASON}`,
    );
  }

  async function prune(): Promise<number> {
    const rows = await queryRows<{ id: number }>(
      database.db,
      sql`delete from rate_limit_grants g using rate_limit_state s
          where g.key = s.key and g.arrived_by < clock_timestamp() - make_interval(secs => (s.window_ms * 2 + 60000) / 1000.0)
          returning g.id`,
    );
    return rows.length;
  }

  return { specFor, countArrived, tryAcquire, acquire, settle, observe, pause, endProbe, prune, maxPauseMs, requestDeadlineMs, release };
}
