import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseLockedError, lockFolder } from '../../../src/db/pglite-lock.js';

/** The lock file by itself (no PGlite): who is refused, what is stale. The cross-process proof is test/system/db/embedded-lock.test.ts. */
describe('the embedded database folder lock', () => {
  const dirs: string[] = [];
  const folder = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'verrijk-lock-'));
    dirs.push(d);
    return path.join(d, 'pglite');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const thisHost = () => {
    const boot = existsSync('/proc/sys/kernel/random/boot_id') ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : undefined;
    return { host: hostname(), boot };
  };

  it('refuses a second holder, names the owner and what to do, and frees the folder on release', () => {
    const dir = folder();
    const lock = lockFolder(dir);
    expect(existsSync(`${dir}.lock`)).toBe(true);
    let err: unknown;
    try {
      lockFolder(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect((err as Error).message).toContain(`is in use by process ${process.pid} on ${hostname()}`);
    expect((err as Error).message).toContain('stop the service before running this script');
    lock.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    lockFolder(dir).release();
  });

  it('refuses while the owner on this machine is alive, even when its lock is old news to nobody', () => {
    const dir = folder();
    // The parent of this test process is alive for the whole test.
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.ppid, ...thisHost(), since: '2026-12-07T10:00:00Z' }));
    expect(() => lockFolder(dir)).toThrow(`is in use by process ${process.ppid}`);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over a lock whose process is gone, and says why', () => {
    const dir = folder();
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(gone.stdout.trim());
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid, ...thisHost(), since: '2026-12-07T10:00:00Z' }));
    const why: string[] = [];
    const lock = lockFolder(dir, { onTakeover: (w) => why.push(w) });
    expect(why).toEqual([`${dir}.lock: process ${pid} is gone`]);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it.runIf(existsSync('/proc/self/stat'))('takes over a lock whose pid now belongs to another process (pid reuse)', () => {
    const dir = folder();
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.ppid, ...thisHost(), started: '1', since: '2026-12-07T10:00:00Z' }));
    const why: string[] = [];
    lockFolder(dir, { onTakeover: (w) => why.push(w) }).release();
    expect(why).toEqual([`${dir}.lock: pid ${process.ppid} now belongs to another process`]);
  });

  it('cannot check a process on another host: refuses until the owner stops touching the lock, then takes over', () => {
    const dir = folder();
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere.example', since: '2026-12-07T10:00:00Z' }));
    expect(() => lockFolder(dir, { staleAfterMs: 60_000 })).toThrow('is in use by process 1 on elsewhere.example');
    const old = new Date(Date.now() - 61_000);
    utimesSync(`${dir}.lock`, old, old);
    const why: string[] = [];
    lockFolder(dir, { staleAfterMs: 60_000, onTakeover: (w) => why.push(w) }).release();
    expect(why[0]).toMatch(/not touched for 6\d s$/);
  });

  it('treats a lock file still being written (no owner yet) as held while it is fresh', () => {
    const dir = folder();
    writeFileSync(`${dir}.lock`, '');
    expect(() => lockFolder(dir)).toThrow('in use by another process (its lock file is being written)');
  });

  it('release leaves a lock alone that is no longer its own', () => {
    const dir = folder();
    const lock = lockFolder(dir);
    const other = JSON.stringify({ pid: 1, host: 'elsewhere.example', since: '2026-12-07T10:00:00Z' });
    writeFileSync(`${dir}.lock`, other);
    lock.release();
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(other);
  });
});
