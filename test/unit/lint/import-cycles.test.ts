import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No import circle in src/ (issue 17: app.ts and the route files used to import
 * each other through the dependency types). Type-only imports count too: a type
 * circle still ties the files' meaning together. Walks the relative imports of
 * every .ts/.tsx file.
 */

const SRC = resolve(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), m[1]);
    const candidates = [target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.tsx'), `${target}.ts`, join(target, 'index.ts')];
    const hit = candidates.find((c) => known.has(c));
    if (hit) out.push(hit);
  }
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
function findCycles(files: string[]): string[][] {
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f, known)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe('imports in src/', () => {
  const files = sourceFiles(SRC);
  const cycles = findCycles(files).map((c) => c.map((f) => relative(SRC, f)));
  const shown = (list: string[][]) => list.map((c) => c.join(' → ')).join('\n');

  it('form no circle through the composition (app.ts, runtime.ts) or the HTTP surface', () => {
    const through = cycles.filter((c) => c.some((f) => f === 'app.ts' || f === 'runtime.ts' || f.startsWith('http/')));
    expect(through, shown(through)).toEqual([]);
  });

  it('form no circle anywhere else either (crm/ included: a failure is named in crm-error.ts, not in the adapter contract)', () => {
    expect(cycles, shown(cycles)).toEqual([]);
  });

  it('sees the imports it walks (app.ts imports the route files)', () => {
    expect(importsOf(join(SRC, 'app.ts'), new Set(files))).toContain(join(SRC, 'http/routes/health.ts'));
    expect(findCycles([join(SRC, 'app.ts'), join(SRC, 'http/routes/health.ts')])).toEqual([]);
  });
});
