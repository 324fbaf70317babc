/**
 * Words of an industry text as the matcher compares them: normalised, capped,
 * stemmed so that Dutch and English word forms meet the SBI and NACE titles
 * ("projectontwikkelaar" and "Projectontwikkeling", "stukadoor" and
 * "Stukadoren", "sloop" and "Slopen", "camping" and "kampeer"), with stop words
 * removed AFTER stemming ("bedrijven" is "bedrijf"). Every step is linear in the
 * (capped) input: no search over the vocabulary happens here.
 */

/** At most this many characters and words of an input are read: the rest cannot change a sector. */
export const MAX_TEXT = 200;
export const MAX_WORDS = 16;
/** Longer "words" are not words (random letters, hashes): they are cut, never searched. */
export const MAX_WORD = 40;

/** Lower case, no accents, `&`/`+` as "and", punctuation and underscores as spaces: "IT-consultancy" → "it consultancy". */
export function normaliseIndustry(text: string): string {
  return text
    .slice(0, MAX_TEXT * 2)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[&+]/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The form that decides whether two labels are the same option: "Hospital & Health Care" = HOSPITAL_HEALTH_CARE. */
export function labelKey(text: string): string {
  return normaliseIndustry(text)
    .split(' ')
    .filter((w) => w !== 'and' && w !== 'en' && w !== '')
    .join(' ');
}

/** Suffixes stripped by the stemmer, longest first within each family. */
const SUFFIXES = [
  'erijen', 'erij', 'ingen', 'ing', 'heden', 'heid', 'aties', 'atie', 'ations', 'ation', 'ische', 'isch', 'ieken', 'iek',
  'isten', 'ist', 'ika', 'iks', 'ik', 'aars', 'aar', 'ateurs', 'ateur', 'eurs', 'eur', 'sters', 'ster', 'eren', 'ers', 'er', 'ies', 'ions', 'ion', 'ments', 'ment',
  // Dutch diminutives: "minibusjes", "huisje", "broodjes" are the bus, house and bread.
  'tjes', 'tje', 'jes', 'je',
  'en', 'es', 'e', 's',
];
const isVowel = (ch: string) => ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u' || ch === 'y';
/** Suffixes by their last letter, so a word is checked against a handful, not all. */
const BY_LAST = new Map<string, string[]>();
for (const suffix of SUFFIXES) {
  const last = suffix[suffix.length - 1];
  BY_LAST.set(last, [...(BY_LAST.get(last) ?? []), suffix]);
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (isVowel(w[i])) return true;
  return false;
}

function stripOnce(w: string): string {
  for (const s of BY_LAST.get(w[w.length - 1]) ?? []) {
    if (!w.endsWith(s)) continue;
    const cut = w.length - s.length;
    // Keep at least 3 letters with a vowel, so "bier", "bus" and "ict" stay themselves.
    if (cut < 3 || !hasVowel(w, cut)) continue;
    const rest = w.slice(0, cut);
    if (s === 'ies') return `${rest}y`;
    // "verhuurder" → "verhuur": the agent -der after r.
    if (s === 'er' && cut >= 5 && rest.endsWith('rd')) return rest.slice(0, -1);
    return rest;
  }
  return w;
}

const DOUBLED = new Set(['bb', 'dd', 'ff', 'gg', 'kk', 'll', 'mm', 'nn', 'pp', 'rr', 'tt']);

/**
 * A light Dutch/English stemmer, the same on both sides of every comparison:
 * two rounds of suffix stripping, then a doubled last consonant is undone
 * ("bakk" → "bak") and a long vowel in the last syllable is written single
 * ("sloop" → "slop", as in "slopen"). `c` before anything but `h` is `k`, so
 * "camping", "cafe" and "electro" meet "kampeer", "kafe" and "elektro".
 * Plain string operations (no regular expressions): it runs for every word of
 * every query and of every compound split.
 */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) < 97) return word; // digits: a code, not a word
  let w = word;
  if (w.includes('c')) {
    let k = '';
    for (let i = 0; i < w.length; i++) k += w[i] === 'c' && w[i + 1] !== 'h' ? 'k' : w[i];
    w = k;
  }
  for (let round = 0; round < 2; round++) {
    const next = stripOnce(w);
    if (next === w) break;
    w = next;
  }
  if (w.length > 3 && DOUBLED.has(w.slice(-2))) w = w.slice(0, -1);
  // The last vowel group, written single when doubled: "sloop" → "slop", "verhuur" → "verhur".
  let end = w.length;
  while (end > 0 && !isVowel(w[end - 1])) end--;
  if (end >= 2 && w.length > 3 && w[end - 1] === w[end - 2] && w[end - 1] !== 'i' && w[end - 1] !== 'y' && (end < 3 || !isVowel(w[end - 3]))) {
    w = w.slice(0, end - 1) + w.slice(end);
  }
  return w;
}

