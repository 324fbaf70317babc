import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the service exposes at /metrics. One registry per
 * service instance (tests build many), handed to the parts that count things.
 * Gauges that reflect database state (queue depth, CBS table age) are filled
 * by `collectors` just before each scrape.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  // Node's own metrics are named process_* and nodejs_* already: the prefix adds only ours
  // (verrijk_process_cpu_seconds_total, not verrijk_process_process_cpu_seconds_total).
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'verrijk_' });
  const collectors: Array<() => Promise<void>> = [];

  const m = {
    registry,
    /** Registers a function that refreshes gauges from the database before a scrape. */
    addCollector(fn: () => Promise<void>) {
      collectors.push(fn);
    },
    async render(): Promise<string> {
      await Promise.allSettled(collectors.map((fn) => fn()));
      return registry.metrics();
    },

    webhooksReceived: new Counter({
      name: 'verrijk_webhooks_received_total',
      help: 'Webhook requests accepted (2xx), by source and result (accepted, duplicate, ignored)',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
    }),
    webhooksRejected: new Counter({
      name: 'verrijk_webhooks_rejected_total',
      help: 'Webhook requests rejected, by source and reason (signature, stale, invalid, too_large, over_budget, throttled, not_configured)',
      labelNames: ['source', 'reason'] as const,
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: 'verrijk_jobs_finished_total',
      help: 'Job attempts by outcome (done, skipped, retry, dead)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    jobsByState: new Gauge({
      name: 'verrijk_jobs',
      help: 'Jobs in the queue by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    queueOldestAgeSeconds: new Gauge({
      name: 'verrijk_queue_oldest_age_seconds',
      help: 'Age of the oldest job that is ready to run and waiting',
      registers: [registry],
    }),
    crmRequests: new Counter({
      name: 'verrijk_crm_requests_total',
      help: 'Requests sent to a CRM API, by CRM, operation and status code',
      labelNames: ['crm', 'op', 'status'] as const,
      registers: [registry],
    }),
    crmRateLimited: new Counter({
      name: 'verrijk_crm_429_total',
      help: '429 answers from a CRM, by CRM and policy',
      labelNames: ['crm', 'policy'] as const,
      registers: [registry],
    }),
    crmPauseCapped: new Counter({
      name: 'verrijk_crm_pause_capped_total',
      help: 'Pauses a CRM asked for (Retry-After, reset headers) that were longer than CRM_MAX_PAUSE_MS and were cut to it',
      labelNames: ['crm'] as const,
      registers: [registry],
    }),
    accountEventsIgnored: new Counter({
      name: 'verrijk_account_events_ignored_total',
      help: 'Webhook events and jobs not processed because their CRM account is not registered (unknown_account) or its credential belongs to another account (wrong_account)',
      labelNames: ['source', 'reason'] as const,
      registers: [registry],
    }),
    catchupSkipped: new Counter({
      name: 'verrijk_catchup_skipped_total',
      help: 'Catch-up sweeps of a CRM skipped because the account its credential belongs to was not known (no_lookup, lookup_failed, no_signed_webhook)',
      labelNames: ['source', 'reason'] as const,
      registers: [registry],
    }),
    rateLimiterWaitSeconds: new Histogram({
      name: 'verrijk_rate_limiter_wait_seconds',
      help: 'Time a CRM request waited for the shared rate limiter',
      labelNames: ['crm'] as const,
      buckets: [0, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    cbsTableAgeSeconds: new Gauge({
      name: 'verrijk_cbs_table_age_seconds',
      help: 'Seconds since the served version of a CBS table was loaded',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    cbsLastRefreshSuccess: new Gauge({
      name: 'verrijk_cbs_last_refresh_success',
      help: '1 when the last CBS refresh run succeeded, 0 when it failed',
      registers: [registry],
    }),
    cbsLastRefreshTimestamp: new Gauge({
      name: 'verrijk_cbs_last_refresh_timestamp_seconds',
      help: 'When the last CBS refresh run finished (unix seconds)',
      registers: [registry],
    }),
    backfillListErrors: new Counter({
      name: 'verrijk_backfill_list_errors_total',
      help: 'Pages of a backfill listing that failed (tried again on the next round)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    backfillJobs: new Gauge({
      name: 'verrijk_backfill_jobs',
      help: 'Jobs of each unfinished backfill run by status (queued, running, done, skipped, dead)',
      labelNames: ['run', 'source', 'object_type', 'status'] as const,
      registers: [registry],
    }),
    backfillTotal: new Gauge({
      name: 'verrijk_backfill_total',
      help: 'Jobs each unfinished backfill run will have when its listing is complete (what is listed so far while the CRM states no total)',
      labelNames: ['run', 'source', 'object_type'] as const,
      registers: [registry],
    }),
    backfillLastProgress: new Gauge({
      name: 'verrijk_backfill_last_progress_timestamp_seconds',
      help: 'When each unfinished backfill run last made progress: a job finished or a page was listed (unix seconds)',
      labelNames: ['run', 'source', 'object_type'] as const,
      registers: [registry],
    }),
    cardsOutOfDate: new Gauge({
      name: 'verrijk_cards_out_of_date',
      help: 'Cards last written with an older CBS period or enrichment version than the current one, by why',
      labelNames: ['why'] as const,
      registers: [registry],
    }),
    enrichmentDuration: new Histogram({
      name: 'verrijk_enrichment_duration_seconds',
      help: 'Time to process one job: read lead, resolve, write card',
      labelNames: ['source'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
