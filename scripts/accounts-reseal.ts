/**
 * `npm run accounts:reseal`: after a key rotation (the new key in ACCOUNTS_ENCRYPTION_KEY, the old one in
 * ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS), re-seals every account secret sealed with an older key under the
 * current one, so the old key can be removed (docs/accounts.md).
 */
import { resealAll } from '../src/accounts/repository.js';
import { createSecretBox } from '../src/accounts/secret-box.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { withEnvFile } from '../src/env-file.js';

try {
  const config = loadConfig(withEnvFile(process.env));
  if (!config.accounts.key) throw new ConfigError(['ACCOUNTS_ENCRYPTION_KEY is not set: there is no key to re-seal with']);
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: 2 });
  await runMigrations(database);
  const count = await resealAll(database.db, createSecretBox(config.accounts.key, config.accounts.previousKeys));
  console.log(`${count} account(s) re-sealed with key ${createSecretBox(config.accounts.key).keyId} in ${database.label}`);
  await database.close();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `re-sealing failed: ${(err as Error).message}`);
  process.exit(1);
}