/**
 * Words that say nothing about a sector, compared after stemming: Dutch and
 * English function words, the filler of KvK activity descriptions ("het
 * verrichten van werkzaamheden"), and "bedrijf"/"company", which every
 * kind of business is. The last line is the connective filler of the long
 * official Dutch titles ("in verband met", "ter bescherming van", "inclusief
 * onderdelen hiervan"): "verband" was read as "ver" + "band" and matched every
 * title that says "in verband met" (issue 23, docs/accuracy.md). The side-activity
 * words among them (SIDE_WORDS) still mark what follows as a side activity:
 * that test reads the raw word before stop words go.
 */
const STOP_WORDS = `van en de het een in op voor met niet geen overige overig rest ed of and the for to by via als aan bij naar zonder dan
  elders genoemd anders andere alle alles ook zowel waaronder onder meer meest ten behoeve gebied diverse divers allerlei soort soorten
  door over tot uit om per naast tegen tussen zich zijn haar hun wij ons onze mijn alleen vooral hoofdzakelijk voornamelijk
  verlenen verzorgen voeren geven bieden aanbieden leveren levering uitvoeren plegen drijven doen
  derden opdrachtgevers opdrachtgever klanten klant particulieren particuliere ondernemers zakelijke zakelijk bijbehorende diverse
  verrichten verricht uitoefenen uitoefening exploitatie exploiteren activiteit activiteiten werkzaamheden uitvoeren uitvoering
  bedrijf bedrijven onderneming ondernemingen company companies business businesses firm enterprise
  other others activities activity nec n e c related except including excluding our we your their with from into on at an a is are
  as well such general algemeen algemene nl bv nv vof
  ongeacht welk welke wiens hetzij daarmee daarvan daarbij waarbij waarvan zover zodat mits indien tenzij bestaande bevatten bevat
  betrekking gesteld eigen dergelijke dergelijk soortgelijke soortgelijk vergelijkbare vergelijkbaar zoals enz muv
  verband hiervan ter volgens eventuele eventueel inclusief incl alsmede tevens daarnaast`.split(/\s+/);

export const STOP = new Set(STOP_WORDS.filter(Boolean).map(stem));

/**
 * Whether an unknown Dutch word is an adjective or participle by its form ("eetbare", "persoonlijke", "tropische",
 * "gezouten", "geraffineerde"): it modifies the head noun, so not knowing it says less than not knowing a noun.
 */
export function modifierForm(word: string): boolean {
  if (word.length < 6) return false;
  for (const end of ['lijke', 'bare', 'ische', 'isch', 'ige', 'ende']) if (word.endsWith(end)) return true;
  // Past participles: ge…d, ge…t, ge…de, ge…te, ge…en ("gerookt", "gemengde", "getrokken").
  return word.startsWith('ge') && (word.endsWith('d') || word.endsWith('t') || word.endsWith('de') || word.endsWith('te') || word.endsWith('en'));
}

/** Two-letter words that decide a sector and must never be dropped as noise. */
const SHORT_KEEP = new Set(['it', 'hr', 'pr', 'ai', 'tv', '3d', 'ov']);

/** Words after which a text names whom the business serves, not what it does ("… voor de zorg", "… for logistics companies"). */
const FOR_WORDS = new Set(['voor', 'for', 'tbv', 'aan']);
/** Words after which a description adds side activities ("restaurant met bar en terras", "… as well as"). */
const SIDE_WORDS = new Set(['met', 'with', 'inclusief', 'incl', 'including', 'alsmede', 'tevens', 'daarnaast', 'naast', 'plus']);

export interface TextWord {
  /** The word as written (normalised): compounds are split from this form. */
  word: string;
  /** Index among the kept words: the first words of a description name its main activity. */
  position: number;
  /** Whether it stands after "voor"/"for": it describes the customers. */
  forWhom: boolean;
  /** Whether it stands after "met"/"with": a side activity. */
  aside: boolean;
}

/** The words of a normalised text, capped, stop words (compared after stemming) removed. */
export function textWords(normalised: string): TextWord[] {
  const out: TextWord[] = [];
  let forWhom = false;
  let aside = false;
  let seen = 0;
  for (const raw of normalised.slice(0, MAX_TEXT).split(' ')) {
    if (out.length >= MAX_WORDS || ++seen > MAX_WORDS * 3) break;
    if (FOR_WORDS.has(raw)) forWhom = true;
    if (SIDE_WORDS.has(raw)) aside = true;
    const w = raw.slice(0, MAX_WORD);
    if (w.length < 3 && !SHORT_KEEP.has(w)) continue;
    if (/^\d+$/.test(w)) continue;
    if (!STOP.has(stem(w))) out.push({ word: w, position: out.length, forWhom, aside });
  }
  return out;
}
