import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layering rules in biome.jsonc, each proved able to fail: the real config is copied
 * beside probe files laid out like the repository, some breaking a rule and some doing
 * what the rule allows, and Biome must flag exactly the breaking ones. A rule whose glob
 * stops matching (a Biome upgrade, a typo, an override that shadows another) fails here
 * instead of silently passing every file.
 */

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

const HTTP = 'src/enrich/ imports no HTTP code';
const SQL = 'src/enrich/ imports no SQL code';
const CRM = 'src/enrich/ imports no CRM code';
const JOBS = 'src/cbs/ imports nothing from src/jobs/';
const OUTBOUND = 'src/outbound/ imports no feature code';
const CRM_JOBS = 'src/crm/ imports nothing from src/jobs/';
const CRM_HTTP = 'src/crm/ imports nothing from src/http/';
const LEADS = 'src/leads/ is a leaf: of src/ it imports only src/enrich/types.ts';
const LEADS_IO = 'src/leads/ is a leaf with no I/O';
const SCRIPTS = 'must not import scripts/';
const BENCH = 'must not import bench/';
const TEST_FILE = 'no other test file';
const SUPPORT_TIER = 'test/support/ imports no test of a tier';
const SCRIPT_TEST = 'scripts/ and bench/ import src/ and test/support/ only';

