import { en, type Strings } from './i18n/en.js';
import { nl } from './i18n/nl.js';

/** Small formatting helpers every part of the status page shares: words, numbers, ages and dates in one language. */

export type UiLanguage = 'nl' | 'en';

const STRINGS: Record<UiLanguage, Strings> = { nl, en };

/** The words and number formats of one language: a page never mixes two. */
export interface Ui {
  t: Strings;
  lang: UiLanguage;
  number: (n: number) => string;
  pct: (share: number) => string;
}

export function uiFor(lang: UiLanguage): Ui {
  const locale = lang === 'nl' ? 'nl-NL' : 'en-GB';
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return { t: STRINGS[lang], lang, number: (n) => whole.format(n), pct: (share) => `${Math.round(share * 100)}%` };
}

/** Fills `{name}` in a template; a missing value leaves the mark visible rather than inventing text. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/** The word for a stored code (a status, a method); an unknown code shows as itself. */
export function word(map: Record<string, string>, code: string | null | undefined): string {
  if (!code) return '';
  return Object.hasOwn(map, code) ? (map[code] as string) : code;
}

export function age(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

export const since = (d: Date | null | undefined, now: Date) => (d ? age((now.getTime() - d.getTime()) / 1000) : '–');

/** A moment in UTC, minutes only: what a person compares with the CRM's own log. */
export const when = (d: Date | null | undefined) => (d ? `${d.toISOString().replace('T', ' ').slice(0, 16)} UTC` : '–');

/** The lead page's address: the same source, id, account and type the admin API takes. */
export function leadHref(l: { source: string; objectId: string; accountId: string; objectType: string }): string {
  const q = new URLSearchParams(l.accountId ? { account: l.accountId, type: l.objectType } : { type: l.objectType });
  return `/leads/${encodeURIComponent(l.source)}/${encodeURIComponent(l.objectId)}?${q}`;
}
