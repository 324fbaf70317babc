import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSbiList } from '../src/enrich/sbi-list.js';
import { VOCABULARY_DIR, VOCABULARY_FILES } from '../src/enrich/vocabulary.js';
import { commonCode, loadSourcePhrases } from './eval/activity-sources.js';

/**
 * Writes data/vocabulary/activity-phrases.csv: the classification's own
 * descriptions of activities (other editions' titles in Dutch and English, the
 * NACE explanatory-note items) with the SBI 2008 code each stands for, at the
 * deepest level all its codes share (a NACE 2.1 class that Eurostat pairs with
 * 47.51 and 47.82 is "47"); phrases whose codes span divisions are left out.
 *
 * Only phrases of the evaluation's TUNE split enter: the holdout half of each
 * source is what `npm run eval` measures the matcher on, so it must be text the
 * matcher never saw (scripts/eval/activity-sources.ts gives both the same ids).
 *
 *   npx tsx scripts/build-activity-vocabulary.ts
 */

const sbiList = loadSbiList();
const quote = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Digits → the code as the SBI list writes it: the deepest listed code on their line (SBI lacks some NACE classes). */
function sbiCode(digits: string): string | undefined {
  for (let len = digits.length; len >= 2; len--) {
    const e = sbiList.byDigits.get(digits.slice(0, len));
    if (e) return e.code;
  }
  return undefined;
}

const rows: string[] = [];
let skipped = 0;
for (const p of loadSourcePhrases()) {
  if (p.split !== 'tune') continue;
  const digits = commonCode(p.sbi2008);
  const code = digits === undefined ? undefined : sbiCode(digits);
  if (!code) {
    skipped++;
    continue;
  }
  rows.push([p.text, p.lang, code, p.source, p.sourceCode, p.id].map(quote).join(','));
}
const { file, header } = VOCABULARY_FILES.activity;
writeFileSync(join(VOCABULARY_DIR, file), `${header.join(',')}\n${rows.join('\n')}\n`);
console.log(`${file}: ${rows.length} phrases (tune split), ${skipped} left out because their codes span divisions`);
