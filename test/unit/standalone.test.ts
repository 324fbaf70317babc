import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A user's clone has nothing beside it: no file the tests, fakes, bench,
 * scripts or service read may point outside the repository at the team's own
 * shared folder. The real CBS data they need is copied into test/fixtures/cbs/
 * (provenance in its README). `.ci/run` proves the same by running the tests in
 * a copy with no such folder; this catches a new path before CI does.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['src', 'test', 'scripts', 'bench', 'eval', 'data', '.ci', 'package.json', 'vitest.config.ts', 'drizzle.config.ts', 'Dockerfile'];
const TEXT = /\.(ts|tsx|js|mjs|cjs|json|md|ya?ml|sql|sh)$|^run$|^Dockerfile$/;
// Built from parts so that this file does not match itself.
const FORBIDDEN = [['..', 'shared'].join('/'), ['shared', 'fixtures'].join('/'), ['work', 'shared'].join('/')];

function files(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(abs);
  } catch {
    return [];
  }
  if (st.isFile()) return TEXT.test(path.basename(rel)) ? [rel] : [];
  if (rel.endsWith('results')) return []; // bench/results: measured output, not code
  return readdirSync(abs).flatMap((name) => files(path.join(rel, name)));
}

describe('the repository stands alone', () => {
  const scanned = SCANNED.flatMap(files);

  it('scans the code, tests, scripts, bench and CI files', () => {
    expect(scanned).toContain(path.join('scripts', 'build-snapshot.ts'));
    expect(scanned).toContain(path.join('test', 'support', 'fakes', 'cbs-server.ts'));
    expect(scanned).toContain('package.json');
  });

  it('no file points at a shared folder outside the repository', () => {
    const hits: string[] = [];
    for (const rel of scanned) {
      const lines = readFileSync(path.join(ROOT, rel), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (FORBIDDEN.some((f) => line.includes(f))) hits.push(`${rel}:${i + 1}: ${line.trim().slice(0, 160)}`);
      });
    }
    expect(hits, `paths outside the repository:\n${hits.join('\n')}`).toEqual([]);
  });

  it('every CBS fixture the fake server and snapshot builder read is in the repository', () => {
    const dir = path.join(ROOT, 'test', 'fixtures', 'cbs');
    expect(statSync(path.join(dir, 'README.md')).isFile()).toBe(true);
    expect(statSync(path.join(dir, 'statline-bq', '83583NED', 'TypedDataSet.value.json')).isFile()).toBe(true);
    expect(statSync(path.join(dir, 'cbsodata3jl', 'ODataCatalog_Tables_20rows.json')).isFile()).toBe(true);
  });
});
