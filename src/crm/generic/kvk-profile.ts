/**
 * The part of a KvK Basisprofiel that Verrijk reads (DESIGN.md: the main
 * activity of `sbiActiviteiten`), and nothing else. A sender may post the whole
 * profile, or a CRM may answer with one: kept as given, its unknown keys were
 * stored twice per lead (`jobs.payload` and `enrichments.result`, ~1.8 MB for a
 * 0.9 MB profile; old finding 10), and nesting deeper than `JSON.stringify`
 * can follow lost a lead's audit row and made two leads share one cache key
 * (review 2026-12, L4). So both ways in keep at most 50 activities of three
 * bounded, flat fields each.
 */

export const MAX_KVK_ACTIVITIES = 50;

export interface KvkActivity {
  sbiCode?: string | number;
  sbiOmschrijving?: string;
  indHoofdactiviteit?: string;
}

/** What is kept of a profile: `{ sbiActiviteiten }` when it lists activities, `{}` (read as "no activities") otherwise. */
export interface KvkProfile {
  sbiActiviteiten?: KvkActivity[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function activityOf(v: unknown): KvkActivity | undefined {
  if (!isRecord(v)) return undefined;
  const out: KvkActivity = {};
  const code = v.sbiCode;
  if (typeof code === 'string') out.sbiCode = code.slice(0, 20);
  else if (typeof code === 'number' && Number.isFinite(code)) out.sbiCode = code;
  if (typeof v.sbiOmschrijving === 'string') out.sbiOmschrijving = v.sbiOmschrijving.slice(0, 500);
  if (typeof v.indHoofdactiviteit === 'string') out.indHoofdactiviteit = v.indHoofdactiviteit.slice(0, 3);
  return out;
}

/**
 * A profile (`{ sbiActiviteiten: [...] }`), a bare activity list, or one
 * activity (`{ sbiCode }`), as the enrichment reads them (`parseKvkSbi`),
 * reduced to what it reads. Never recurses into what it drops.
 */
export function kvkProfileOf(value: unknown): KvkProfile {
  let list: unknown = value;
  if (isRecord(value)) list = 'sbiActiviteiten' in value ? value.sbiActiviteiten : 'sbiCode' in value ? [value] : undefined;
  if (!Array.isArray(list)) return {};
  const activities: KvkActivity[] = [];
  for (const item of list.slice(0, MAX_KVK_ACTIVITIES)) {
    const activity = activityOf(item);
    if (activity) activities.push(activity);
  }
  return { sbiActiviteiten: activities };
}
