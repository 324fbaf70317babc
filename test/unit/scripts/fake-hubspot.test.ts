import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm run fake:hubspot -- --help` prints its usage and exits (issue 25.6: it started a server
 * or crashed); an unknown option is exit 2 with the usage. Run as the user runs it, through tsx.
 * The kill timeout only stops a script that never exits (the old behaviour); it is not a speed check.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fake-hubspot.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });

describe('npm run fake:hubspot', () => {
  it('--help prints the usage and exits 0 without serving', () => {
    const r = run('--help');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('usage: npm run fake:hubspot');
    expect(r.stdout).not.toContain('listening');
  }, 150_000); // guards against a script that never exits, not speed checks

  it('an unknown option or a bad port is exit 2 with the usage', () => {
    const bad = run('--bogus');
    expect(bad.status, `${bad.stdout}\n${bad.stderr}`).toBe(2);
    expect(bad.stderr).toContain('usage: npm run fake:hubspot');
    const port = run('--port', 'abc');
    expect(port.status, `${port.stdout}\n${port.stderr}`).toBe(2);
    expect(port.stderr).toContain('--port: not a port number: abc');
  }, 300_000);
});
