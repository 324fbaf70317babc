/**
 * `npm run lookup -- --sbi 62.01 --employees 12` (also `--industry "bakkerij"`,
 * `--kvk '<json>'`, `--postcode "1011 AB"`, `--json`): the enrichment for one company, from the
 * bundled CBS snapshot. Needs no network and no database, so it works on a fresh clone.
 * `--json` prints JSON only on stdout (use `npm run -s lookup -- … --json | jq`: `-s` keeps
 * npm's own banner off stdout). The work is in scripts/lookup/cli.ts.
 */
import { withEnvFile } from '../src/env-file.js';
import { runLookup } from './lookup/cli.js';

runLookup(process.argv.slice(2), withEnvFile(process.env), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
