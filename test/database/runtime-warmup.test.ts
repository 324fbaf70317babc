import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdvisoryLock } from '../../src/db/advisory-lock.js';
import { enrichments, jobs } from '../../src/db/schema.js';
import { createLogger } from '../../src/logger.js';
import { type Runtime, buildRuntime } from '../../src/runtime.js';
import type { AppRouter } from '../../src/http/context.js';
import { bodyOf, createApp, testConfig } from '../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../support/db.js';
import { SECURITY_ENV, generic, unique } from '../support/signed.js';

/**
 * The service listens before its CBS data is loaded (src/runtime.ts): a webhook that comes
 * while the bundled snapshot is still going into the database is taken and recorded at once,
 * /readyz stays ready with a warning, and the lead is enriched, with the snapshot's figures,
 * once the load is done and the workers run. The load is held back by holding its own
 * advisory lock (`cbsBootstrap`, the one two starting instances share), so nothing is faked.
 */

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(flavours)('start-up on %s: webhooks before the CBS data', (flavour) => {
  let database: TestDatabase;
  let runtime: Runtime;
  let app: AppRouter;
  let release: () => void = () => {};
  let holding: Promise<unknown>;
  let starting: Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    // Another holder of the bootstrap lock: the runtime's load waits until it lets go.
    let held: () => void = () => {};
    const acquired = new Promise<void>((resolve) => (held = resolve));
    holding = withAdvisoryLock(database, 'cbsBootstrap', () => {
      held();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await acquired;
    const config = testConfig({ ...SECURITY_ENV, DRY_RUN: 'true', WORKER_CONCURRENCY: '1', JOB_POLL_MS: '50' });
    runtime = await buildRuntime(config, createLogger({ level: 'silent' }), { database });
    app = createApp(runtime.deps);
    starting = runtime.start();
  });
  afterAll(async () => {
    release();
    await holding;
    await starting?.catch(() => undefined);
    await runtime?.stop();
    await database?.drop();
  });

  it('takes and records a webhook while loading, says so on /readyz, and enriches the lead once loaded', async () => {
    const loading = await app.request('/readyz');
    const loadingBody = await bodyOf(loading);
    expect(loading.status, loadingBody.text).toBe(200);
    expect(loadingBody.json.checks).toContainEqual({ name: 'cbs', ok: true, warning: true, detail: expect.stringMatching(/^loading CBS data/) });

    const leadId = `warmup-${unique()}`;
    const res = await app.request(generic({ type: 'lead.created', lead: { id: leadId, company: 'Bakkerij Warm B.V.', sbi: '10.71', employees: 12, postcode: '3511 AB' } }));
    const accepted = await bodyOf(res);
    expect(res.status, accepted.text).toBe(200);
    expect(accepted.json, accepted.text).toMatchObject({ accepted: 1 });
    const [job] = await database.db.select().from(jobs).where(eq(jobs.objectId, leadId));
    expect(job, `no job recorded for ${leadId}`).toBeDefined();
    // Nothing is enriched while the data is held back: the workers have not started.
    await new Promise((r) => setTimeout(r, 300));
    const [still] = await database.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(still.status).toBe('queued');
    expect(await database.db.select().from(enrichments).where(eq(enrichments.jobId, job.id))).toEqual([]);

    release();
    await starting;
    const [row] = await until('the enrichment of the early webhook', async () => {
      const rows = await database.db.select().from(enrichments).where(eq(enrichments.jobId, job.id));
      return rows.length ? rows : undefined;
    });
    const result = row.result as { figures: Array<{ status: string; provenance: { source: string | null } }> };
    // Built from the loaded snapshot, not from an empty database: its figures are there.
    expect(result.figures.some((f) => f.status === 'available' && f.provenance.source === 'snapshot'), JSON.stringify(result.figures)).toBe(true);

    const ready = await app.request('/readyz');
    const readyBody = await bodyOf(ready);
    expect(ready.status, readyBody.text).toBe(200);
    const cbs = readyBody.json.checks.find((c: { name: string }) => c.name === 'cbs');
    expect(cbs, readyBody.text).toEqual({ name: 'cbs', ok: true, detail: expect.stringMatching(/^serving /) });
  });
});
