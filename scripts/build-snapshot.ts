/**
 * `npm run cbs:snapshot`: builds the bundled offline copy data/cbs-snapshot/
 * from the real CBS fixtures copied into the repository (statline-bq's 83583NED;
 * 81589NED and 81575NED from StatLine exports, see scripts/snapshot-csv.ts;
 * test/fixtures/cbs/README.md names every source). Values are copied as they
 * are: nothing is rounded, filled in or invented. The runtime only reads the
 * generated files, never the fixtures. The fixture folder and the table builder
 * live in test/support/cbs-fixtures.ts, shared with the tests and the CBS fakes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CBS_SOURCE_LINE, type CbsTableData } from '../src/cbs/model.js';
import { SNAPSHOT_DIR, type SnapshotManifest } from '../src/cbs/snapshot.js';
import { build82244NED, build83631NED, FILE_82244, FILE_83631 } from '../test/support/cbs-derived-tables.js';
import { build81588NED, FILE_81588 } from './snapshot-81588.js';
import { buildTable, CBS_FIXTURES_DIR, REPO_FIXTURES_DIR } from '../test/support/cbs-fixtures.js';
import { build81575FromCsv, build81589FromCsv, readSbiKeyIndex, type SbiKeyIndex } from './snapshot-csv.js';

const FIXTURES = CBS_FIXTURES_DIR;

/** Provenance, as written in test/fixtures/cbs/README.md. */
const SOURCES = [
  {
    tableId: '83583NED',
    dir: 'statline-bq/83583NED',
    fixtureRepo: 'github.com/dataverbinders/statline-bq (tests/data/83583NED)',
    fixtureCommit: '25b4e5fb9c3c0d9d72cadaae74b82f747d68a3f1',
  },
];

/** Tables built from StatLine CSV exports (scripts/snapshot-csv.ts), with the provenance test/fixtures/cbs/README.md gives. */
const CSV_SOURCES = [
  {
    tableId: '81589NED',
    file: '81589NED/Bedrijven__bedrijfstak_23032020_155149.csv',
    fixtureRepo: 'github.com/GerardLutterop/corona (data/Bedrijven__bedrijfstak_23032020_155149.csv)',
    fixtureCommit: '0ddccd2a06c03210f269a2ae92ba6b7afb8f1c95',
    build: (file: string, keys: SbiKeyIndex) => build81589FromCsv(file, keys, { title: 'Bedrijven; bedrijfstak', modified: null }),
  },
  {
    tableId: '81575NED',
    file: '81575NED/Vestigingen_bedrijven_2007-2012.csv',
    fixtureRepo: 'github.com/vsnijders/smp (R/vestigingvanbedrijven/Vestigingen_bedrijven.csv)',
    fixtureCommit: '3d73b731779dd2464dcf6131ccbf7d6fe74f99eb',
    build: (file: string, keys: SbiKeyIndex) => build81575FromCsv(file, keys, { modified: null, periods: 'latest' }),
  },
];

/** Excerpts of current tables (test/support/cbs-derived-tables.ts says how each is built); the card says what each covers. */
const DERIVED_SOURCES: Array<{
  tableId: string;
  file: string;
  fixtureRepo: string;
  fixtureCommit: string;
  covers: string;
  build: (keys: SbiKeyIndex) => Promise<{ data: CbsTableData; skipped?: string[] }>;
}> = [
  {
    // The default for `businesses`: 2026 Q3, sections only (a lead in 62.01 reads section J).
    tableId: '81588NED',
    file: FILE_81588,
    fixtureRepo: 'github.com/ankitasondhiya/cbs-knowledge-graph-pipeline (transform/sample_landing/81588NED_20260908T093025Z.json)',
    fixtureCommit: '3e3c7dc16b2b9a52bf6d556fe41341dbdb339466',
    covers: 'alleen SBI-secties (A–U) en hun aggregaten, 2026 3e kwartaal',
    build: (keys) => build81588NED(keys),
  },
  {
    tableId: '83631NED',
    file: FILE_83631,
    fixtureRepo: 'github.com/Jpmartinslag/neural-temporal-relational-model (data/external/netherlands/raw/cbs/83631NED_corop.csv)',
    fixtureCommit: 'c485364ba34efcce394d9ca3a1815cca259c8a6a',
    covers: 'alle sectoren samen (A-U) per COROP-regio, 2015–2025',
    build: async () => ({ data: await build83631NED() }),
  },
  {
    tableId: '82244NED',
    file: FILE_82244,
    fixtureRepo: 'github.com/psvanzyl/faillissementen-wegvervoer (data/dashboard_data.json)',
    fixtureCommit: '1780235ddf4eba9490cca9a4edfedafb3de07916',
    covers: 'alleen SBI 49 Vervoer over land, per maand 2024-01 – 2026-08',
    build: async () => ({ data: await build82244NED() }),
  },
];

