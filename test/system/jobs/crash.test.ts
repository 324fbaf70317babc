import { describe, expect, it } from 'vitest';
import { enrichments } from '../../../src/db/schema.js';
import { TEST_POSTGRES_URL } from '../../support/db.js';
import { spawnService } from '../../support/spawn-service.js';
import { FINAL, jobsForWebhooks, sendAll, serviceEnv, useServiceDatabase, waitUntil } from '../../support/service-kit.js';

/**
 * Crash safety with the real process: acknowledged webhooks survive a SIGKILL
 * in the middle of intake and processing; after a restart each reaches a final state.
 */
describe.skipIf(!TEST_POSTGRES_URL)('crash safety (real service on PostgreSQL)', () => {
  const pg = useServiceDatabase();

  it('loses no acknowledged event when the service is killed with SIGKILL mid-flight', async () => {
    // One slow-ish worker so the queue is still busy when the kill comes.
    const env = serviceEnv(pg.url, { WORKER_CONCURRENCY: '1', JOB_BATCH_SIZE: '1' });
    const first = await spawnService(env);
    pg.services.push(first);
    const database = await pg.open();

    const ids = Array.from({ length: 400 }, (_, i) => `crash-${i}`);
    let killed: Promise<void> | undefined;
    const acked = await sendAll(first.url, ids, 16, (n) => {
      if (n === 150 && !killed) killed = first.kill();
    });
    await killed;
    expect(acked.length).toBeGreaterThanOrEqual(150);
    expect(acked.length).toBeLessThan(ids.length);

    const atKill = await jobsForWebhooks(database, acked);
    // Every acknowledged event was committed with its job before the 2xx.
    expect(atKill.events).toHaveLength(acked.length);
    expect(atKill.jobs).toHaveLength(acked.length);
    const unfinished = atKill.jobs.filter((j) => !FINAL.has(j.status)).length;
    expect(unfinished, 'the kill should interrupt work in progress').toBeGreaterThan(0);

    const second = await spawnService(serviceEnv(pg.url, { WORKER_CONCURRENCY: '4' }));
    pg.services.push(second);
    await waitUntil(async () => (await jobsForWebhooks(database, acked)).jobs.every((j) => FINAL.has(j.status)), 40_000, 'every acknowledged job final');
    const after = await jobsForWebhooks(database, acked);
    expect(after.jobs.map((j) => j.status).filter((s) => s !== 'done')).toEqual([]);
    // Exactly one enrichment per acknowledged lead (dry run: no CRM configured), none twice.
    const rows = await database.db.select().from(enrichments);
    const perLead = new Map<string, number>();
    for (const r of rows) perLead.set(r.leadKey, (perLead.get(r.leadKey) ?? 0) + 1);
    for (const id of acked) expect(perLead.get(`generic:default:lead:${id}`) ?? 0, id).toBeGreaterThanOrEqual(1);
    expect(await second.stop()).toBe(0);
  }, 60_000);
});
