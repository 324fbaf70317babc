import { describe, expect, it } from 'vitest';
import { filledDocs, keptRuns, renderSection } from '../../../scripts/docs-figures.js';

/**
 * The bench figures in the docs are the kept bench runs' figures (issue 25.4: four different
 * resolution figures in one table, typed by hand). `npm run docs:figures` fills them.
 */

describe('bench figures in the docs', () => {
  it('every marked region says exactly what the newest kept run with that section measured', () => {
    const docs = filledDocs();
    expect(docs.map((d) => d.file)).toContain('docs/performance.md');
    for (const d of docs) expect(d.text, `${d.file}: run npm run docs:figures`).toBe(d.filled);
  });

  it('one resolution table, from one run, with its file named', () => {
    const table = renderSection('resolution', keptRuns());
    expect(table).toMatch(/^From `bench\/results\/[^`]+\.json`/m);
    expect(table.split('\n').filter((l) => l.startsWith('From ')).length).toBe(1);
  });

  it('refuses a section no kept run has (so a region cannot silently stay empty)', () => {
    expect(() => renderSection('no-such-section', keptRuns())).toThrow(/no kept bench run/);
  });
});
