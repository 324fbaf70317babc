import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { enrichments } from '../../../src/db/schema.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobOutcome, JobRow } from '../../../src/jobs/types.js';
import { testConfig } from '../../support/app.js';
import { cbsProperties } from '../../support/fakes/hubspot-server.js';
import { crmKit, hubspotMatrix, makeJobs, realEnrichment, uniqueAccount, useHubspotFake } from '../../support/crm.js';

/**
 * A HubSpot batch read that cannot return every record: the lead it could not read gets
 * an outcome of its own (dead when HubSpot says "not found", retried when the record is
 * just missing from the answer) and the rest of the batch is enriched as if nothing happened
 * (issue 17, item 6: this rule was broken on purpose and no test failed).
 */

const TOKEN = 'pat-eu1-batch-read-0000-1111-2222-333333333333';
const enrichment = realEnrichment();
const signal = new AbortController().signal;
const outcomeText = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);

/**
 * A loopback HubSpot that answers a batch read without saying why a record is absent:
 * it forwards to the fake and drops the `errors` of a 207 (v3) or of a 200 (2026-09): a
 * 200 with fewer results and no reason.
 */
async function startSilentBatchRead(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { authorization: String(req.headers.authorization ?? ''), 'content-type': 'application/json' },
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    let status = upstream.status;
    let text = await upstream.text();
    if (req.url?.endsWith('/batch/read') && (status === 207 || status === 200)) {
      const { errors: _dropped, numErrors: _n, ...rest } = JSON.parse(text) as Record<string, unknown>;
      status = 200;
      text = JSON.stringify(rest);
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [k, v] of upstream.headers) if (k.startsWith('x-hubspot-') || k === 'retry-after') headers[k] = v;
    res.writeHead(status, headers).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(hubspotMatrix)('HubSpot batch read with a record it cannot return, on %s, API %s', (flavour, version) => {
  const fakes = useHubspotFake(flavour, TOKEN);


  function pipelineAt(baseUrl: string) {
    const config = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: baseUrl, HUBSPOT_API_VERSION: version });
    return createPipeline({ database: fakes.database, config, enrichment, ...crmKit(fakes.database, config) });
  }
  const company = (accountId: string, objectId: string) => ({ source: 'hubspot' as const, accountId, objectType: 'company', objectId });
  const rowsOf = (batch: JobRow[]) =>
    fakes.database.db
      .select()
      .from(enrichments)
      .where(inArray(enrichments.jobId, batch.map((j) => j.id)));

  /** Seeds two of three companies; the middle one does not exist in HubSpot. */
  async function batchWithAHole(prefix: string) {
    const ids = [`${prefix}1`, `${prefix}2`, `${prefix}3`];
    fakes.hubspot.seed('company', ids[0], { name: 'Bakkerij Een', sbi_code: '10.71', numberofemployees: '8' });
    fakes.hubspot.seed('company', ids[2], { name: 'Software Drie', sbi_code: '62.01', numberofemployees: '40' });
    const accountId = uniqueAccount('batchread');
    const batch = await makeJobs(fakes.database, ids.map((id) => company(accountId, id)));
    return { ids, batch };
  }

  it('a record HubSpot reports not found (207 on v3, 200 + errors[] on 2026-09) is dead-lettered alone; the others are read and written in the same batch', async () => {
    const { ids, batch } = await batchWithAHole('7310');
    const readsBefore = fakes.hubspot.requests.filter((r) => r.path.endsWith('/batch/read')).length;

    const outcomes = await pipelineAt(fakes.hubspot.url)(batch, signal);

    expect(fakes.hubspot.requests.filter((r) => r.path.endsWith('/batch/read')).length - readsBefore, 'one batch read for all three').toBe(1);
    const read = fakes.hubspot.requests.filter((r) => r.path.endsWith('/batch/read')).at(-1)!;
    expect(read.path).toBe(version === 'v3' ? '/crm/v3/objects/companies/batch/read' : `/crm/objects/${version}/companies/batch/read`);
    expect(read.status, 'the answer shape of this version').toBe(version === 'v3' ? 207 : 200);
    expect(batch.map((j) => outcomes.get(j.id)?.kind), outcomeText(outcomes)).toEqual(['done', 'dead', 'done']);
    expect((outcomes.get(batch[1].id) as { error: string }).error).toMatch(/NOT_FOUND/);
    expect(cbsProperties(fakes.hubspot.cards.get(`company:${ids[0]}`)!).cbs_sbi_code).toBe('1071');
    expect(cbsProperties(fakes.hubspot.cards.get(`company:${ids[2]}`)!).cbs_sbi_code).toBe('62100');
    expect(fakes.hubspot.cards.has(`company:${ids[1]}`)).toBe(false);
    const rows = await rowsOf(batch);
    expect(rows.map((r) => `${r.objectId}:${r.writeStatus}`).sort()).toEqual([`${ids[0]}:written`, `${ids[2]}:written`]);
  });

  it('a record silently missing from the answer is retried alone; the others are written', async () => {
    const silent = await startSilentBatchRead(fakes.hubspot.url);
    try {
      const { ids, batch } = await batchWithAHole('7320');
      const outcomes = await pipelineAt(silent.url)(batch, signal);
      expect(batch.map((j) => outcomes.get(j.id)?.kind), outcomeText(outcomes)).toEqual(['done', 'retry', 'done']);
      expect((outcomes.get(batch[1].id) as { error: string }).error).toContain(ids[1]);
      expect(cbsProperties(fakes.hubspot.cards.get(`company:${ids[0]}`)!).cbs_sbi_code).toBe('1071');
      expect(cbsProperties(fakes.hubspot.cards.get(`company:${ids[2]}`)!).cbs_sbi_code).toBe('62100');
      const rows = await rowsOf(batch);
      expect(rows.map((r) => `${r.objectId}:${r.writeStatus}`).sort()).toEqual([`${ids[0]}:written`, `${ids[2]}:written`]);
    } finally {
      await silent.close();
    }
  });
});
