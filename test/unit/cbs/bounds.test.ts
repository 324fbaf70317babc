import { afterEach, describe, expect, it } from 'vitest';
import { CbsInvalidResponseError, createCbsClient } from '../../../src/cbs/client.js';
import { CbsFetchError } from '../../../src/cbs/http.js';
import { tableInfoRowSchema } from '../../../src/cbs/odata-schemas.js';
import { createPageGuard } from '../../../src/cbs/paging.js';
import { createCbsV4Client, v4DimensionSchema } from '../../../src/cbs/v4-client.js';
import { type HostileCbs, startHostileCbs } from '../../support/fakes/cbs-hostile.js';

/**
 * Review 2026-12, M1 (the CBS client reads without bounds) and L8 (nextLink
 * checks ignore the scheme), against a loopback CBS that misbehaves on purpose.
 */

const FAST_RETRY = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 };
const open: Array<{ close(): Promise<void> }> = [];
async function hostile(...args: Parameters<typeof startHostileCbs>): Promise<HostileCbs> {
  const server = await startHostileCbs(...args);
  open.push(server);
  return server;
}
function v3(url: string, extra: Partial<Parameters<typeof createCbsClient>[0]> = {}) {
  const client = createCbsClient({ baseUrl: url, retry: FAST_RETRY, ...extra });
  open.unshift(client);
  return client;
}
function v4(url: string, extra: Partial<Parameters<typeof createCbsV4Client>[0]> = {}) {
  const client = createCbsV4Client({ baseUrl: url, retry: FAST_RETRY, ...extra });
  open.unshift(client);
  return client;
}
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function failure(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value).slice(0, 300)}`);
  return outcome.err as Error;
}

describe('answer size', () => {
  it('refuses an answer above maxBytes while it streams, once (not retried), without reading it whole', async () => {
    const server = await hostile('huge', { bytes: 48 * 1024 * 1024 });
    const err = await failure(v3(server.url, { maxBytes: 1024 * 1024 }).apiSet('T', 'TableInfos', tableInfoRowSchema));
    expect(err, err.message).toBeInstanceOf(CbsFetchError);
    expect(err.message).toMatch(/larger than 1048576 bytes/);
    expect(server.requests).toHaveLength(1);
    // The client hung up long before the 48 MB were written (socket buffers aside).
    expect(server.bytesSent()).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a declared Content-Length above maxBytes before reading the body', async () => {
    const server = await hostile('hugeDeclared', { bytes: 48 * 1024 * 1024 });
    const err = await failure(v4(server.url, { maxBytes: 1024 * 1024 }).collection('T', 'Dimensions', v4DimensionSchema));
    expect(err.message).toMatch(/Content-Length 50331648/);
    expect(server.requests).toHaveLength(1);
  });

  it('drains a large error page without buffering it, and retries it as a 500', async () => {
    const server = await hostile('hugeError', { bytes: 48 * 1024 * 1024 });
    const err = await failure(v3(server.url, { maxBytes: 1024 * 1024 }).apiSet('T', 'TableInfos', tableInfoRowSchema));
    expect(err.message).toMatch(/HTTP 500/);
    expect(server.requests).toHaveLength(4);
    expect(server.bytesSent()).toBeLessThan(4 * 16 * 1024 * 1024);
  });
});

describe('paging', () => {
  it('v3: stops at a nextLink that points at the page just read', async () => {
    const server = await hostile('loop');
    const err = await failure(v3(server.url).apiSet('T', 'Perioden', tableInfoRowSchema.partial()));
    expect(err, err.message).toBeInstanceOf(CbsInvalidResponseError);
    expect(err.message).toMatch(/repeats a page already read/);
    expect(server.requests).toHaveLength(1);
  });

  it('v4: stops at a repeated @odata.nextLink', async () => {
    const server = await hostile('loop');
    const err = await failure(v4(server.url).collection('T', 'Dimensions', v4DimensionSchema.partial()));
    expect(err.message).toMatch(/repeats a page already read/);
    expect(server.requests).toHaveLength(1);
  });

  it('stops an endless chain of new pages at the page cap', async () => {
    const server = await hostile('endless');
    const err = await failure(v3(server.url, { maxPages: 25 }).apiSet('T', 'Perioden', tableInfoRowSchema.partial()));
    expect(err.message).toMatch(/more than 25 pages/);
    expect(server.requests).toHaveLength(25);
    const v4err = await failure(v4(server.url, { maxRows: 10 }).collection('T', 'Dimensions', v4DimensionSchema.partial()));
    expect(v4err.message).toMatch(/more than 10 rows/);
  });
});

describe('time', () => {
  it('ends a request whose body trickles in, at its overall deadline, however often bytes arrive', async () => {
    const server = await hostile('drip', { dripMs: 50 });
    const err = await failure(v3(server.url, { requestDeadlineMs: 400, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } }).apiSet('T', 'TableInfos', tableInfoRowSchema));
    expect(err, err.message).toBeInstanceOf(CbsFetchError);
    expect(server.requests).toHaveLength(2);
  });

  it("stops at once, without retrying, when the caller's signal ends (the refresh run's deadline)", async () => {
    const server = await hostile('drip', { dripMs: 50 });
    const stop = new AbortController();
    const pending = failure(v3(server.url, { signal: stop.signal }).apiSet('T', 'TableInfos', tableInfoRowSchema));
    setTimeout(() => stop.abort(new Error('deadline of the test run')), 300);
    const err = await pending;
    expect(err.message).toMatch(/stopped: deadline of the test run/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('L8: nextLink origin', () => {
  it('refuses a nextLink to the same host and port over another scheme, before requesting it', async () => {
    const server = await hostile('otherScheme');
    const err = await failure(v3(server.url).apiSet('T', 'Perioden', tableInfoRowSchema.partial()));
    expect(err, err.message).toBeInstanceOf(CbsInvalidResponseError);
    expect(err.message).toMatch(/leaves http:\/\/127\.0\.0\.1/);
    expect(server.requests).toHaveLength(1);
    const v4err = await failure(v4(server.url).collection('T', 'Dimensions', v4DimensionSchema.partial()));
    expect(v4err.message).toMatch(/@odata.nextLink leaves/);
  });

  it('an https base never follows a cleartext link (scheme, host and port must all match)', () => {
    const guard = createPageGuard('https://opendata.cbs.nl/ODataApi', 'odata.nextLink');
    const here = 'https://opendata.cbs.nl/ODataFeed/odata/T/TypedDataSet';
    expect(guard.problem(here, 1, 1, 'http://opendata.cbs.nl/ODataFeed/odata/T/TypedDataSet?$skip=1')).toMatch(/leaves https:\/\/opendata.cbs.nl/);
    expect(guard.problem(here, 1, 1, 'https://opendata.cbs.nl:8443/x')).toMatch(/leaves/);
    expect(guard.problem(here, 1, 1, 'https://OPENDATA.cbs.nl/ODataFeed/odata/T/TypedDataSet?$skip=1')).toBeUndefined();
  });
});
