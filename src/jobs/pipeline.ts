import { createHash } from 'node:crypto';
import type { AccountBindings } from '../accounts/bindings.js';
import { markPaused } from '../accounts/repository.js';
import { FIELD_ROOM_PREFIX } from '../crm/pipedrive/fields.js';
import type { Config } from '../config.js';
import { type CardWrite, type CrmAdapter, type CrmLead, refKey } from '../crm/adapter.js';
import { CrmError } from '../crm/crm-error.js';
import { cardToProperties, isUnchanged } from '../crm/mapping.js';
import type { CrmRegistry } from '../crm/registry.js';
import type { Database } from '../db/client.js';
import { pgJson } from '../db/pg-text.js';
import { enrichments } from '../db/schema.js';
import type { Enricher, EnrichmentCore, LeadInput } from '../enrich/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Source } from '../leads/identity.js';
import type { JobPayload } from '../leads/job-payload.js';
import { asBackground } from '../crm/background-share.js';
import { jobClass } from './queue.js';
import { outcomeOfError } from './retry-policy.js';
import type { JobOutcome, JobProcessor, JobRow } from './types.js';

/**
 * The work behind a batch of jobs of one source and account: rollout check,
 * read the leads (batch read when several), resolve, skip what is unchanged,
 * write the mapped properties (batch update when several) under the shared
 * rate limiter, and record one `enrichments` row per lead: what was resolved,
 * written and replaced (the rollback restores `previous_properties`). A written
 * lead's row is inserted as soon as its CRM call is answered, before the next
 * call, so a write and its audit row cannot part. A failure's outcome (retry,
 * wait, dead letter) comes from retry-policy.ts.
 */

export interface PipelineDeps {
  database: Database;
  config: Config;
  logger: Logger;
  enrichment: { enricher(): Promise<Enricher> };
  crm: CrmRegistry;
  metrics?: Metrics;
  /**
   * Which credential serves the batch's account (issue 24). Without it (narrow tests), the
   * source's one configured adapter serves every account, as before accounts existed.
   */
  accounts?: AccountBindings;
}

/** How long the jobs of a paused account, or one waiting for a reconnect, wait before they look again. */
export const ACCOUNT_WAIT_MS = 5 * 60_000;

export type WriteStatus = 'written' | 'dry_run' | 'unchanged' | 'skipped_rollout' | 'no_crm';

/** Stable share of leads: the same lead is always in or out for a given percentage. */
export function inRollout(leadKey: string, percent: number): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  const bucket = createHash('sha256').update(leadKey).digest().readUInt32BE(0) % 100;
  return bucket < percent;
}

