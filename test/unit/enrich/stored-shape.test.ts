import { describe, expect, it } from 'vitest';
import { enrichmentCard } from '../../../src/enrich/card.js';
import { createEnricher } from '../../../src/enrich/engine.js';
import { EnrichmentSchema } from '../../../src/enrich/result.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';

/** Existing installations: a result stored before SBI 2025 (no system, SBI 2008 codes) still reads and renders as it did. */
describe('a result stored before SBI 2025', () => {
  it('parses, and renders the card it wrote then, without the SBI 2025 fields', () => {
    const now = createEnricher({ sbiList: loadSbiList(), tables: [], minConfidence: 0.5 }).resolve({ sbi: '62.01', employees: 12 });
    // The old shape: SBI 2008 answer, none of the fields issue 22 added.
    const { cbs_sbi_system, cbs_sbi2008, ...rest } = now;
    const { read, conversion, ...match } = now.cbs_match.sector!;
    const old = {
      ...rest,
      cbs_sbi_code: '62.01',
      cbs_sbi_title: 'Ontwikkelen, produceren en uitgeven van software',
      cbs_sbi_level: 'class' as const,
      cbs_sector: { letter: 'J', title: 'Informatie en communicatie' },
      cbs_match: { ...now.cbs_match, sector: { ...match, normalised: '62.01' } },
    };
    expect(cbs_sbi_system).toBe('SBI2025');
    expect(read).toBeDefined();
    expect(conversion).toBeDefined();
    expect(cbs_sbi2008).toBeDefined();
    const parsed = EnrichmentSchema.safeParse(old);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    const card = enrichmentCard(parsed.data!, new Date(0));
    expect(card).toMatchObject({ cbs_sbi_code: '62.01', cbs_sector: 'J Informatie en communicatie', cbs_match: 'SBI-code "62.01" → 62.01, class (100%)' });
    expect(card.cbs_sbi2008).toBeUndefined();
    // Re-enriching the same lead writes the SBI 2025 fields.
    expect(enrichmentCard(now, new Date(0))).toMatchObject({ cbs_sbi_code: '62100', cbs_sbi2008: '62.01 Ontwikkelen, produceren en uitgeven van software' });
  });
});
