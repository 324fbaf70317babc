import { createHash } from 'node:crypto';
import type { Calibrate } from '../../src/enrich/calibration.js';
import { createEnricher, type VerrijkEnricher } from '../../src/enrich/engine.js';
import { type IndustryTables, loadIndustryTables } from '../../src/enrich/industry-tables.js';
import type { SbiList } from '../../src/enrich/sbi-list.js';
import type { CbsTableVersion } from '../../src/cbs/model.js';
import type { EvalCase } from './cases.js';

/**
 * Out-of-fold resolution of the TUNE split. The vocabulary holds every tune
 * phrase (data/vocabulary/activity-phrases.csv), so on tune the matcher would
 * read its own answers back: a confidence fitted there says nothing about text
 * it never saw, which is all the holdout split and every real lead are. So the
 * tune phrases are cut in two folds by a hash of their id; a phrase case (and an
 * everyday case written from a phrase) is resolved by an engine whose vocabulary
 * lacks that phrase's fold. CRM cases are resolved by the full engine.
 * `npm run calibrate` fits on these observations.
 */

export const foldOf = (phraseId: string): 0 | 1 => (createHash('sha256').update(`fold:${phraseId}`).digest()[0] % 2 === 0 ? 0 : 1);

/** The source phrase a case was made from, if any. */
export function phraseOf(c: EvalCase): string | undefined {
  if (c.kind === 'everyday') return c.from;
  if (c.kind === 'official_phrase' || c.kind === 'note_item') return c.id;
  return undefined;
}

export interface CrossFitOptions {
  sbiList: SbiList;
  tables: CbsTableVersion[];
  minConfidence: number;
  calibrate?: Calibrate;
}

/** case → the engine that never saw it. */
export function crossFitEnrichers(o: CrossFitOptions): (c: EvalCase) => VerrijkEnricher {
  const full = loadIndustryTables();
  const build = (industryTables: IndustryTables) => createEnricher({ ...o, industryTables, cacheSize: 10 });
  const whole = build(full);
  const without = ([0, 1] as const).map((f) => build({ ...full, activity: (full.activity ?? []).filter((a) => a.id === undefined || foldOf(a.id) !== f) }));
  return (c) => {
    const phrase = phraseOf(c);
    return phrase === undefined ? whole : without[foldOf(phrase)];
  };
}