/** Default tables (figure-spec.ts) with no public copy of their data: their figures say "after the first refresh". */
const ABSENT = [
  {
    tableId: '83635NED',
    reason: 'no public copy of 83635NED (closures of establishments by sector and region) was found, so the bundled snapshot has none',
  },
];

async function main(): Promise<void> {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : SNAPSHOT_DIR;
  await mkdir(outDir, { recursive: true });
  const manifest: SnapshotManifest = { builtAt: new Date().toISOString(), licence: CBS_SOURCE_LINE, tables: [], absent: ABSENT };
  for (const source of SOURCES) {
    const fixtureDir = path.join(FIXTURES, source.dir);
    const data = await buildTable(fixtureDir, source.tableId);
    const file = `${source.tableId}.json`;
    await writeFile(path.join(outDir, file), `${JSON.stringify(data)}\n`);
    manifest.tables.push({
      tableId: source.tableId,
      file,
      source: path.posix.join('test/fixtures/cbs', source.dir),
      fixtureRepo: source.fixtureRepo,
      fixtureCommit: source.fixtureCommit,
      modified: data.info.modified,
      rowCount: data.rows.length,
    });
    console.log(`${source.tableId}: ${data.rows.length} rows, ${Object.keys(data.dimensions).join(' × ')} → ${path.join(outDir, file)}`);
  }
  const keys = await readSbiKeyIndex(REPO_FIXTURES_DIR);
  for (const source of CSV_SOURCES) {
    const { data, skipped } = await source.build(path.join(REPO_FIXTURES_DIR, source.file), keys);
    const file = `${source.tableId}.json`;
    await writeFile(path.join(outDir, file), `${JSON.stringify(data)}\n`);
    manifest.tables.push({
      tableId: source.tableId,
      file,
      source: path.join('test/fixtures/cbs', source.file),
      fixtureRepo: source.fixtureRepo,
      fixtureCommit: source.fixtureCommit,
      modified: data.info.modified,
      rowCount: data.rows.length,
    });
    console.log(`${source.tableId}: ${data.rows.length} rows; left out (no real CBS key for the title): ${skipped.join(' | ') || 'none'}`);
  }
  for (const source of DERIVED_SOURCES) {
    const { data, skipped } = await source.build(keys);
    const file = `${source.tableId}.json`;
    await writeFile(path.join(outDir, file), `${JSON.stringify(data)}\n`);
    manifest.tables.push({
      tableId: source.tableId,
      file,
      source: path.relative(path.resolve(REPO_FIXTURES_DIR, '../../..'), source.file),
      fixtureRepo: source.fixtureRepo,
      fixtureCommit: source.fixtureCommit,
      modified: data.info.modified,
      rowCount: data.rows.length,
      covers: source.covers,
    });
    console.log(`${source.tableId}: ${data.rows.length} rows (excerpt: ${source.covers})${skipped ? `; left out (no real CBS key for the title): ${skipped.join(' | ') || 'none'}` : ''}`);
  }
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
