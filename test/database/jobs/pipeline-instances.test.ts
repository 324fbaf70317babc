import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/db/client.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobRow } from '../../../src/jobs/types.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount } from '../../support/crm.js';
import { startFakeGenericCrm, type FakeGenericCrm } from '../../support/fakes/generic-crm-server.js';

const TOKEN = 'generic-two-instances-token-xyz';

/**
 * Two app instances (two pipelines, two limiters, on PostgreSQL two separate
 * connection pools) share one database and one CRM allowing 20 requests per
 * rolling 2 s. Together they must never exceed it.
 */
describe.each(flavours)('two instances, one CRM, on %s', (flavour) => {
  let database: TestDatabase;
  let second: Database;
  let crm: FakeGenericCrm;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    // PGlite in memory cannot be opened twice: there both instances share the handle (and still each have their own limiter).
    second = flavour === 'postgres' ? await openDatabase({ url: database.url, poolSize: 5 }) : database;
    crm = await startFakeGenericCrm({ token: TOKEN, limit: 20, windowMs: 2_000 });
  });
  afterAll(async () => {
    await crm?.close();
    if (second && second !== database) await second.close();
    await database?.drop();
  });

  it('never goes over 20 requests in any 2 s window, and every lead is written', async () => {
    const account = uniqueAccount('two');
    const ids = Array.from({ length: 30 }, (_, i) => `L-${i}`);
    for (const id of ids) crm.seed(id, { company: `Bedrijf ${id}`, sbi: '6201', employees: 25 });
    const config = testConfig({ GENERIC_CRM_URL: crm.url, GENERIC_CRM_TOKEN: TOKEN, CRM_RATE_LIMIT: '20/2s' });
    const instances = [database, second].map((db) => createPipeline({ database: db, config, enrichment: realEnrichment(), ...crmKit(db, config) }));
    const jobs = await makeJobs(database, ids.map((objectId) => ({ source: 'generic', accountId: account, objectType: 'lead', objectId })));

    // Each instance works its half one job at a time, two workers each, all at once.
    const halves: JobRow[][] = [jobs.filter((_, i) => i % 2 === 0), jobs.filter((_, i) => i % 2 === 1)];
    const worker = async (run: (typeof instances)[number], queue: JobRow[]) => {
      const kinds: string[] = [];
      for (let job = queue.shift(); job; job = queue.shift()) {
        const outcomes = await run([job], new AbortController().signal);
        const o = outcomes.get(job.id);
        kinds.push(o?.kind === 'done' ? 'done' : JSON.stringify(o ?? 'missing'));
      }
      return kinds;
    };
    const results = await Promise.all([
      worker(instances[0], halves[0]),
      worker(instances[0], halves[0]),
      worker(instances[1], halves[1]),
      worker(instances[1], halves[1]),
    ]);
    expect(results.flat().filter((k) => k !== 'done')).toEqual([]);
    expect(crm.requests.length).toBe(60);
    expect(crm.count(429)).toBe(0);
    expect(crm.maxInAnyWindow(2_000)).toBeLessThanOrEqual(20);
    expect(ids.every((id) => typeof crm.cards.get(id)?.cbs_version === 'string')).toBe(true);
  });
});
