import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` (scripts/start.mjs) runs the compiled dist/ and builds it only when there is no
 * build or src/ is newer (issue 25.5), and bundles dist/index.js into one file (scripts/bundle.mjs),
 * on a project of a few tiny files beside copies of the two scripts.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'verrijk-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function project(source: string): string {
  const p = mkdtempSync(path.join(dir, 'p-'));
  mkdirSync(path.join(p, 'scripts'));
  mkdirSync(path.join(p, 'src'));
  for (const script of ['start.mjs', 'bundle.mjs']) copyFileSync(path.join(root, 'scripts', script), path.join(p, 'scripts', script));
  symlinkSync(path.join(root, 'node_modules'), path.join(p, 'node_modules'));
  writeFileSync(path.join(p, 'package.json'), '{"type":"module"}');
  writeFileSync(path.join(p, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [] } }));
  writeFileSync(path.join(p, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: 'src', outDir: 'dist' }, include: ['src'] }));
  writeFileSync(path.join(p, 'src/index.ts'), source);
  return p;
}

const start = (p: string, ...args: string[]) => spawnSync(process.execPath, ['scripts/start.mjs', ...args], { cwd: p, encoding: 'utf8', timeout: 300_000 });
const said = (r: ReturnType<typeof start>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

describe('scripts/start.mjs', () => {
  it('builds a missing dist/ once, then runs it without building', () => {
    const p = project("const n: number = 1; console.log('ran', n);\n");
    const first = start(p);
    expect(first.status, said(first)).toBe(0);
    expect(first.stderr).toContain('compiling src/ to dist/');
    expect(first.stdout).toBe('ran 1\n');
    const again = start(p);
    expect(again.status, said(again)).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe('ran 1\n');
  }, 300_000);

  it('rebuilds when a file under src/ is newer than the build', () => {
    const p = project("console.log('old');\n");
    expect(start(p, '--build-only').status).toBe(0);
    writeFileSync(path.join(p, 'src/index.ts'), "console.log('new');\n");
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(p, 'src/index.ts'), later, later);
    const r = start(p);
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toBe('new\n');
  }, 300_000);

  it('a failed build starts nothing and leaves no entry that would look built', () => {
    const p = project("const n: number = 'not a number';\nconsole.log(n);\n");
    const r = start(p);
    expect(r.status, said(r)).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error TS2322: Type 'string' is not assignable to type 'number'");
    expect(r.stderr).toContain('the build failed');
    expect(existsSync(path.join(p, 'dist/index.js'))).toBe(false);
  }, 300_000);

  it('--build-only builds and does not run; without src/ (Docker before COPY src) it does nothing', () => {
    const p = project("console.log('ran');\n");
    const r = start(p, '--build-only');
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(path.join(p, 'dist/index.js'))).toBe(true);
    rmSync(path.join(p, 'src'), { recursive: true });
    rmSync(path.join(p, 'dist'), { recursive: true });
    const none = start(p, '--build-only');
    expect(none.status, said(none)).toBe(0);
    expect(existsSync(path.join(p, 'dist'))).toBe(false);
  }, 300_000);

  it('bundles dist/index.js into one file whose modules still find their files relative to themselves', () => {
    const p = project("import { dataFile } from './lib/data-file.js';\nconsole.log(dataFile);\n");
    mkdirSync(path.join(p, 'src/lib'));
    // As our enrich/ and db/ modules name theirs: a data file two folders up from the compiled module.
    writeFileSync(path.join(p, 'src/lib/data-file.ts'), "export const dataFile = new URL('../../data/x.csv', import.meta.url).href;\n");
    const expected = `${pathToFileURL(path.join(p, 'data/x.csv')).href}\n`;
    const r = start(p);
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toBe(expected);
    const bundled = readFileSync(path.join(p, 'dist/index.js'), 'utf8');
    expect(bundled.split('\n')[0]).toBe('// verrijk: bundle of dist/ (scripts/bundle.mjs)');
    expect(bundled).not.toContain("from './lib/data-file.js'");
    // tsc's per-file output stays for the scripts that import it.
    expect(existsSync(path.join(p, 'dist/lib/data-file.js'))).toBe(true);
    const again = start(p);
    expect(again.stderr, said(again)).toBe('');
    expect(again.stdout).toBe(expected);
  }, 300_000);
});
