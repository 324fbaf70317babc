import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * One process at a time on an embedded database folder. PGlite takes no lock
 * of its own: a second process (a script beside the running service) opening
 * the same folder corrupts it (issue 28: the service aborted on shutdown and
 * never started on that folder again). Every process that opens the folder
 * takes this lock first and holds it until it closes the database or exits.
 *
 * The lock is a file beside the folder (`<folder>.lock`; inside, PGlite's
 * initdb refuses a non-empty folder) created with O_EXCL, holding who owns it.
 * Node has no flock(), so a lock left by a killed process is recognised as
 * stale instead: on the same machine when its process is gone (pid, and on
 * Linux the process start time, so a reused pid does not count), and from
 * anywhere when its owner has not touched it for `staleAfterMs` (the owner
 * touches it every `heartbeatMs`; a container restarted under another
 * hostname cannot check the old pid).
 */

export interface LockOwner {
  pid: number;
  host: string;
  /** Linux boot id: the same host and boot means the pid can be checked. */
  boot?: string;
  /** Linux process start time (clock ticks since boot), so a reused pid is not mistaken for the owner. */
  started?: string;
  since: string;
}

export class DatabaseLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner | undefined,
  ) {
    const who = owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : 'another process (its lock file is being written)';
    super(
      `the embedded database ${lockPath.slice(0, -'.lock'.length)} is in use by ${who}. ` +
        'Only one process at a time may open it, or it is corrupted: stop the service before running this script ' +
        '(or run the service on PostgreSQL, DATABASE_URL, where scripts may run beside it). ' +
        `A lock left by a process that is gone is taken over (at once on this machine, after a minute from another): ${lockPath}.`,
    );
    this.name = 'DatabaseLockedError';
  }
}

export interface FolderLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  heartbeatMs?: number;
  staleAfterMs?: number;
}

const held = new Map<string, FolderLock>();

function linuxProc(): { boot?: string; started: (pid: number) => string | undefined } {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    boot: read('/proc/sys/kernel/random/boot_id')?.trim(),
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after its ')'.
    started: (pid) => read(`/proc/${pid}/stat`)?.split(') ').at(-1)?.split(' ')[19],
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function me(): LockOwner {
  const proc = linuxProc();
  return { pid: process.pid, host: hostname(), boot: proc.boot, started: proc.started(process.pid), since: new Date().toISOString() };
}

/** Why the lock's owner is certainly gone, or undefined while it may be alive. */
export function staleBecause(owner: LockOwner | undefined, touchedAgoMs: number, staleAfterMs: number): string | undefined {
  if (touchedAgoMs > staleAfterMs) return `not touched for ${Math.round(touchedAgoMs / 1000)} s`;
  if (!owner) return undefined;
  const here = me();
  if (owner.host !== here.host || owner.boot !== here.boot) return undefined;
  // This process holds no lock on the folder (lockFolder checked), so an owner with its pid was an earlier process.
  if (owner.pid === process.pid) return 'left by an earlier process with this pid';
  if (!alive(owner.pid)) return `process ${owner.pid} is gone`;
  const started = linuxProc().started(owner.pid);
  if (owner.started && started && started !== owner.started) return `pid ${owner.pid} now belongs to another process`;
  return undefined;
}

function readOwner(file: string): { raw: string; owner?: LockOwner; touchedAgoMs: number } | undefined {
  try {
    const raw = readFileSync(file, 'utf8');
    const touchedAgoMs = Date.now() - statSync(file).mtimeMs;
    try {
      return { raw, owner: JSON.parse(raw) as LockOwner, touchedAgoMs };
    } catch {
      return { raw, touchedAgoMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Takes the lock on `dir` or throws DatabaseLockedError; a stale lock is taken over (`onTakeover` says why). */
export function lockFolder(dir: string, options: LockOptions & { onTakeover?: (why: string) => void } = {}): FolderLock {
  const lockPath = `${path.resolve(dir)}.lock`;
  if (held.has(lockPath)) throw new DatabaseLockedError(lockPath, JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner);
  const staleAfterMs = options.staleAfterMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const owner = me();
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number | undefined;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      return hold(lockPath, heartbeatMs);
    }
    const found = readOwner(lockPath);
    if (!found) continue;
    const why = staleBecause(found.owner, found.touchedAgoMs, staleAfterMs);
    if (!why) throw new DatabaseLockedError(lockPath, found.owner);
    // Take over: move the stale file aside. Of two processes doing this at once, one rename finds it gone;
    // if what was moved is not what was judged stale (a new owner came in between), it goes back.
    const aside = `${lockPath}.stale-${process.pid}`;
    try {
      renameSync(lockPath, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readOwner(aside);
    if (moved && moved.raw !== found.raw) {
      renameSync(aside, lockPath);
      throw new DatabaseLockedError(lockPath, moved.owner);
    }
    unlinkSync(aside);
    options.onTakeover?.(`${lockPath}: ${why}`);
  }
  throw new DatabaseLockedError(lockPath, readOwner(lockPath)?.owner);
}

function hold(lockPath: string, heartbeatMs: number): FolderLock {
  const mine = readFileSync(lockPath, 'utf8');
  const stillMine = () => {
    try {
      return readFileSync(lockPath, 'utf8') === mine;
    } catch {
      return false;
    }
  };
  const beat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(lockPath, now, now);
    } catch {
      // Gone (removed by hand): nothing to keep fresh; release() checks ownership anyway.
    }
  }, heartbeatMs);
  beat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(beat);
    process.off('exit', release);
    held.delete(lockPath);
    if (stillMine()) unlinkSync(lockPath);
  };
  // process.exit() without close (a fatal error, the shutdown timeout) still frees the folder; SIGKILL leaves a stale lock.
  process.on('exit', release);
  const lock = { path: lockPath, release };
  held.set(lockPath, lock);
  return lock;
}
