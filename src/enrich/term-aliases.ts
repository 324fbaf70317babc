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
    // Words of kind that name a maker: "Leather shoe factory", "City bus OEM". Not "plant": stemmed it is Dutch "planten".
    'factory', 'factories', 'oem', 'oems',
  ],
  // Selling, not saying to whom: trade, which wholesale and retail both are (the kind test below accepts either).
  handel: ['handelaar', 'handelaren', 'handelt', 'verkoop', 'verkopen', 'verkoopt', 'verkoper', 'sell', 'sells', 'selling', 'sale', 'sales', 'dealer', 'dealers'],
  winkel: ['detailhandel', 'kleinhandel', 'retail', 'retailer', 'retailers', 'winkelier', 'speciaalzaak', 'zaak', 'shop', 'shops', 'store', 'stores'],
  groothandel: ['distribute', 'distributes', 'groothandelaar', 'groothandelaren', 'wholesale', 'wholesaler', 'wholesalers', 'importeur', 'import', 'importer', 'importers', 'distributeur', 'distributor', 'distributors'],
  reparatie: ['repareren', 'repair', 'repairs', 'herstel', 'herstellen', 'herstelling'],
  verhuur: ['verhuren', 'verhuurder', 'verhuurt', 'rental', 'rentals', 'hire', 'rent', 'rents', 'renting', 'leasing'],
  advisering: ['advies', 'adviseren', 'adviseur', 'adviseurs', 'consultancy', 'consulting', 'consultant', 'consultants', 'advisory', 'advice'],
  teelt: ['telen', 'teler', 'telers', 'kweken', 'kweker', 'kwekers', 'kwekerij', 'growing', 'grower', 'growers', 'grow', 'grows'],
  // Fitting work is installation: "Monteren van …", "Aanbrengen van glas", "Montage van schrijnwerk" (43, 33).
  // Not "plaatsen": split from "parkeerplaatsen" it would make every car park an installer.
  installatie: [
    'installeren', 'installeert', 'installateur', 'installateurs', 'install', 'installs', 'installer', 'installers',
    'monteren', 'montage', 'monteur', 'monteurs', 'aanbrengen',
  ],
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

/**
 * Which kinds of activity each SBI division is (by the first two digits): a text that says what it does
 * ("groothandel in", "wij maken", "we repair") is not a division of another kind, whatever product it names
 * ("Groothandel in aardappelproducten" is not 10.31, "we repair pumps" not 28.13). Divisions of no listed kind
 * (publishing, water, films) accept every kind: "productie" of films is 59, of electricity 35.
 * Read from the SBI 2008 section and division titles (C = Vervaardiging, 33 = Reparatie en installatie van
 * machines, 43 includes Bouwinstallatie, 45 = Handel in en reparatie van auto's, 46 = Groothandel, 47 =
 * Detailhandel, 68 includes Verhuur van onroerend goed, 77 = Verhuur en lease, 95 = Reparatie; 01–03 teelt/kweek).
 */
const KINDS_OF_DIVISIONS: Array<[string[], string[]]> = [
  [['01', '02', '03'], ['teelt']],
  [Array.from({ length: 23 }, (_, i) => String(10 + i)), ['vervaardiging']],
  [['33'], ['reparatie', 'installatie']],
  [['43'], ['installatie']],
  [['45'], ['handel', 'groothandel', 'winkel', 'reparatie']],
  [['46'], ['groothandel', 'handel']],
  [['47'], ['winkel', 'handel']],
  [['68', '77'], ['verhuur']],
  [['95'], ['reparatie']],
];

/** Division (two digits) → the kind terms (stemmed, canonical) it is. */
export const DIVISION_KINDS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  KINDS_OF_DIVISIONS.flatMap(([divisions, kinds]) => divisions.map((d) => [d, new Set(kinds.map(stem))] as const)),
);

/** The kind terms (stemmed, canonical): what a text says it does. */
export const KIND_TERMS: ReadonlySet<string> = new Set(['vervaardiging', 'groothandel', 'winkel', 'handel', 'verhuur', 'reparatie', 'installatie', 'teelt'].map(stem));
