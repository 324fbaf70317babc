import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.js';

/**
 * Each config variable is declared once, in the zod schema of src/config.ts; the environment
 * table of docs/configuration.md and .env.example must name exactly the same variables, no more and no
 * fewer. A variable added to the schema but not documented (or documented after it was
 * removed) fails here with its name.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const VAR = /`([A-Z][A-Z0-9_]*)`/g;

/** Variable names in the first column of the table under "## Configuration" (a cell may name several). */
function readmeVariables(readme: string): string[] {
  const start = /(^|\n)## Configuration\n/.exec(readme);
  if (!start) throw new Error('docs/configuration.md has no "## Configuration" section');
  const section = readme.slice(start.index + start[0].length).split(/\n## /)[0];
  const names: string[] = [];
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.split('|')[1];
    for (const m of firstCell.matchAll(VAR)) names.push(m[1]);
  }
  return names;
}

/** `NAME=value` lines, and `# NAME=value` lines (documented examples left commented out). */
function envExampleVariables(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

function mismatch(declared: string[], listed: string[], where: string): string[] {
  const problems: string[] = [];
  const missing = declared.filter((n) => !listed.includes(n));
  const extra = [...new Set(listed)].filter((n) => !declared.includes(n));
  const twice = listed.filter((n, i) => listed.indexOf(n) !== i);
  if (missing.length) problems.push(`in src/config.ts but not in ${where}: ${missing.join(', ')}`);
  if (extra.length) problems.push(`in ${where} but not in src/config.ts: ${extra.join(', ')}`);
  if (twice.length) problems.push(`listed twice in ${where}: ${[...new Set(twice)].join(', ')}`);
  return problems;
}

describe('each config variable is declared once', () => {
  const declared = Object.keys(envSchema.shape).sort();

  it('the schema declares variables at all', () => {
    expect(declared.length).toBeGreaterThan(10);
  });

  it("docs/configuration.md's environment table names exactly the schema's variables", () => {
    expect(mismatch(declared, readmeVariables(read('docs/configuration.md')), "docs/configuration.md's Configuration table").join('\n')).toBe('');
  });

  it('.env.example names exactly the schema\'s variables', () => {
    expect(mismatch(declared, envExampleVariables(read('.env.example')), '.env.example').join('\n')).toBe('');
  });

  it('the readers find what they are meant to find (so the checks above can fail)', () => {
    const readme = [
      '## Configuration',
      '',
      '| variable | default | meaning |',
      '|---|---|---|',
      '| `PORT` | `3000` | HTTP port, see `HOST` |',
      '| `A_USER`, `A_PASSWORD` | unset | two in one row |',
      '',
      '## Next',
      '| `NOT_CONFIG` | x | another table |',
    ].join('\n');
    expect(readmeVariables(readme)).toEqual(['PORT', 'A_USER', 'A_PASSWORD']);
    expect(envExampleVariables('# comment (PUBLIC_URL=...)\nPORT=3000\n# DATABASE_URL=postgres://x\nHOST=\n')).toEqual([
      'PORT',
      'DATABASE_URL',
      'HOST',
    ]);
    expect(mismatch(['A', 'B'], ['B', 'C', 'C'], 'X')).toEqual([
      'in src/config.ts but not in X: A',
      'in X but not in src/config.ts: C',
      'listed twice in X: C',
    ]);
  });
});
