import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No import circle in src/, between files or between its top folders (issue 17:
 * app.ts and the route files used to import each other through the dependency
 * types; crm/ and jobs/, crm/ and http/, config → enrich → cbs → config did
 * at folder level). Type-only imports count too: a type circle still ties the
 * files' meaning together. Walks the relative imports of every .ts/.tsx file.
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
  return findCyclesIn(files, (f) => importsOf(f, known));
}

/** The cycles of any graph given by its nodes and their out-edges. */
function findCyclesIn(nodes: string[], next: (node: string) => string[]): string[][] {
  const graph = new Map(nodes.map((f) => [f, next(f)]));
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
  for (const f of nodes) if (!state.has(f)) visit(f);
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

  it('run one way between the top folders and modules of src/ (no folder back-reference)', () => {
    // src/crm/hubspot/api.ts belongs to crm, src/config.ts to config.
    const unit = (f: string) => relative(SRC, f).split('/')[0].replace(/\.tsx?$/, '');
    const known = new Set(files);
    const folders = files.map((f) => `${join(SRC, unit(f))}.unit`);
    const edges = new Map<string, Set<string>>();
    for (const f of files) {
      for (const target of importsOf(f, known)) {
        if (unit(target) === unit(f)) continue;
        const from = `${join(SRC, unit(f))}.unit`;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)?.add(`${join(SRC, unit(target))}.unit`);
      }
    }
    const folderCycles = findCyclesIn([...new Set(folders)], (f) => [...(edges.get(f) ?? [])]).map((c) => c.map((f) => relative(SRC, f).replace(/\.unit$/, '')));
    expect(folderCycles, shown(folderCycles)).toEqual([]);
  });

  it('sees the imports it walks (app.ts imports the route files)', () => {
    expect(importsOf(join(SRC, 'app.ts'), new Set(files))).toContain(join(SRC, 'http/routes/health.ts'));
    expect(findCycles([join(SRC, 'app.ts'), join(SRC, 'http/routes/health.ts')])).toEqual([]);
  });
});
