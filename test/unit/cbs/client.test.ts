import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CbsInvalidResponseError, createCbsClient } from '../../../src/cbs/client.js';
import { CbsFetchError } from '../../../src/cbs/http.js';
import { loadTable } from '../../../src/cbs/loader.js';
import { dataRowSchema } from '../../../src/cbs/odata-schemas.js';
import { loadBundledSnapshot } from '../../../src/cbs/snapshot.js';
import { type FakeCbs, type FakeRequest, startFakeCbs } from '../../support/fakes/cbs-server.js';

const FAST_RETRY = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 };
const typedPages = (r: FakeRequest) => r.api === 'ODataFeed' && r.entitySet === 'TypedDataSet';

let fake: FakeCbs;
const clients: Array<{ close(): Promise<void> }> = [];
const client = (extra: Parameters<typeof createCbsClient>[0] extends infer O ? Partial<O> : never = {}) => {
  const c = createCbsClient({ baseUrl: fake.url, retry: FAST_RETRY, ...extra });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  fake = await startFakeCbs();
});
afterEach(async () => {
  fake.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await fake.close();
});

describe('ODataFeed paging', () => {
  it('follows the real two-page 83599NED feed to its end, using the nextLink verbatim', async () => {
    const pages: number[] = [];
    const rows = await client().feedSet('83599NED', 'UntypedDataSet', dataRowSchema, (p) => pages.push(p.rows));
    expect(pages).toEqual([10_000, 5_504]);
    expect(rows).toHaveLength(15_504);
    const feed = fake.requests.filter((r) => r.api === 'ODataFeed');
    expect(feed.map((r) => r.url)).toEqual([
      '/ODataFeed/odata/83599NED/UntypedDataSet?$format=json',
      // The recorded nextLink, host aside: capital OData, trailing slash, our $format kept once.
      '/ODataFeed/OData/83599NED/UntypedDataSet/?$format=json&$skip=10000',
    ]);
  });

  it('pages 83583NED at 2,000 rows and loads the same table the snapshot holds', async () => {
    fake.setPageSize(2000);
    const data = await loadTable(client(), '83583NED');
    const [snapshot] = await loadBundledSnapshot(['83583NED']);
    expect(fake.count(typedPages)).toBe(4);
    for (const r of fake.requests.filter(typedPages)) expect(r.url.match(/\$format/g)).toHaveLength(1);
    expect(data.rows).toHaveLength(7440);
    expect(data.rows).toEqual(snapshot.rows);
    expect(data.dimensions).toEqual(snapshot.dimensions);
    expect(data.dataProperties).toEqual(snapshot.dataProperties);
    expect(data.info.modified).toBe('2020-11-19T02:00:00');
  });

  it('loads another table with other dimensions and an empty CategoryGroups (80137ned) the same way', async () => {
    const data = await loadTable(client(), '80137ned');
    expect(Object.keys(data.dimensions)).toEqual(['Persoonskenmerken', 'BedrijfstakkenSBI93', 'Perioden']);
    expect(data.rows).toHaveLength(675);
    expect(data.categoryGroups).toEqual([]);
    expect(data.dimensions.Persoonskenmerken[0]).toMatchObject({ key: '1 ', keyTrimmed: '1', title: 'Totaal' });
    expect(data.dataProperties.some((p) => p.type === 'TopicGroup')).toBe(true);
  });
});

describe('retries and resume', () => {
  it('retries a page whose connection was reset mid-body without refetching earlier pages', async () => {
    fake.setPageSize(2000);
    fake.failNext(1, 'resetMidBody', (r) => typedPages(r) && r.page === 3);
    const data = await loadTable(client(), '83583NED');
    expect(data.rows).toHaveLength(7440);
    expect(fake.requests.filter(typedPages).map((r) => r.page)).toEqual([1, 2, 3, 3, 4]);
  });

  it('retries resets after headers, before headers and 500s', async () => {
    fake.setPageSize(2000);
    fake.failNext(1, 'resetAfterHeaders', (r) => typedPages(r) && r.page === 2);
    fake.failNext(1, 'resetBeforeHeaders', (r) => typedPages(r) && r.page === 4);
    fake.failNext(2, 'error500', (r) => r.entitySet === 'DataProperties');
    const data = await loadTable(client(), '83583NED');
    expect(data.rows).toHaveLength(7440);
    expect(fake.requests.filter(typedPages).map((r) => r.page)).toEqual([1, 2, 2, 3, 4, 4]);
    expect(fake.count((r) => r.entitySet === 'DataProperties')).toBe(3);
  });

  it('gives up after the retry budget with an error naming the table and the URL', async () => {
    fake.failNext(10, 'error500', typedPages);
    const err = await loadTable(client(), '83583NED').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CbsFetchError);
    expect((err as Error).message).toContain('CBS table 83583NED');
    expect((err as Error).message).toContain(`${fake.url}/ODataFeed/odata/83583NED/TypedDataSet?$format=json`);
    expect((err as Error).message).toContain('4 attempts');
    expect(fake.count(typedPages)).toBe(4);
  });

  it('treats a slow answer as a timeout and retries it', async () => {
    // undici checks headersTimeout on a ~1 s timer wheel, so the answer must be later than that.
    fake.setDelay(2500);
    const c = client({ timeouts: { connectMs: 1000, headersMs: 50, bodyMs: 1000 }, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.catalogRecord('83583NED').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/HeadersTimeout|timeout/i);
    expect(fake.count((r) => r.api === 'catalog')).toBe(2);
  });
});

describe('refusing bad answers', () => {
  it('fails the load on a page that is not JSON, without retrying it', async () => {
    fake.setPageSize(2000);
    fake.failNext(1, 'garbage', (r) => typedPages(r) && r.page === 2);
    const err = await loadTable(client(), '83583NED').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CbsFetchError);
    expect((err as Error).message).toContain('not JSON');
    expect(fake.requests.filter(typedPages).map((r) => r.page)).toEqual([1, 2]);
  });

  it('fails the load on a page of the wrong shape', async () => {
    fake.setPageSize(2000);
    fake.failNext(1, 'malformed', (r) => typedPages(r) && r.page === 3);
    const err = await loadTable(client(), '83583NED').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CbsInvalidResponseError);
    expect((err as Error).message).toContain('83583NED');
    expect((err as Error).message).toContain('$skip=4000');
  });

  it('answers 404 for an unknown table once, without retries', async () => {
    const err = await client().apiSet('99999XYZ', 'TableInfos', dataRowSchema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CbsFetchError);
    expect((err as CbsFetchError).status).toBe(404);
    expect((err as Error).message).toContain('99999XYZ');
    expect(fake.requests).toHaveLength(1);
  });

  it('finds a table in the catalog with a padded-free Identifier filter and reports absent ones', async () => {
    const c = client();
    expect(await c.catalogRecord('83583NED')).toMatchObject({ Identifier: '83583NED', Modified: '2020-11-19T02:00:00', RecordCount: 7440 });
    expect(await c.catalogRecord('99999XYZ')).toBeUndefined();
    expect(fake.requests[0].url).toBe("/ODataCatalog/Tables?$format=json&$filter=Identifier%20eq%20%2783583NED%27");
  });
});
