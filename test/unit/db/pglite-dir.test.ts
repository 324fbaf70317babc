import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { DEFAULT_PGLITE_DIR, LEGACY_PGLITE_DIR, choosePgliteDir } from '../../../src/db/pglite-dir.js';

describe('where the embedded database lives', () => {
  /** A checkout in a temporary folder; `dbs` are the relative dirs that hold a PGlite database. */
  function checkout(dbs: string[]) {
    const root = mkdtempSync(path.join(tmpdir(), 'verrijk-pglite-dir-'));
    for (const dir of dbs) {
      mkdirSync(path.join(root, dir), { recursive: true });
      writeFileSync(path.join(root, dir, 'PG_VERSION'), '17\n');
    }
    mkdirSync(path.join(root, 'data', 'cbs-snapshot'), { recursive: true });
    return (p: string) => existsSync(path.join(root, p));
  }

  it('defaults outside data/, which holds the bundled data', () => {
    expect(DEFAULT_PGLITE_DIR).toBe('./var/pglite');
    expect(path.normalize(DEFAULT_PGLITE_DIR).startsWith('data')).toBe(false);
    expect(choosePgliteDir(undefined, checkout([]))).toEqual({ dir: DEFAULT_PGLITE_DIR });
    expect(loadConfig({}).pgliteDir).toBeUndefined();
  });

  it('keeps an existing database in the old ./data/pglite, with a one-line notice', () => {
    const choice = choosePgliteDir(undefined, checkout([LEGACY_PGLITE_DIR]));
    expect(choice.dir).toBe(LEGACY_PGLITE_DIR);
    expect(choice.notice).toMatch(/data\/pglite.*old default/);
    expect(choice.notice).not.toContain('\n');
  });

  it('prefers the new default once it holds a database, and PGLITE_DIR over both', () => {
    expect(choosePgliteDir(undefined, checkout([LEGACY_PGLITE_DIR, DEFAULT_PGLITE_DIR]))).toEqual({ dir: DEFAULT_PGLITE_DIR });
    expect(choosePgliteDir('/srv/verrijk/db', checkout([LEGACY_PGLITE_DIR]))).toEqual({ dir: '/srv/verrijk/db' });
    expect(loadConfig({ PGLITE_DIR: '/srv/verrijk/db' }).pgliteDir).toBe('/srv/verrijk/db');
  });
});
