import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCbsClient } from '../../../src/cbs/client.js';
import { type FakeCbs, startFakeCbs } from '../../support/fakes/cbs-server.js';

/**
 * CBS's 503 and 429 may say when to come back, as seconds or as an HTTP-date
 * (RFC 9110 §10.2.3). The CBS client used to read only the seconds: a date was
 * ignored and the retry came back after the short backoff instead. The sleep
 * is recorded, not waited, so the delays are what the client would wait.
 */

let fake: FakeCbs;
const clients: Array<{ close(): Promise<void> }> = [];
const catalog = (r: { api: string }) => r.api === 'catalog';

/** A client whose retries are recorded instead of slept; the backoff alone would be ≤ 1 ms. */
function recordingClient(maxDelayMs = 60_000) {
  const delays: number[] = [];
  const c = createCbsClient({
    baseUrl: fake.url,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs },
    sleep: async (ms) => { delays.push(ms); },
  });
  clients.push(c);
  return { c, delays };
}

const inSeconds = (s: number) => () => new Date(Date.now() + s * 1000).toUTCString();

beforeAll(async () => { fake = await startFakeCbs(); });
afterEach(async () => {
  fake.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => { await fake?.close(); });

describe('Retry-After from CBS', () => {
  it('waits until the HTTP-date of a 503 before asking again', async () => {
    fake.failNext(1, 'unavailable503', catalog, inSeconds(30));
    const { c, delays } = recordingClient();
    expect(await c.catalogRecord('83583NED')).toMatchObject({ Identifier: '83583NED' });
    expect(fake.count(catalog)).toBe(2);
    // An HTTP-date has whole seconds: 30 s ahead is between 29 and 30 s once sent.
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(28_000);
    expect(delays[0]).toBeLessThanOrEqual(30_000);
  });

  it('waits until the HTTP-date of a 429 too', async () => {
    fake.failNext(1, 'throttled429', catalog, inSeconds(12));
    const { c, delays } = recordingClient();
    await c.catalogRecord('83583NED');
    expect(delays[0]).toBeGreaterThan(10_000);
    expect(delays[0]).toBeLessThanOrEqual(12_000);
  });

  it('waits the delay-seconds of a 429', async () => {
    fake.failNext(1, 'throttled429', catalog, () => '7');
    const { c, delays } = recordingClient();
    await c.catalogRecord('83583NED');
    expect(delays).toEqual([7_000]);
  });

  it('asks again at once when the date has passed, and never waits longer than the policy allows', async () => {
    fake.failNext(1, 'unavailable503', catalog, () => new Date(Date.now() - 60_000).toUTCString());
    fake.failNext(1, 'unavailable503', catalog, inSeconds(3600));
    const { c, delays } = recordingClient(20_000);
    await c.catalogRecord('83583NED');
    expect(delays).toEqual([0, 20_000]);
  });

  it('falls back to the backoff when Retry-After is missing or malformed', async () => {
    fake.failNext(1, 'unavailable503', catalog);
    fake.failNext(1, 'unavailable503', catalog, () => 'soon');
    const { c, delays } = recordingClient();
    await c.catalogRecord('83583NED');
    expect(delays).toHaveLength(2);
    for (const d of delays) expect(d).toBeLessThanOrEqual(2);
  });
});
