import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type SpawnedService, spawnService } from '../../support/spawn-service.js';

/**
 * Issue 28: a script opening the embedded database folder of the running service corrupted it. Every process
 * that opens the folder takes its lock (src/db/pglite-lock.ts): beside the running service every script
 * refuses with a clear message, and after the service is killed (SIGKILL, no shutdown code) the next process
 * takes the stale lock over and finds the database intact.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Run {
  code: number | null;
  out: string;
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('one process at a time on an embedded database folder', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'verrijk-embedded-lock-'));
  const dir = path.join(root, 'pglite');
  const env = { PGLITE_DIR: dir, LOG_LEVEL: 'warn' };
  let service: SpawnedService | undefined;
  afterAll(async () => {
    await service?.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('every script that opens the database refuses beside the running service, naming it', async () => {
    service = await spawnService({ PGLITE_DIR: dir, CRM_CATCHUP_CRON: 'off' }, { readyTimeoutMs: 120_000 });
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(service.pid);
    const since = new Date(Date.now() - 3600_000).toISOString();
    const runs = await Promise.all([
      runScript('migrate.ts', [], env),
      runScript('crm-ensure.ts', [], env),
      runScript('cbs-refresh.ts', [], env),
      runScript('restore-cards.ts', ['--since', since], env),
    ]);
    for (const run of runs) {
      expect(run.code, run.out).toBe(1);
      expect(run.out).toContain(`the embedded database ${dir} is in use by process ${service.pid}`);
      expect(run.out).toContain('stop the service before running this script');
      expect(run.out, 'a message, not a stack trace').not.toMatch(/\n\s+at /);
    }
    expect(runs[2].out).toContain('POST /v1/cbs/refresh');
    // The service never noticed: it still answers from its database.
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status, await ready.text()).toBe(200);
  }, 240_000);

  it('after the service is killed, the next process takes the stale lock over and the database is intact', async () => {
    await service!.kill();
    const left = JSON.parse(readFileSync(`${dir}.lock`, 'utf8'));
    expect(left.pid).toBe(service!.pid);
    const migrate = await runScript('migrate.ts', [], env);
    expect(migrate.code, migrate.out).toBe(0);
    expect(migrate.out).toContain(`migrations applied to pglite:${dir}`);
    // Released on exit.
    expect(existsSync(`${dir}.lock`)).toBe(false);

    // And the service starts again on it, holds it, and frees it on a clean stop.
    service = await spawnService({ PGLITE_DIR: dir, CRM_CATCHUP_CRON: 'off' }, { readyTimeoutMs: 120_000 });
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status, await ready.text()).toBe(200);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(service.pid);
    expect(await service.stop()).toBe(0);
    expect(existsSync(`${dir}.lock`)).toBe(false);
  }, 240_000);
});
