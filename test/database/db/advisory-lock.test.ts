import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKS, tryWithAdvisoryLock, withAdvisoryLock } from '../../../src/db/advisory-lock.js';
import { createTestDatabase, type Flavour, flavours, type TestDatabase } from '../../support/db.js';

/**
 * The one advisory-lock helper: its registry keeps ids distinct and unchanged
 * (old and new instances must still exclude each other during a deploy), a
 * held lock refuses a second taker on either database flavour, and the lock is
 * released however fn ends.
 */

describe('LOCKS', () => {
  it('gives every lock its own id', () => {
    const ids = Object.values(LOCKS);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the ids the features used before they shared one helper', () => {
    expect(LOCKS).toEqual({
      migration: 727_411_001,
      cbsRefresh: 727_411_002,
      cbsBootstrap: 727_411_003,
      catchup: 727_411_006,
      backfill: 727_411_007,
      cardRefresh: 727_411_008,
      oauthRefresh: 727_411_009,
    });
  });
});

/** Resolves when `release()` is called; lets a test hold a lock for as long as it wants. */
function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => { release = resolve; });
  return { opened, release };
}

describe.each(flavours)('advisory locks (%s)', (flavour: Flavour) => {
  let database: TestDatabase;
  beforeAll(async () => { database = await createTestDatabase(flavour); });
  afterAll(async () => { await database?.drop(); });

  it('refuses a second try-lock while the first holds it, without running its fn', async () => {
    const hold = gate();
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => { entered = resolve; });
    const first = tryWithAdvisoryLock(database, 'catchup', async () => {
      entered();
      await hold.opened;
      return 'first';
    });
    await inside;
    let secondRan = false;
    const second = await tryWithAdvisoryLock(database, 'catchup', async () => { secondRan = true; return 'second'; });
    expect(second).toEqual({ acquired: false });
    expect(secondRan).toBe(false);
    hold.release();
    expect(await first).toEqual({ acquired: true, value: 'first' });
    // Released: the next taker gets it.
    expect(await tryWithAdvisoryLock(database, 'catchup', async () => 'third')).toEqual({ acquired: true, value: 'third' });
  });

  it('makes a waiting taker wait until the holder is done', async () => {
    const hold = gate();
    const order: string[] = [];
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => { entered = resolve; });
    const first = withAdvisoryLock(database, 'cbsBootstrap', async () => {
      entered();
      await hold.opened;
      order.push('first done');
    });
    await inside;
    const second = withAdvisoryLock(database, 'cbsBootstrap', async () => { order.push('second ran'); return 2; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    hold.release();
    await first;
    expect(await second).toBe(2);
    expect(order).toEqual(['first done', 'second ran']);
  });

  it('releases the lock when fn throws', async () => {
    await expect(tryWithAdvisoryLock(database, 'cbsRefresh', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(withAdvisoryLock(database, 'cbsRefresh', async () => { throw new Error('bang'); })).rejects.toThrow('bang');
    expect(await tryWithAdvisoryLock(database, 'cbsRefresh', async () => 'free')).toEqual({ acquired: true, value: 'free' });
  });

  it('locks different names independently', async () => {
    const result = await tryWithAdvisoryLock(database, 'catchup', () =>
      tryWithAdvisoryLock(database, 'cbsRefresh', async () => 'both'),
    );
    expect(result).toEqual({ acquired: true, value: { acquired: true, value: 'both' } });
  });
});
