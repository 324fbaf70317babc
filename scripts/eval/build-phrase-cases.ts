import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import { loadSourcePhrases, type SourcePhrase } from './activity-sources.js';
import { CASES_DIR, splitOf } from './cases.js';
import { everydayOf } from './everyday.js';

/**
 * Writes the evaluation kinds built from the classification's own descriptions
 * (eval/README.md, "The phrase kinds"):
 *   official_phrase.jsonl  other editions' titles (SBI 2025 NL+EN, NACE-BEL 2025 NL, NACE 2.1 EN)
 *   note_item.jsonl        items of the NACE Rev. 2 and Rev. 2.1 explanatory notes
 *   everyday.jsonl         everyday descriptions written from a hash-chosen sample of both (everyday.ts)
 * Every case expects the SBI 2008 divisions its source's codes lie in: the issue's
 * measure is top-1 division. Re-runnable; the output depends on the data files only.
 *
 *   npx tsx scripts/eval/build-phrase-cases.ts
 */

const sbiList = loadSbiList();
const phrases = loadSourcePhrases();

/** SBI 2008 digits → the divisions, written as the SBI list writes them; phrases whose divisions are unknown are skipped. */
function divisions(p: SourcePhrase): string[] | undefined {
  const out = [...new Set(p.sbi2008.map((d) => d.slice(0, 2)))].filter((d) => sbiList.byDigits.has(d));
  return out.length > 0 && out.length === new Set(p.sbi2008.map((d) => d.slice(0, 2))).size ? out.map((d) => sbiList.byDigits.get(d)!.code) : undefined;
}

const line = (id: string, kind: string, lang: string, industry: string, sbi: string[], note: string, from?: string) =>
  JSON.stringify({ id, kind, split: splitOf(id), lang, ...(from ? { from } : {}), input: { industry }, expect: { sbi }, note });

/** A case id derived from a phrase's that falls in the phrase's own split: a holdout phrase never leaks into tune. */
function sameSplitId(base: string, split: string): string {
  for (const salt of ['', '-b', '-c', '-d', '-e', '-f', '-g', '-h', '-i', '-j', '-k', '-l']) {
    if (splitOf(base + salt) === split) return base + salt;
  }
  throw new Error(`no id near ${base} falls in ${split}`);
}

const sampleByte = (id: string) => createHash('sha256').update(`everyday:${id}`).digest()[0];

const official: string[] = [];
const notes: string[] = [];
const everyday: string[] = [];
const byClass = new Map<string, SourcePhrase[]>();
for (const p of phrases) {
  const key = `${p.lang}|${p.split}|${[...p.sbi2008].sort().join(',')}`;
  byClass.set(key, [...(byClass.get(key) ?? []), p]);
}
for (const p of phrases) {
  const sbi = divisions(p);
  if (!sbi) continue;
  const note = `${p.source} ${p.sourceCode}: ${p.text}`.slice(0, 200);
  (p.kind === 'title' ? official : notes).push(line(p.id, p.kind === 'title' ? 'official_phrase' : 'note_item', p.lang, p.text.slice(0, 200), sbi, `${p.source} ${p.sourceCode}`));
  // About 600 everyday descriptions per language: Dutch has titles only, English titles and notes.
  if (sampleByte(p.id) >= (p.lang === 'nl' ? 48 : 26)) continue;
  const group = byClass.get(`${p.lang}|${p.split}|${[...p.sbi2008].sort().join(',')}`) ?? [];
  const sibling = group.find((q) => q.id !== p.id && q.kind === p.kind);
  const e = everydayOf(p, sibling);
  const id = sameSplitId(`ed-${p.id.replace(/^(op|ni)-/, '')}`, p.split);
  const how = [e.long ? 'long' : 'short', e.typo ? 'typo' : ''].filter(Boolean).join(', ');
  everyday.push(line(id, 'everyday', p.lang, e.text, sbi, `from ${note}${sibling && e.long ? ` + ${sibling.id}` : ''} (${how})`.slice(0, 300), p.id));
}

for (const [file, lines] of [['official_phrase.jsonl', official], ['note_item.jsonl', notes], ['everyday.jsonl', everyday]] as const) {
  writeFileSync(join(CASES_DIR, file), `${lines.join('\n')}\n`);
  console.log(`${file}: ${lines.length} cases`);
}
