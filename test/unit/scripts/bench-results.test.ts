import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run bench` changes no tracked file (issue 25.6: it rewrote bench/results/latest.json):
 * every run goes to var/bench/, which .gitignore lists; only `--keep` adds a file to
 * bench/results/ (a run to commit). Run with no section (`--only=none`) in an empty folder.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'verrijk-bench-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bench = (...args: string[]) =>
  spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/bench.ts'), '--only=none', ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, TEST_DATABASE_URL: 'none' },
  });

describe('npm run bench writes its results where git does not track them', () => {
  it('a run writes var/bench/ only, which .gitignore ignores', () => {
    const r = bench();
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^results: var\/bench\/.+\.json$/m);
    expect(existsSync(path.join(dir, 'var/bench/latest.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'bench'))).toBe(false);
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('var/');
  }, 200_000); // a guard, not a speed check: tsx loads every bench section first, slowly on a loaded machine

  it('--keep adds the dated run to bench/results/ and rewrites no file there', () => {
    const r = bench('--keep');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const kept = readdirSync(path.join(dir, 'bench/results'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(r.stdout).toContain(`results: bench/results/${kept[0]}`);
  }, 200_000);
});
