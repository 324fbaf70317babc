import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_RECHECK_MS, SETUP_WAIT_PREFIX } from '../../../src/crm/hubspot/missing-properties.js';
import { jobs as jobsTable } from '../../../src/db/schema.js';
import { CARD_FIELDS } from '../../../src/enrich/types.js';
import { finishJobs } from '../../../src/jobs/queue.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobOutcome } from '../../../src/jobs/types.js';
import { jobsWaitingForSetup, setupReadiness } from '../../../src/ops/crm-setup.js';
import { memoryLogger, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { cbsProperties, type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { hubspotPaths } from '../../../src/crm/hubspot/paths.js';
import { crmKit, hubspotMatrix, makeJobs, realEnrichment, uniqueAccount } from '../../support/crm.js';

/**
 * A HubSpot account whose admin never ran `crm:ensure`: the write path creates
 * the mapped properties on first contact, or, when the token may not, the
 * jobs wait with a clear reason instead of dying.
 */

const TOKEN = 'pat-eu1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const enrichment = realEnrichment();
const ALL_SCOPES = ['crm.objects.companies.read', 'crm.objects.companies.write', 'crm.objects.contacts.read', 'crm.objects.contacts.write'];

describe.each(hubspotMatrix)('HubSpot write-back without the properties on %s, API %s', (flavour, version) => {
  const paths = hubspotPaths(version);
  let database: TestDatabase;
  let hubspot: FakeHubspot | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(async () => {
    await hubspot?.close();
    hubspot = undefined;
  });

  const signal = new AbortController().signal;
  const ref = (accountId: string, objectType: 'company' | 'contact', objectId: string) => ({ source: 'hubspot' as const, accountId, objectType, objectId });
  const text = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);
  function pipeline(fake: FakeHubspot, logs = memoryLogger()) {
    const config = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: fake.url, HUBSPOT_API_VERSION: version });
    const kit = crmKit(database, config, logs.logger());
    return createPipeline({ database, config, enrichment, ...kit });
  }
  const posts = (fake: FakeHubspot, path: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === path).length;

  it('the fake answers a write naming a missing property as HubSpot does: 400 VALIDATION_ERROR with PROPERTY_DOESNT_EXIST', async () => {
    hubspot = await startFakeHubspot({ token: TOKEN, ensured: false });
    hubspot.seed('company', '1', { name: 'X' });
    const res = await fetch(`${hubspot.url}${paths.object('companies', '1')}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { cbs_sbi_code: '62.01' } }),
    });
    const body = (await res.json()) as { category: string; message: string };
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toContain('"error":"PROPERTY_DOESNT_EXIST"');
    expect(body.message).toContain('"name":"cbs_sbi_code"');
  });

  it('creates the missing properties once per account, under the limiter, and writes every card on first contact', async () => {
    hubspot = await startFakeHubspot({ token: TOKEN, ensured: false });
    const account = uniqueAccount('noprops');
    for (const id of ['11', '12', '13']) hubspot.seed('company', id, { name: `Bedrijf ${id} B.V.`, sbi_code: '6201', numberofemployees: '25', zip: '1011 AB' });
    hubspot.seed('contact', '21', { company: 'Bakkerij B.V.', sbi_code: '10.71', numemployees: '25-50', zip: '3511 AB' });
    const run = pipeline(hubspot);

    // A batch of three companies (batch update refused whole) and one contact (PATCH refused).
    const batch = await makeJobs(database, [ref(account, 'company', '11'), ref(account, 'company', '12'), ref(account, 'company', '13'), ref(account, 'contact', '21')]);
    const outcomes = await run(batch, signal);
    for (const job of batch) expect(outcomes.get(job.id)?.kind, text(outcomes)).toBe('done');
    for (const key of ['company:11', 'company:12', 'company:13', 'contact:21']) {
      expect(Object.keys(cbsProperties(hubspot.cards.get(key)!)).sort(), key).toEqual([...CARD_FIELDS].sort());
    }
    for (const segment of ['companies', 'contacts']) {
      expect(hubspot.groups.get(segment)?.has('verrijk')).toBe(true);
      for (const f of CARD_FIELDS) expect(hubspot.properties.get(segment)?.has(f), `${segment}.${f}`).toBe(true);
      expect(posts(hubspot, paths.properties(segment))).toBe(CARD_FIELDS.length);
    }

    // Once per account: the next lead is written without a single property request.
    const propertyCalls = hubspot.requests.filter((r) => r.path.startsWith(paths.properties(''))).length;
    hubspot.seed('company', '14', { name: 'Nog een B.V.', sbi_code: '4711' });
    const [next] = await makeJobs(database, [ref(account, 'company', '14')]);
    expect((await run([next], signal)).get(next.id)?.kind).toBe('done');
    expect(hubspot.requests.filter((r) => r.path.startsWith(paths.properties(''))).length).toBe(propertyCalls);
  });

  it('without the schema scope: one log line, the jobs wait (not dead), readiness warns; written once the properties exist', async () => {
    hubspot = await startFakeHubspot({ token: TOKEN, ensured: false, scopes: ALL_SCOPES });
    const account = uniqueAccount('noscope');
    hubspot.seed('company', '31', { name: 'Zonder Scope B.V.', sbi_code: '6201' });
    hubspot.seed('company', '32', { name: 'Ook Zonder B.V.', sbi_code: '4120' });
    const logs = memoryLogger();
    const run = pipeline(hubspot, logs);

    const jobs = await makeJobs(database, [ref(account, 'company', '31')]);
    const before = Date.now();
    const first = await run(jobs, signal);
    const outcome = first.get(jobs[0].id)!;
    expect(outcome, text(first)).toMatchObject({ kind: 'retry' });
    if (outcome.kind !== 'retry') throw new Error('unreachable');
    expect(outcome.error.startsWith(SETUP_WAIT_PREFIX)).toBe(true);
    expect(outcome.error).toContain('crm.schemas.companies.write');
    expect(outcome.error).toContain('crm:ensure');
    expect(outcome.notBefore!.getTime()).toBeGreaterThanOrEqual(before + SETUP_RECHECK_MS - 1000);

    // The queue keeps it waiting, and says so where an operator looks.
    const [job] = await database.db.update(jobsTable).set({ status: 'running', lockedBy: 'w', attempts: 1 }).where(eq(jobsTable.id, jobs[0].id)).returning();
    const finished = await finishJobs(database.db, [{ job, outcome }], 'w');
    expect(finished.get(job.id)?.status).toBe('queued');
    const waits = (await jobsWaitingForSetup(database.db)).filter((w) => w.accountId === account);
    expect(waits).toEqual([expect.objectContaining({ source: 'hubspot', jobs: 1, error: expect.stringContaining('crm.schemas.companies.write') })]);
    const ready = await setupReadiness(database.db);
    expect(ready).toMatchObject({ ok: true, warning: true, detail: expect.stringContaining(account) });

    // A second lead of the same account: refused from the remembered answer, no second log line.
    const [second] = await makeJobs(database, [ref(account, 'company', '32')]);
    const propertyPostsBefore = hubspot.requests.filter((r) => r.method === 'POST' && r.path.startsWith(paths.properties(''))).length;
    expect((await run([second], signal)).get(second.id)).toMatchObject({ kind: 'retry', error: expect.stringContaining(SETUP_WAIT_PREFIX) });
    expect(hubspot.requests.filter((r) => r.method === 'POST' && r.path.startsWith(paths.properties(''))).length).toBe(propertyPostsBefore);
    expect(logs.lines.filter((l) => l.includes('crm.schemas.companies.write') && l.includes('"level":"error"')).length, logs.lines.join('\n')).toBe(1);

    // Someone runs crm:ensure with a token that may (here: the properties appear); the next attempt writes.
    hubspot.groups.get('companies')!.add('verrijk');
    for (const f of CARD_FIELDS) hubspot.properties.get('companies')!.add(f);
    const [retry] = await makeJobs(database, [ref(account, 'company', '31')]);
    expect((await run([retry], signal)).get(retry.id)?.kind).toBe('done');
    expect(cbsProperties(hubspot.cards.get('company:31')!).cbs_sbi_code).toBe('62100');
  });
});
