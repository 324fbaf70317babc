import { createHash } from 'node:crypto';
import type { SourcePhrase } from './activity-sources.js';

/**
 * Everyday descriptions written from the classification's own phrases, keeping
 * their codes: a title or note item is turned into the way a CRM note, a website
 * line or a KvK "omschrijving" says it ("Vervaardiging van schoenen" → "wij
 * maken schoenen", "Retail sale of books" → "shop selling books"), in its own
 * language, with what such text carries besides: a region, a year, customers,
 * a second activity of the same class (the long ones), lower case and a typo.
 *
 * The rewriting rules are fixed grammar of the source phrases (what is made,
 * sold, repaired, rented, grown), chosen by a hash of the phrase's id; they were
 * written before the matcher was run on them and never changed after.
 */

/** A deterministic stream of choices for one phrase. */
function chooser(seed: string) {
  let state = createHash('sha256').update(seed).digest();
  let at = 0;
  const next = () => {
    if (at >= state.length) {
      state = createHash('sha256').update(state).digest();
      at = 0;
    }
    return state[at++];
  };
  return { pick: <T>(xs: readonly T[]): T => xs[next() % xs.length], chance: (p: number) => next() < 256 * p };
}

type Rule = [RegExp, readonly string[]];

// `$1` is what the phrase is about (the product, the service); rules are tried in order.
const NL_RULES: Rule[] = [
  [/^vervaardiging van (.+)$/i, ['wij maken $1', 'producent van $1', 'fabrikant van $1', 'productie van $1', 'wij produceren $1']],
  [/^groothandel in (.+)$/i, ['groothandel in $1', 'wij verkopen $1 aan bedrijven en winkels', 'import en groothandel van $1']],
  [/^(?:detailhandel|winkels?) in (.+)$/i, ['winkel in $1', 'wij verkopen $1 in onze winkel', 'verkoop van $1 aan particulieren']],
  [/^reparatie(?: en onderhoud)? van (.+)$/i, ['wij repareren $1', 'reparatie en onderhoud van $1', 'reparatiebedrijf voor $1']],
  [/^verhuur(?: en lease)? van (.+)$/i, ['wij verhuren $1', 'verhuur van $1', 'verhuurbedrijf van $1']],
  [/^teelt van (.+)$/i, ['wij telen $1', 'kwekerij van $1', 'teler van $1']],
  [/^installatie van (.+)$/i, ['wij installeren $1', 'installatie van $1']],
  [/^(.+)$/, ['$1', 'wij zijn actief in: $1', 'ons bedrijf: $1', 'bedrijf in $1']],
];

const EN_RULES: Rule[] = [
  [/^manufacture of (.+)$/i, ['we make $1', 'manufacturer of $1', 'manufacturing of $1', 'producer of $1', 'we produce $1']],
  [/^wholesale(?: trade)? of (.+)$/i, ['wholesaler of $1', 'we distribute $1 to retailers', 'wholesale distribution of $1']],
  [/^retail sale of (.+?)(?: in specialised stores)?$/i, ['shop selling $1', 'we sell $1 to consumers', 'retailer of $1']],
  [/^repair(?: and maintenance)? of (.+)$/i, ['we repair $1', 'repair and servicing of $1', 'repair shop for $1']],
  [/^(?:renting|rental)(?: and leasing)? of (.+)$/i, ['we rent out $1', 'rental of $1', 'hire of $1']],
  [/^growing of (.+)$/i, ['we grow $1', 'grower of $1']],
  [/^installation of (.+)$/i, ['we install $1', 'installation of $1']],
  [/^(.+)$/, ['$1', 'we offer $1', 'our business: $1', 'company active in $1']],
];

const NL_EXTRAS = ['in de regio Utrecht', 'sinds 1987', 'voor particulieren en bedrijven', 'in heel Nederland', 'familiebedrijf met 12 medewerkers', 'gevestigd in Zwolle'];
const EN_EXTRAS = ['based in Rotterdam', 'since 1995', 'serving customers across the Benelux', 'family business', 'with 20 staff', 'open Monday to Saturday'];

/** Parentheses, "n.e.g." and similar bookkeeping of titles are not how people write. */
function plain(text: string): string {
  return text
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\b(n\.?e\.?g\.?|n\.?e\.?c\.?|e\.?d\.?|etc\.?)/gi, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s+([,;:])/g, '$1')
    .trim()
    .replace(/[,;:]$/, '');
}

/** One letter pair swapped inside a word of 6+ letters: the commonest typo. */
function typo(text: string, c: ReturnType<typeof chooser>): string {
  const words = text.split(' ');
  const long = words.map((w, i) => [w, i] as const).filter(([w]) => /^[a-z]{6,}$/i.test(w));
  if (long.length === 0) return text;
  const [w, i] = c.pick(long);
  const at = 1 + (c.pick([0, 1, 2, 3, 4, 5, 6, 7]) % (w.length - 3));
  words[i] = w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2);
  return words.join(' ');
}

export interface Everyday {
  text: string;
  long: boolean;
  typo: boolean;
}

/**
 * The everyday form of a phrase; `sibling` (another phrase of the same class and language, when there is one)
 * makes a long description with a second activity of the same code.
 */
export function everydayOf(p: SourcePhrase, sibling: SourcePhrase | undefined): Everyday {
  const c = chooser(p.id);
  const rules = p.lang === 'nl' ? NL_RULES : EN_RULES;
  const rewrite = (text: string) => {
    const t = plain(text);
    const rule = rules.find(([re]) => re.test(t))!;
    return t.replace(rule[0], c.pick(rule[1]));
  };
  let text = rewrite(p.text);
  const long = sibling !== undefined && c.chance(0.4);
  if (long) text = `${text}${p.lang === 'nl' ? ', daarnaast ook ' : ', and also '}${plain(sibling.text).toLowerCase()}`;
  if (c.chance(0.5)) text = `${text}, ${c.pick(p.lang === 'nl' ? NL_EXTRAS : EN_EXTRAS)}`;
  if (c.chance(0.6)) text = text.toLowerCase();
  const withTypo = c.chance(0.3);
  if (withTypo) text = typo(text, c);
  return { text: text.slice(0, 200), long, typo: withTypo };
}
