/**
 * Which CBS table (and topic) feeds which market figure on the lead card. The
 * figures are the card's slots; which table fills each is configuration
 * (CBS_FIGURES), so a successor table or another topic needs no code change.
 *
 *   CBS_FIGURES=jobs=83583NED,businesses=81588NED,establishments=81575NED@municipality
 *   jobs=83583NED/BanenVanWerknemersInDecember_1   (a named topic)
 *   businesses=off                                 (no such figure)
 *   starts=83631NED@corop                          (per the lead's COROP region)
 */

export const FIGURE_IDS = ['jobs', 'businesses', 'establishments', 'starts', 'closures', 'bankruptcies'] as const;
export type FigureId = (typeof FIGURE_IDS)[number];

/** 'corop': the lead's COROP region (from its municipality, data/corop/), for tables published no finer (83631NED). */
export type FigureScope = 'national' | 'municipality' | 'corop';

export interface FigureSpec {
  id: FigureId;
  tableId: string;
  /** Topic key; undefined = the table's first numeric topic (or its size-class columns). */
  topic?: string;
  /** 'municipality' / 'corop': the figure is for the lead's municipality or COROP region (from its postcode). */
  scope: FigureScope;
}

export const FIGURE_LABELS: Record<FigureId, string> = {
  jobs: 'Banen van werknemers in sector en grootteklasse',
  businesses: 'Bedrijven in sector en grootteklasse',
  establishments: 'Vestigingen in sector en gemeente',
  starts: 'Oprichtingen van vestigingen in sector en regio',
  closures: 'Opheffingen van vestigingen in sector en regio',
  bankruptcies: 'Uitgesproken faillissementen in sector',
};

export const DEFAULT_FIGURES_TEXT =
  'jobs=83583NED,businesses=81588NED,establishments=81575NED@municipality,starts=83631NED@corop,closures=83635NED@corop,bankruptcies=82244NED';

/** Parses CBS_FIGURES; returns the specs or a list of problems. */
export function parseFigureSpecs(text: string): { ok: true; specs: FigureSpec[] } | { ok: false; problems: string[] } {
  const specs: FigureSpec[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*(off|([0-9A-Za-z]{5,12})(?:\/([A-Za-z0-9_]{1,80}))?(?:@(national|municipality|corop))?)$/.exec(part);
    if (!m) {
      problems.push(`"${part}" must look like jobs=83583NED, jobs=83583NED/Topic_1, establishments=81575NED@municipality, starts=83631NED@corop or businesses=off`);
      continue;
    }
    const id = m[1] as FigureId;
    if (!FIGURE_IDS.includes(id)) {
      problems.push(`"${m[1]}" is not a figure (known: ${FIGURE_IDS.join(', ')})`);
      continue;
    }
    if (seen.has(id)) problems.push(`${id} is named twice`);
    seen.add(id);
    if (m[2] === 'off') continue;
    specs.push({ id, tableId: m[3], ...(m[4] ? { topic: m[4] } : {}), scope: (m[5] as FigureScope | undefined) ?? 'national' });
  }
  return problems.length ? { ok: false, problems } : { ok: true, specs };
}

export const DEFAULT_FIGURES: FigureSpec[] = (() => {
  const parsed = parseFigureSpecs(DEFAULT_FIGURES_TEXT);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.specs;
})();
