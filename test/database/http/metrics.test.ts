import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { parsePrometheusText, sampleValue } from '../../support/prom-text.js';
import { leadRef, seedCbsTable, seedJob, seedRefreshRun } from '../../support/seed.js';

describe('Prometheus text parser', () => {
  it('parses HELP, TYPE, labels with escapes and special values', () => {
    const f = parsePrometheusText(
      [
        '# HELP a_total Things',
        '# TYPE a_total counter',
        'a_total{x="1",y="q\\"uote\\\\"} 3',
        '# TYPE h histogram',
        'h_bucket{le="+Inf"} 2',
        'h_sum 0.5',
        'h_count 2',
        '# TYPE g gauge',
        'g NaN',
      ].join('\n'),
    );
    expect(sampleValue(f, 'a_total', { y: 'q"uote\\' })).toBe(3);
    expect(sampleValue(f, 'h_bucket', { le: '+Inf' })).toBe(2);
    expect(Number.isNaN(sampleValue(f, 'g'))).toBe(true);
  });
  it('rejects malformed lines', () => {
    expect(() => parsePrometheusText('# TYPE a gauge\na{x=1} 2')).toThrow(/bad labels/);
    expect(() => parsePrometheusText('# TYPE a gauge\na one')).toThrow(/not a number/);
    expect(() => parsePrometheusText('b 1')).toThrow(/without a TYPE/);
  });
});

describe.each(flavours)('/metrics on %s', (flavour) => {
  let database: TestDatabase;
  const stops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await database?.drop();
  });

  it('is open, parses, and reports jobs, queue age, CBS table age and the last refresh from the database', async () => {
    const db = database.db;
    const waitingSince = new Date(Date.now() - 20 * 60_000);
    await seedJob(db, leadRef(), { status: 'queued', runAt: waitingSince });
    await seedJob(db, leadRef(), { status: 'queued', runAt: new Date(Date.now() + 3600_000) }); // not due yet: not waiting
    await seedJob(db, leadRef(), { status: 'dead', lastError: 'lead deleted' });
    await seedJob(db, leadRef(), { status: 'dead', lastError: 'lead deleted' });
    await seedCbsTable(db, '83583NED', new Date(Date.now() - 2 * 86400_000));
    await seedRefreshRun(db, 'ok', new Date(Date.now() - 3600_000));

    // Built after the seeding, as a process starting on this database would be (its collectors read it per scrape).
    const service = await createTestService(database, testConfig({ ADMIN_TOKEN: 'admin-token-for-tests-0123456789' }));
    stops.push(() => service.runtime.stop());
    const deps = service.deps;
    deps.metrics.crmRateLimited.inc({ crm: 'hubspot', policy: 'TEN_SECONDLY_ROLLING' });
    const res = await createApp(deps).request('/metrics');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);

    const families = parsePrometheusText(body.text.slice(4)); // bodyOf prefixes the status
    for (const name of [
      'verrijk_webhooks_received_total',
      'verrijk_webhooks_rejected_total',
      'verrijk_jobs',
      'verrijk_jobs_finished_total',
      'verrijk_queue_oldest_age_seconds',
      'verrijk_crm_requests_total',
      'verrijk_crm_429_total',
      'verrijk_rate_limiter_wait_seconds',
      'verrijk_cbs_table_age_seconds',
      'verrijk_cbs_last_refresh_success',
      'verrijk_cbs_last_refresh_timestamp_seconds',
      'verrijk_enrichment_duration_seconds',
    ]) {
      expect(families.get(name)?.type, name).toBeTruthy();
    }
    expect(sampleValue(families, 'verrijk_jobs', { status: 'dead' })).toBe(2);
    expect(sampleValue(families, 'verrijk_jobs', { status: 'queued' })).toBe(2);
    expect(sampleValue(families, 'verrijk_jobs', { status: 'running' })).toBe(0);
    const age = sampleValue(families, 'verrijk_queue_oldest_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(20 * 60 - 5);
    expect(age).toBeLessThan(25 * 60);
    const tableAge = sampleValue(families, 'verrijk_cbs_table_age_seconds', { table: '83583NED' })!;
    expect(tableAge).toBeGreaterThanOrEqual(2 * 86400 - 5);
    expect(sampleValue(families, 'verrijk_cbs_last_refresh_success')).toBe(1);
    expect(sampleValue(families, 'verrijk_crm_429_total', { crm: 'hubspot' })).toBe(1);

    // A later failure flips the gauge.
    await seedRefreshRun(db, 'failed', new Date());
    const again = parsePrometheusText(await (await createApp(deps).request('/metrics')).text());
    expect(sampleValue(again, 'verrijk_cbs_last_refresh_success')).toBe(0);
  });
});