/** [probe file, its source, the message it must draw (undefined = must pass)]. */
const probes: Array<[string, string, string | undefined]> = [
  ['src/enrich/p-hono.ts', "import { Hono } from 'hono';", HTTP],
  ['src/enrich/p-hono-sub.ts', "import { createFactory } from 'hono/factory';", HTTP],
  ['src/enrich/p-hono-server.ts', "import { serve } from '@hono/node-server';", HTTP],
  ['src/enrich/p-undici.ts', "import { request } from 'undici';", HTTP],
  ['src/enrich/p-http-dir.ts', "import { AppError } from '../http/problem.js';", HTTP],
  ['src/enrich/p-http-reexport.ts', "export { problems } from '../http/problem.js';", HTTP],
  ['src/enrich/p-drizzle.ts', "import { sql } from 'drizzle-orm';", SQL],
  ['src/enrich/p-drizzle-sub.ts', "import { pgTable } from 'drizzle-orm/pg-core';", SQL],
  ['src/enrich/p-postgres.ts', "import postgres from 'postgres';", SQL],
  ['src/enrich/p-pglite.ts', "import { PGlite } from '@electric-sql/pglite';", SQL],
  ['src/enrich/p-db-dir.ts', "import { leads } from '../db/schema.js';", SQL],
  ['src/enrich/p-db-type.ts', "import type { Database } from '../db/client.js';", SQL],
  ['src/enrich/p-db-dynamic.ts', "export const load = () => import('../db/client.js');", SQL],
  ['src/enrich/p-crm.ts', "import { type Source } from '../crm/adapter.js';", CRM],
  ['src/enrich/p-crm-deep.ts', "import { HubSpotAdapter } from '../crm/hubspot/api.js';", CRM],
  // The folder overrides repeat the scripts/bench rule (Biome does not merge rule options).
  ['src/enrich/p-scripts.ts', "import { buildTable } from '../../scripts/build-snapshot.js';", SCRIPTS],
  ['src/cbs/p-jobs.ts', "import { enqueueJobs } from '../jobs/queue.js';", JOBS],
  ['src/cbs/p-jobs-type.ts', "import type { Job } from '../jobs/types.js';", JOBS],
  ['src/cbs/p-bench.ts', "import { x } from '../../bench/lib/hubspot.js';", BENCH],
  ['src/leads/p-crm.ts', "import type { CrmError } from '../crm/crm-error.js';", LEADS],
  ['src/leads/p-jobs.ts', "import type { Job } from '../jobs/types.js';", LEADS],
  ['src/leads/p-enrich.ts', "import { matchIndustry } from '../enrich/industry-text.js';", LEADS],
  ['src/leads/p-config.ts', "import { loadConfig } from '../config.js';", LEADS],
  ['src/leads/p-scripts.ts', "import { x } from '../../scripts/migrate.js';", LEADS],
  ['src/leads/p-drizzle.ts', "import { sql } from 'drizzle-orm';", LEADS_IO],
  ['src/leads/p-undici.ts', "import { request } from 'undici';", LEADS_IO],
  ['src/leads/ok-enrich-types.ts', "import type { LeadInput } from '../enrich/types.js';\nimport { leadKey } from './identity.js';", undefined],
  ['src/outbound/p-cbs.ts', "import { DEFAULT_RETRY } from '../cbs/http.js';", OUTBOUND],
  ['src/outbound/p-crm.ts', "import { capUntil } from '../crm/clock.js';", OUTBOUND],
  ['src/outbound/p-jobs.ts', "import type { Job } from '../jobs/types.js';", OUTBOUND],
  ['src/outbound/p-http.ts', "import { AppError } from '../http/problem.js';", OUTBOUND],
  ['src/outbound/p-scripts.ts', "import { x } from '../../scripts/migrate.js';", SCRIPTS],
  ['src/crm/p-jobs.ts', "import { recordWebhook } from '../jobs/intake.js';", CRM_JOBS],
  ['src/crm/hubspot/p-jobs-type.ts', "import type { JobPayload } from '../../jobs/types.js';", CRM_JOBS],
  ['src/crm/p-http.ts', "import { AppError } from '../http/problem.js';", CRM_HTTP],
  ['src/crm/generic/p-http-type.ts', "import type { FieldError } from '../../http/problem.js';", CRM_HTTP],
  // crm/ describes a bad payload with the shared leaf src/field-errors.ts, and may import its own http.ts.
  ['src/crm/ok-fields.ts', "import type { FieldError } from '../field-errors.js';\nimport { createCrmHttp } from './http.js';", undefined],
  ['src/crm/p-scripts.ts', "import { x } from '../../scripts/crm-ensure.js';", SCRIPTS],
  // crm/ names leads through src/leads/, which jobs/ imports too.
  ['src/crm/ok-leads.ts', "import type { LeadRef } from '../leads/identity.js';\nimport type { Database } from '../db/client.js';\nimport { request } from 'undici';", undefined],
  ['src/ops/p-scripts.ts', "import { x } from '../../scripts/restore-cards.js';", SCRIPTS],
  ['src/http/routes/p-bench.ts', "import { x } from '../../../bench/lib/hubspot.js';", BENCH],
  ['src/p-scripts.ts', "import { x } from '../scripts/migrate.js';", SCRIPTS],
  // Tests import src/ and test/support/ only: no scripts/ (the former snapshot-builder exception
  // included), no bench/ (the former worst-inputs exception included), no other test file.
  ['test/unit/jobs/p-scripts.test.ts', "import { x } from '../../../scripts/migrate.js';", SCRIPTS],
  ['test/unit/cbs/p-builder.test.ts', "import { buildTable } from '../../../scripts/build-snapshot.js';", SCRIPTS],
  ['test/unit/enrich/p-worst.test.ts', "import { worstInputs } from '../../../bench/lib/worst-inputs.js';", BENCH],
  ['test/system/p-bench.test.ts', "import { x } from '../../bench/lib/report.js';", BENCH],
  ['test/support/p-scripts.ts', "import { x } from '../../scripts/snapshot-csv.js';", SCRIPTS],
  ['test/support/p-bench.ts', "import { x } from '../../bench/lib/report.js';", BENCH],
  ['test/support/fakes/p-tier.ts', "import { x } from '../../unit/crm/mapping.test.js';", SUPPORT_TIER],
  ['test/unit/crm/p-sibling.test.ts', "import { x } from './helpers.js';", TEST_FILE],
  ['test/database/jobs/p-other-tier.test.ts', "import { x } from '../../unit/crm/mapping.test.js';", TEST_FILE],
  ['test/system/jobs/p-cousin.test.ts', "import { x } from '../../database/jobs/queue.test.js';", TEST_FILE],
  ['test/unit/eval/p-bench.test.ts', "import { x } from '../../../bench/lib/report.js';", BENCH],
  ['test/unit/scripts/p-sibling.test.ts', "import { x } from './other.js';", TEST_FILE],
  // scripts/ and bench/ import src/ and test/support/, no test file.
  ['scripts/p-test.ts', "import { x } from '../test/unit/crm/mapping.test.js';", SCRIPT_TEST],
  ['scripts/eval/p-old-helper.ts', "import { x } from '../../test/helpers/db.js';", SCRIPT_TEST],
  ['bench/lib/p-test.ts', "import { x } from '../../test/database/jobs/queue.test.js';", SCRIPT_TEST],
  // What the layering allows must stay allowed.
  ['src/enrich/ok-cbs.ts', "import { CBS_SOURCE_LINE } from '../cbs/model.js';\nimport { z } from 'zod';\nimport { readFileSync } from 'node:fs';", undefined],
  ['src/outbound/ok-undici.ts', "import { Agent } from 'undici';\nimport { setTimeout } from 'node:timers/promises';", undefined],
  ['src/crm/ok-outbound.ts', "import { parseRetryAfter } from '../outbound/retry.js';", undefined],
  ['src/cbs/ok-sql-http.ts', "import { sql } from 'drizzle-orm';\nimport { request } from 'undici';\nimport type { Database } from '../db/client.js';", undefined],
  ['src/jobs/ok-all.ts', "import { sql } from 'drizzle-orm';\nimport type { CbsStore } from '../cbs/store.js';\nimport type { Source } from '../crm/adapter.js';", undefined],
  ['src/http/ok-hono.ts', "import { Hono } from 'hono';\nimport { enqueueJobs } from '../jobs/queue.js';", undefined],
  ['test/unit/jobs/ok-src.test.ts', "import { enqueueJobs } from '../../../src/jobs/queue.js';\nimport { createTestDatabase } from '../../support/db.js';\nimport { startFakeHubspot } from '../../support/fakes/hubspot-server.js';", undefined],
  ['test/support/ok-support.ts', "import { x } from './db.js';\nimport { y } from '../../src/db/client.js';\nimport { z } from './fakes/crm-fake-base.js';", undefined],
  ['test/support/fakes/ok-fake.ts', "import { x } from './crm-fake-base.js';\nimport { y } from '../harness/leads.js';", undefined],
  // Tests of scripts import the scripts they test.
  ['test/unit/eval/ok-eval.test.ts', "import { scoreCase } from '../../../scripts/eval/score.js';\nimport type { EvalCase } from '../../../scripts/eval/cases.js';", undefined],
  ['test/unit/scripts/ok-script.test.ts', "import { parseStatlineCsv } from '../../../scripts/snapshot-csv.js';\nimport { REPO_FIXTURES_DIR } from '../../support/cbs-fixtures.js';", undefined],
  ['scripts/ok-support.ts', "import { buildTable } from '../test/support/cbs-fixtures.js';\nimport { loadConfig } from '../src/config.js';\nimport { x } from './eval/cases.js';", undefined],
  ['bench/sections/ok-support.ts', "import { x } from '../../test/support/harness/verdict.js';\nimport { y } from '../lib/report.js';", undefined],
];

