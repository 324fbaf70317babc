import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dimensionKeys, mapCategoryGroup, mapDataProperty, mapDataRow, mapDimensionRow, mapTableInfo } from '../../src/cbs/map.js';
import type { CbsTableData, CbsTableVersion } from '../../src/cbs/model.js';
import { parseTableData } from '../../src/cbs/validate.js';

/**
 * The real CBS fixtures in test/fixtures/cbs/ (its README names every source) and the table
 * builder that turns a statline-bq fixture folder (CBS OData v3 JSON dumps) into a table,
 * through the same mapping and validation the live loader uses. The tests, the CBS fakes and
 * `npm run cbs:snapshot` (scripts/build-snapshot.ts) read the fixtures through here.
 *
 * It lives in test/support/, not src/cbs/: the running service never reads test/fixtures/
 * (it reads the generated data/cbs-snapshot/ or live CBS), so src/ would carry code for a
 * folder the image does not need; the snapshot builder is a development tool like the tests.
 */

/** The real CBS fixtures copied into the repository. */
export const REPO_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/cbs/', import.meta.url));
/** Where the 83583NED fixture is read from: the repository's copy unless CBS_FIXTURES_DIR names another. */
export const CBS_FIXTURES_DIR = process.env.CBS_FIXTURES_DIR ?? REPO_FIXTURES_DIR;

type Raw = Record<string, unknown>;

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function readArray(file: string): Promise<Raw[]> {
  const value = await readJson(file);
  if (!Array.isArray(value)) throw new Error(`${file} is not a JSON array`);
  return value as Raw[];
}

/** One table from a statline-bq fixture folder (metadata, dimensions, TypedDataSet), validated. */
export async function buildTable(fixtureDir: string, tableId: string): Promise<CbsTableData> {
  const metadata = (await readJson(path.join(fixtureDir, `cbs.v3.${tableId}_Metadata.json`))) as Raw;
  const dataProperties = (await readArray(path.join(fixtureDir, 'DataProperties.value.json'))).map(mapDataProperty);
  const categoryGroups = (await readArray(path.join(fixtureDir, 'CategoryGroups.value.json'))).map(mapCategoryGroup);
  const dimensions: CbsTableData['dimensions'] = {};
  for (const key of dimensionKeys(dataProperties)) {
    dimensions[key] = (await readArray(path.join(fixtureDir, `${key}.value.json`))).map(mapDimensionRow);
  }
  const rows = (await readArray(path.join(fixtureDir, 'TypedDataSet.value.json'))).map(mapDataRow);
  const data: CbsTableData = {
    tableId,
    info: mapTableInfo(metadata, tableId),
    dataProperties,
    categoryGroups,
    dimensions,
    rows,
  };
  const recordCount = data.info.recordCount;
  if (recordCount !== null && recordCount !== undefined && recordCount !== rows.length) {
    throw new Error(`${tableId}: TypedDataSet has ${rows.length} rows, TableInfos says RecordCount ${recordCount}`);
  }
  return parseTableData(data, fixtureDir);
}

let cached: Promise<CbsTableData> | undefined;

/** The real 83583NED table, built straight from the statline-bq fixture (tests read it; the runtime never does). */
export function load83583NED(): Promise<CbsTableData> {
  cached ??= buildTable(path.join(CBS_FIXTURES_DIR, 'statline-bq/83583NED'), '83583NED');
  return cached;
}

export function asVersion(data: CbsTableData, versionId = 1, source: CbsTableVersion['source'] = 'snapshot'): CbsTableVersion {
  return { versionId, tableId: data.tableId, source, loadedAt: '2026-01-01T00:00:00.000Z', data };
}