/** What the webhook carried, overlaid by what the CRM holds now (non-empty CRM values win: they are fresher). */
export function mergeInput(fromWebhook: LeadInput | undefined, fromCrm: LeadInput | undefined): LeadInput {
  const out: LeadInput = { ...(fromWebhook ?? {}) };
  for (const [k, v] of Object.entries(fromCrm ?? {}) as [keyof LeadInput, unknown][]) {
    if (v !== null && v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

interface Lead {
  jobs: JobRow[];
  /** The newest job of this lead in the batch: its payload is the freshest. */
  job: JobRow;
  payload: JobPayload;
}

interface Computed {
  lead: Lead;
  input: LeadInput;
  enrichment: EnrichmentCore;
  properties: Record<string, string>;
  previous: Record<string, string | null> | null;
  target?: CrmLead['target'];
}

export function createPipeline(deps: PipelineDeps): JobProcessor {
  const { config, logger, database } = deps;

  const processor: JobProcessor = async (batch, signal) => {
    // Backfill and refresh batches (claimed apart from other work: queue.ts) use only their share of the CRM's budget.
    if (batch.length && jobClass(batch[0].reason) === 1) return asBackground(config.background.rateShare, () => process(batch, signal));
    return process(batch, signal);
  };
  return processor;

  async function process(batch: JobRow[], signal: AbortSignal): Promise<Map<number, JobOutcome>> {
    const outcomes = new Map<number, JobOutcome>();
    if (!batch.length) return outcomes;
    const source = batch[0].source as Source;
    const accountId = batch[0].accountId;
    const log = logger.child({ source, accountId, jobs: batch.length });
    const enricher = await deps.enrichment.enricher();
    let adapter = deps.crm.adapter(source);
    let mapping = deps.crm.mapping[source];
    if (deps.accounts) {
      let binding: Awaited<ReturnType<AccountBindings['bind']>>;
      try {
        binding = await deps.accounts.bind(source, accountId, signal);
      } catch (err) {
        log.warn({ err: errorInfo(err) }, 'checking the account credential failed');
        for (const job of batch) outcomes.set(job.id, outcomeOfError(err));
        return outcomes;
      }
      if (binding.kind === 'unknown') {
        // Never processed with another account's credential: recorded on the job, counted, dropped.
        deps.metrics?.accountEventsIgnored.inc({ source, reason: binding.reason }, batch.length);
        log.warn({ reason: binding.reason }, 'jobs of an account without a credential ignored');
        for (const job of batch) outcomes.set(job.id, { kind: 'skipped', reason: binding.reason, detail: { why: binding.why } });
        return outcomes;
      }
      if (binding.kind === 'waiting') {
        const notBefore = new Date(Date.now() + ACCOUNT_WAIT_MS);
        for (const job of batch) outcomes.set(job.id, { kind: 'retry', error: `account ${binding.state}: ${binding.why}`, notBefore, waiting: true });
        return outcomes;
      }
      adapter = binding.kind === 'bound' ? binding.adapter : undefined;
      // An account's own mappingOverride (issue 24) decides what its card writes.
      if (binding.kind === 'bound') mapping = binding.mapping;
    }
    const now = new Date();
    const rows: Array<typeof enrichments.$inferInsert> = [];

    const settle = (lead: Lead, outcome: JobOutcome) => {
      for (const j of lead.jobs) outcomes.set(j.id, outcome);
    };
    const compute = (lead: Lead, crmLead?: CrmLead): Computed => {
      const input = mergeInput(lead.payload.lead, crmLead?.input);
      const enrichment = enricher.resolve(input);
      const properties = cardToProperties(enricher.toCard(enrichment, now), mapping);
      let previous: Record<string, string | null> | null = null;
      if (crmLead) {
        previous = {};
        for (const prop of Object.keys(properties)) previous[prop] = crmLead.current[prop] ?? null;
      }
      return { lead, input, enrichment, properties, previous, target: crmLead?.target };
    };
    const rowOf = (c: Computed, writeStatus: WriteStatus): typeof enrichments.$inferInsert => {
      const { job } = c.lead;
      return {
        leadKey: job.leadKey,
        source: job.source,
        objectType: job.objectType,
        objectId: job.objectId,
        jobId: job.id,
        version: c.enrichment.version,
        // The input and the previous values came from the CRM: U+0000 there would fail the insert.
        result: pgJson({ input: c.input, ...c.enrichment }),
        properties: pgJson(c.properties),
        previousProperties: pgJson(c.previous),
        writeStatus,
      };
    };
    const record = (c: Computed, writeStatus: WriteStatus) => rows.push(rowOf(c, writeStatus));

    try {
      const leads = groupLeads(batch);
      const active: Lead[] = [];
      for (const lead of leads) {
        if (inRollout(lead.job.leadKey, config.rolloutPercent)) active.push(lead);
        else {
          record(compute(lead), 'skipped_rollout');
          settle(lead, { kind: 'skipped', reason: 'rollout', detail: { rolloutPercent: config.rolloutPercent } });
        }
      }
      if (active.length && !adapter) {
        // No credentials: compute from what the webhook carried, read and write nothing.
        for (const lead of active) {
          const c = compute(lead);
          record(c, 'no_crm');
          settle(lead, { kind: 'done', detail: { writeStatus: 'no_crm', version: c.enrichment.version, status: c.enrichment.status } });
        }
      } else if (active.length && adapter) {
        await readResolveWrite(adapter, active);
      }
    } finally {
      // The worker times each job into metrics.enrichmentDuration; counting here too would double it.
      if (rows.length) await database.db.insert(enrichments).values(rows);
    }
    return outcomes;

    async function readResolveWrite(adapter: CrmAdapter, active: Lead[]) {
      let read: Map<string, CrmLead | CrmError>;
      try {
        read = await adapter.readLeads(accountId, active.map((l) => refOf(l.job)), signal);
      } catch (err) {
        log.warn({ err: errorInfo(err) }, 'reading leads failed');
        for (const lead of active) settle(lead, outcomeOfError(err));
        return;
      }
      const toWrite: Computed[] = [];
      for (const lead of active) {
        const got = read.get(refKey(lead.job)) ?? new CrmError(source, { kind: 'retry' }, `${source}: lead ${lead.job.objectId} missing from the read`);
        if (got instanceof CrmError) {
          settle(lead, outcomeOfError(got));
          continue;
        }
        const c = compute(lead, got);
        if (isUnchanged(c.properties, got.current, mapping)) {
          record(c, 'unchanged');
          settle(lead, { kind: 'skipped', reason: 'unchanged', detail: { version: c.enrichment.version } });
        } else if (config.dryRun || isPreview(lead)) {
          record(c, 'dry_run');
          settle(lead, { kind: 'done', detail: { writeStatus: 'dry_run', version: c.enrichment.version, status: c.enrichment.status } });
        } else {
          toWrite.push(c);
        }
      }
      if (!toWrite.length) return;

      const writes: CardWrite[] = toWrite.map((c) => ({ ref: refOf(c.lead.job), target: c.target, properties: c.properties }));
      const pending = new Map(toWrite.map((c) => [refKey(c.lead.job), c]));
      // Each CRM call's results are settled (and what it wrote recorded) as soon as it is
      // answered: a later call failing the batch must not lose those audit rows, nor make
      // the retry write those leads again.
      const progress = async (results: Map<string, true | CrmError>) => {
        const done: Computed[] = [];
        for (const [key, result] of results) {
          const c = pending.get(key);
          if (!c) continue;
          if (result instanceof CrmError) {
            pending.delete(key);
            settle(c.lead, outcomeOfError(result));
          } else done.push(c);
        }
        if (!done.length) return;
        await database.db.insert(enrichments).values(done.map((c) => rowOf(c, 'written')));
        for (const c of done) {
          pending.delete(refKey(c.lead.job));
          settle(c.lead, {
            kind: 'done',
            detail: { writeStatus: 'written', version: c.enrichment.version, status: c.enrichment.status, properties: Object.keys(c.properties).length },
          });
        }
      };
      try {
        const written = await adapter.writeCards(accountId, writes, signal, progress);
        await progress(written);
      } catch (err) {
        log.warn({ err: errorInfo(err) }, 'writing cards failed');
        if (deps.accounts && err instanceof CrmError && err.message.startsWith(FIELD_ROOM_PREFIX)) {
          // The account's field setup was refused (plan limit, permissions): pause the account with
          // the reason, and its jobs wait for it to be resumed instead of being dead-lettered.
          const paused = await markPaused(database.db, source, accountId, err.message.slice(FIELD_ROOM_PREFIX.length));
          if (paused) {
            log.warn({ reason: err.message }, 'account paused: its CRM refused the field setup');
            const notBefore = new Date(Date.now() + ACCOUNT_WAIT_MS);
            for (const c of pending.values()) settle(c.lead, { kind: 'retry', error: `account paused: ${err.message}`, notBefore, waiting: true });
            return;
          }
        }
        for (const c of pending.values()) settle(c.lead, outcomeOfError(err));
        return;
      }
      for (const c of pending.values()) {
        settle(c.lead, outcomeOfError(new CrmError(source, { kind: 'retry' }, `${source}: no write result for lead ${c.lead.job.objectId}`)));
      }
    }
  }
}

/** A backfill preview's lead (every job of it in the batch a dry run): computed and recorded, never written. */
function isPreview(lead: Lead): boolean {
  return lead.jobs.every((j) => (j.payload as JobPayload | null)?.backfill?.dryRun === true);
}

function refOf(job: JobRow) {
  return { source: job.source as Source, accountId: job.accountId, objectType: job.objectType, objectId: job.objectId };
}

/** One entry per lead; several jobs of one lead in a batch share its read, write and outcome. */
function groupLeads(batch: JobRow[]): Lead[] {
  const byKey = new Map<string, JobRow[]>();
  for (const job of batch) {
    const list = byKey.get(job.leadKey);
    if (list) list.push(job);
    else byKey.set(job.leadKey, [job]);
  }
  return [...byKey.values()].map((jobs) => {
    const job = jobs.reduce((a, b) => (b.id > a.id ? b : a));
    const payload = (job.payload ?? {}) as JobPayload;
    return { jobs, job, payload: { ...payload, lead: payload.lead ?? {} } };
  });
}

/** Errors as log fields: our CrmError messages are already scrubbed; nothing else is trusted to be. */
function errorInfo(err: unknown) {
  return err instanceof CrmError ? { message: err.message, failure: err.failure.kind } : { message: (err as Error)?.message };
}