interface Diagnostic {
  message: string;
  category: string;
  location: { path: string };
}

async function lint(cwd: string): Promise<Diagnostic[]> {
  // Biome exits 1 when it reports errors; the JSON on stdout is what we judge.
  const result = await run(process.execPath, [biome, 'lint', '--reporter=json', '--max-diagnostics=none', '.'], { cwd }).catch(
    (error: { stdout?: string; stderr?: string }) => error,
  );
  const line = (result.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`biome printed no JSON report:\n${result.stdout}\n${result.stderr}`);
  return (JSON.parse(line) as { diagnostics: Diagnostic[] }).diagnostics;
}

describe('import layering (biome.jsonc)', () => {
  let dir: string;
  let diagnostics: Diagnostic[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'verrijk-lint-'));
    cpSync(path.join(root, 'biome.jsonc'), path.join(dir, 'biome.jsonc'));
    for (const [file, source] of probes) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), `${source}\nexport const probe = 1;\n`);
    }
    diagnostics = await lint(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(probes)('%s: %s → %s', (file, _source, expected) => {
    const found = diagnostics.filter((d) => d.location.path === file);
    if (expected === undefined) {
      expect(found, JSON.stringify(found, null, 2)).toEqual([]);
    } else {
      expect(found.map((d) => d.category), JSON.stringify(diagnostics, null, 2)).toEqual(['lint/style/noRestrictedImports']);
      expect(found[0].message).toContain(expected);
    }
  });

  it('the repository itself obeys every rule', async () => {
    const found = await lint(root);
    expect(found.map((d) => `${d.location.path}: ${d.message}`)).toEqual([]);
  });

  it('no test reaches into scripts/ or bench/ through an exception', () => {
    // The two former exceptions (the CBS table builder, the worst matcher inputs) moved into
    // test/support/. A negated pattern naming one module of scripts/ or bench/ would bring one back.
    const config = readFileSync(path.join(root, 'biome.jsonc'), 'utf8');
    const modules = [...config.matchAll(/"!\*\*\/((?:scripts|bench)\/[^"]+)"/g)].map((m) => m[1]).filter((m) => !m.endsWith('**'));
    expect(modules, 'exceptions in biome.jsonc').toEqual([]);
  });
});
