import { describe, expect, it } from 'vitest';
import { modifierForm, normaliseIndustry, STOP, stem, textWords } from '../../../src/enrich/text-words.js';

describe('Dutch morphology of the word tier (docs/accuracy.md, design item 7)', () => {
  it('stems a diminutive to its noun, singular and plural alike', () => {
    expect(stem('minibusjes')).toBe(stem('minibus'));
    expect(stem('koekjes')).toBe(stem('koek'));
    expect(stem('tuintje')).toBe(stem('tuin'));
    expect(stem('broodjes')).toBe(stem('brood'));
  });

  it('drops the function words of official titles, keeps the words that name an activity', () => {
    const kept = textWords(normaliseIndustry('Vervaardiging van machines, ongeacht de aard, en dergelijke toestellen met betrekking tot de landbouw')).map((w) => w.word);
    expect(kept).toEqual(['vervaardiging', 'machines', 'aard', 'toestellen', 'landbouw']);
    for (const w of ['ongeacht', 'hetzij', 'betrekking', 'dergelijke', 'vergelijkbare']) expect(STOP.has(stem(w)), w).toBe(true);
  });

  it('drops the connectives of long official titles, and what follows a side-activity word stays a side activity', () => {
    const words = textWords(normaliseIndustry('Detailhandel in motorfietsen, inclusief onderdelen hiervan, ter bescherming volgens de regels'));
    expect(words.map((w) => w.word)).toEqual(['detailhandel', 'motorfietsen', 'onderdelen', 'bescherming', 'regels']);
    expect(words.map((w) => w.aside)).toEqual([false, false, true, true, true]);
    for (const w of ['verband', 'hiervan', 'ter', 'volgens', 'eventuele', 'inclusief', 'alsmede', 'tevens', 'daarnaast']) expect(STOP.has(stem(w)), w).toBe(true);
  });

  it('tells an adjective or participle from a noun by its form', () => {
    for (const w of ['eetbare', 'persoonlijke', 'tropische', 'gezouten', 'gerookt', 'geraffineerde']) expect(modifierForm(w), w).toBe(true);
    for (const w of ['bakkerij', 'schoenen', 'garage', 'gereedschap', 'boter']) expect(modifierForm(w), w).toBe(false);
  });
});
