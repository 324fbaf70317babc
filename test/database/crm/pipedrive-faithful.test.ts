import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING } from '../../../src/crm/mapping.js';
import { enrichments, jobs } from '../../../src/db/schema.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobOutcome } from '../../../src/jobs/types.js';
import { createWorkerPool } from '../../../src/jobs/worker.js';
import { createLogger } from '../../../src/logger.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakePipedrive, type FakePipedriveOptions, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount } from '../../support/crm.js';

/** Issue 16 against the faithful fake Pipedrive: the daily token budget, the 429 → 403 escalation, field types. */

const TOKEN = 'pipedrive-faithful-token-0123456789';
const enrichment = realEnrichment();
const signal = new AbortController().signal;
const text = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);
const org = (accountId: string, objectId: string) => ({ source: 'pipedrive' as const, accountId, objectType: 'organization', objectId });

describe.each(flavours)('Pipedrive as documented on %s', (flavour) => {
  let database: TestDatabase;
  const fakes: FakePipedrive[] = [];
  const fake = async (opts: FakePipedriveOptions = {}) => {
    const f = await startFakePipedrive({ token: TOKEN, ...opts });
    fakes.push(f);
    return f;
  };
  const kitFor = (pipedrive: FakePipedrive, env: Record<string, string> = {}) => {
    const config = testConfig({ PIPEDRIVE_API_TOKEN: TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url, ...env });
    const kit = crmKit(database, config);
    return { kit, config, run: createPipeline({ database, config, enrichment, ...kit }) };
  };
  beforeAll(async () => {
    database = await createTestDatabase(flavour, { poolSize: 10 });
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await database?.drop();
  });

  it('when the daily token budget runs out mid-run, jobs wait for the reset and none dies', async () => {
    // A 4 s "day" and a budget for about five leads a day (a read costs 2 tokens, the field list 20, a write 10).
    const pipedrive = await fake({ dailyBudget: 80, dayMs: 4_000, limit: 20, windowMs: 2_000 });
    for (const name of Object.values(DEFAULT_MAPPING.pipedrive)) pipedrive.addField(name);
    const ids = Array.from({ length: 12 }, (_, i) => 400 + i);
    for (const id of ids) pipedrive.seedOrganization(id, `Budget ${id} B.V.`);
    const { run } = kitFor(pipedrive, { PIPEDRIVE_BUDGET_PROBE_MS: '1000' });
    const account = uniqueAccount('budget');
    const batch = await makeJobs(database, ids.map((id) => org(account, String(id))));
    const pool = createWorkerPool({ database, processor: run, concurrency: 2, batchSize: 3, leaseMs: 10_000, pollMs: 100, logger: createLogger({ level: 'silent' }), backoff: { baseMs: 200, capMs: 1_000 } });
    pool.start();
    const jobIds = batch.map((j) => j.id);
    const until = Date.now() + 45_000;
    let rows = await database.db.select().from(jobs).where(inArray(jobs.id, jobIds));
    while (Date.now() < until && rows.some((r) => r.status === 'queued' || r.status === 'running')) {
      await new Promise((r) => setTimeout(r, 200));
      rows = await database.db.select().from(jobs).where(inArray(jobs.id, jobIds));
    }
    await pool.stop();
    // A lead written just before the budget ran out is found unchanged on its next attempt: skipped, not lost.
    const finished = rows.map((r) => (r.status === 'skipped' && (r.outcome as { reason?: string })?.reason === 'unchanged' ? 'done' : r.status));
    expect(finished, JSON.stringify(rows.map((r) => [r.id, r.status, r.attempts, r.lastError]))).toEqual(ids.map(() => 'done'));
    for (const id of ids) expect(String(pipedrive.customByName(id)['CBS version'] ?? '')).not.toBe('');
    // Waiting, not hammering: a few probes per reset, never Cloudflare's 403.
    expect(pipedrive.count(403)).toBe(0);
    expect(pipedrive.count(429)).toBeLessThan(30);
    expect(rows.every((r) => r.attempts <= 2), 'waiting for the budget costs no attempts').toBe(true);
  }, 60_000);

  it("Cloudflare's 403 after a 429 storm is a pause, not an auth failure", async () => {
    const pipedrive = await fake({ escalateAfter: 3, escalateWindowMs: 10_000, blockMs: 3_000 });
    pipedrive.seedOrganization(501, 'Geblokkeerd B.V.');
    // Another integration on the same token keeps going despite its 429s.
    pipedrive.fail({ status: 429, times: 3 });
    for (let i = 0; i < 3; i++) await fetch(`${pipedrive.url}/api/v2/organizations/501`, { headers: { 'x-api-token': TOKEN } }).then((r) => r.arrayBuffer());
    const { run } = kitFor(pipedrive);
    const [job] = await makeJobs(database, [org(uniqueAccount('cf'), '501')]);
    const outcomes = await run([job], signal);
    const outcome = outcomes.get(job.id) as Extract<JobOutcome, { kind: 'retry' }>;
    expect(outcome.kind, text(outcomes)).toBe('retry');
    expect(outcome.notBefore!.getTime()).toBeGreaterThan(Date.now());
    expect(outcome.error).toMatch(/403/);
    expect(pipedrive.count(403)).toBe(1);
  });

  it('writes each field in its type and reads options by id, multi-option fields included', async () => {
    const pipedrive = await fake();
    const sbiKey = pipedrive.addField('SBI code', 'enum', [{ id: 31, label: '62.01' }, { id: 32, label: '47.11' }]);
    const brancheKey = pipedrive.addField('Branche', 'set', [{ id: 41, label: 'Software' }, { id: 42, label: 'IT consultancy' }]);
    const empKey = pipedrive.addField('Aantal medewerkers', 'double');
    pipedrive.addField('CBS SBI code', 'double');
    pipedrive.addField('CBS size class', 'enum', [{ id: 7, label: '10 tot 50 werkzame personen' }, { id: 8, label: '0 tot 10 werkzame personen' }]);
    // The card answers in SBI 2025 (issue 22): 62.01 is 62100 in section K, its long title cut as the card writes it.
    pipedrive.addField('CBS sector', 'set', [{ id: 9, label: 'K Telecommunicatie, computerprogrammering en consultancy, informatica-infrastructuur en overige …' }]);
    pipedrive.addField('CBS enriched at', 'date');
    pipedrive.seedOrganization(601, 'Typen B.V.', { [sbiKey]: 31, [brancheKey]: [41, 42], [empKey]: 38 });
    const { run } = kitFor(pipedrive);
    const [job] = await makeJobs(database, [org(uniqueAccount('types'), '601')]);
    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id), text(outcomes)).toMatchObject({ kind: 'done', detail: { writeStatus: 'written' } });
    const custom = pipedrive.customByName(601);
    expect(custom['CBS SBI code']).toBe(62100);
    expect(custom['CBS size class']).toBe(7);
    expect(custom['CBS sector']).toEqual([9]);
    expect(custom['CBS enriched at']).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(String(custom['CBS SBI title'])).toContain('computerprogramma');
    const [row] = await database.db.select().from(enrichments).where(eq(enrichments.jobId, job.id));
    expect((row.result as { input: Record<string, unknown> }).input).toMatchObject({ sbi: '62.01', industry: 'Software, IT consultancy', employees: '38' });
    // Read back by option id: the next run sees the same values and writes nothing.
    const [again] = await makeJobs(database, [org(job.accountId, '601')]);
    expect((await run([again], signal)).get(again.id)).toMatchObject({ kind: 'skipped', reason: 'unchanged' });
  });

  it('refuses a mapped field of a type it cannot write, at start, naming the field', async () => {
    const pipedrive = await fake();
    pipedrive.addField('CBS period', 'user');
    pipedrive.seedOrganization(701, 'Verkeerd Type B.V.');
    const { run, kit } = kitFor(pipedrive);
    await expect(kit.crm.adapter('pipedrive')!.ensureProperties(uniqueAccount('refuse'))).rejects.toThrow(/"CBS period".*user/);
    const [job] = await makeJobs(database, [org(uniqueAccount('refuse'), '701')]);
    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id), text(outcomes)).toMatchObject({ kind: 'dead' });
    expect((outcomes.get(job.id) as { error: string }).error).toMatch(/"CBS period".*user/);
    expect(pipedrive.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('a value with no matching dropdown option fails that lead only, naming field and value', async () => {
    const pipedrive = await fake();
    pipedrive.addField('CBS size class', 'enum', [{ id: 8, label: '0 tot 10 werkzame personen' }]);
    pipedrive.addField('SBI code');
    const sbi = pipedrive.fieldKey('SBI code')!;
    const emp = pipedrive.addField('Employees', 'double');
    pipedrive.seedOrganization(801, 'Klein B.V.', { [sbi]: '47.11', [emp]: 4 });
    pipedrive.seedOrganization(802, 'Middel B.V.', { [sbi]: '62.01', [emp]: 38 });
    const { run } = kitFor(pipedrive);
    const account = uniqueAccount('option');
    const batch = await makeJobs(database, [org(account, '801'), org(account, '802')]);
    const outcomes = await run(batch, signal);
    expect(batch.map((j) => outcomes.get(j.id)?.kind), text(outcomes)).toEqual(['done', 'dead']);
    const error = (outcomes.get(batch[1].id) as { error: string }).error;
    expect(error).toContain('"CBS size class"');
    expect(error).toContain('10 tot 50 werkzame personen');
    expect(String(pipedrive.customByName(801)['CBS size class'])).toBe('8');
  });
});
