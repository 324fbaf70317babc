import { normaliseIndustry } from './text-words.js';

/**
 * Values that sit in an industry field but are not an industry: e-mail
 * addresses and web addresses (a form filled in the wrong box), company names
 * (they carry a legal form: "Jansen B.V."), and the catch-alls of CRM
 * dropdowns ("Overig", "n.v.t.", "Services"). Such a value gets no sector and
 * no guess: any code read from it would be invented.
 */

const EMAIL = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;
const URL = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:nl|com|eu|be|de|org|net|io|co|info|biz|shop|online|nu|app|dev|ai|uk|fr)(?:[/:?#]|$)/i;

/** Legal forms and family-firm endings ("& Zn.", "Gebr."), as words of the normalised text ("B.V." → "b v"); not "cv", which is central heating. */
const LEGAL_FORM = /(?:^| )(?:b ?v|n ?v|v ?o ?f|gmbh|ltd|limited|inc|llc|plc|sarl|bvba|sprl|eenmanszaak|zn|zonen|gebr|gebroeders|co)(?: |$)/;

/** A title or initials in front of a name: "Mevr. S. Visser", "Dhr. de Jong", "Mr. Smith". */
const PERSON = /^(?:mevr|mevrouw|mw|dhr|de heer|heer|mr|mrs|ms|miss|dr|drs|ir|ing|prof)(?: [a-z])* [a-z]+/;

/** Whole values that mean "something else" or "not filled in". Compared normalised. */
const CATCH_ALL = new Set(
  [
    'n v t', 'nvt', 'n a', 'na', 'none', 'geen', 'nee', 'nil', 'null', 'undefined', 'unknown', 'onbekend', 'nog onbekend', 'tbd', 'test',
    'overig', 'overige', 'overigen', 'overige branches', 'diversen', 'divers', 'diverse', 'anders', 'andere', 'other', 'others',
    'various', 'misc', 'miscellaneous', 'general', 'algemeen', 'services', 'service', 'diensten', 'dienstverlening', 'producten',
    'products', 'solutions', 'oplossingen', 'business', 'bedrijf', 'company', 'industry', 'industrie', 'branche', 'sector', 'particulier',
    'private', 'consumer', 'prive', 'zakelijk', 'b2b', 'b2c', 'klant', 'customer', 'prospect', 'lead', 'partner', 'leverancier',
    'supplier', 'x', 'xx', 'xxx', 'abc', 'asdf', 'select', 'kies', 'maak een keuze', 'please select', 'choose',
    'groot', 'klein', 'middelgroot', 'nieuw', 'oud', 'new', 'old', 'big', 'small', 'large', 'medium', 'organisatie', 'organization',
    'organisation', 'onderneming', 'firma', 'zaak', 'website', 'internet', 'online', 'kvk', 'ja', 'yes', 'no', 'n b', 'nb', 'idem',
  ].map(normaliseIndustry),
);

/** Why a value is not an industry, or undefined when it may be one. */
export function notAnIndustry(raw: string): string | undefined {
  const text = raw.trim();
  // The @ first: the pattern alone would backtrack over a long value.
  if (text.includes('@') && EMAIL.test(text)) return 'an e-mail address is not an industry';
  if (URL.test(text)) return 'a web address is not an industry';
  const n = normaliseIndustry(text);
  if (n === '' || /^[\d ]+$/.test(n)) return 'no words to read';
  if (CATCH_ALL.has(n) || /^(?:zie|see|check|volgt|to do|todo|nog (?:in te vullen|invullen|onbekend|niet bekend|bepalen)|in te vullen|niet (?:bekend|ingevuld|van toepassing))\b/.test(n)) return `"${text.slice(0, 40)}" is a catch-all, not an industry`;
  if (PERSON.test(n)) return "looks like a person's name, not an industry";
  // "b v" from "B.V.", but not inside words: the normalised text keeps words apart by single spaces.
  if (LEGAL_FORM.test(n) || /\b(?:b\.v\.|n\.v\.|v\.o\.f\.)/i.test(text)) return 'looks like a company name (legal form), not an industry';
  return undefined;
}
