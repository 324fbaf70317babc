/**
 * `npm run crm:ensure`: checks every configured CRM has each mapped property
 * (HubSpot: the `verrijk` group and cbs_* properties on companies and contacts;
 * Pipedrive: the "CBS …" organization fields) and creates what is missing.
 * Prints what it found and did. Options: --account <id> names the CRM account
 * the requests count against in the shared rate limiter (default: `default`).
 */
import { ConfigError, configSecrets, loadConfig } from '../src/config.js';
import { withEnvFile } from '../src/env-file.js';
import { CrmError } from '../src/crm/crm-error.js';
import { setupCrm } from '../src/crm/setup.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';

const args = process.argv.slice(2);
const account = args[args.indexOf('--account') + 1] && args.includes('--account') ? args[args.indexOf('--account') + 1] : 'default';

let config;
try {
  config = loadConfig(withEnvFile(process.env));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
const logger = createLogger({ level: 'warn', secrets: configSecrets(config) });
let database;
try {
  database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
} catch (err) {
  // The embedded database held by the running service (pglite-lock.ts): say so, no stack.
  console.error(`crm:ensure: ${(err as Error).message}`);
  process.exit(1);
}
await runMigrations(database);
const crm = setupCrm({ config, database, metrics: createMetrics(), logger });

let failed = false;
const sources = crm.configured();
if (!sources.length) console.log('No CRM credentials configured (HUBSPOT_ACCESS_TOKEN, PIPEDRIVE_API_TOKEN, GENERIC_CRM_URL): nothing to check.');
for (const source of sources) {
  try {
    const report = await crm.adapter(source)!.ensureProperties(account);
    console.log(`${source}: ${report.existing.length} present, ${report.created.length} created`);
    for (const c of report.created) console.log(`  + created ${c}`);
    for (const e of report.existing) console.log(`  = exists  ${e}`);
  } catch (err) {
    failed = true;
    console.error(`${source}: ${err instanceof CrmError ? err.message : (err as Error).message}`);
  }
}
await crm.close();
await database.close();
process.exit(failed ? 1 : 0);
