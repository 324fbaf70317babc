/**
 * `npm run eval:sbi-cases`: writes the SBI kinds of the evaluation set (eval/cases/sbi2025_register.jsonl,
 * sbi2008_renumbered.jsonl) from the real lists; see sbi-cases.ts. Running it again writes the same files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES_DIR } from './cases.js';
import { buildSbiCases } from './sbi-cases.js';

for (const [file, lines] of Object.entries(buildSbiCases())) {
  writeFileSync(join(CASES_DIR, file), `${lines.join('\n')}\n`);
  console.log(`${file}: ${lines.length} cases`);
}
