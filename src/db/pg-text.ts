/**
 * PostgreSQL `text` cannot hold U+0000, and `jsonb` refuses the `\u0000`
 * escape and a lone surrogate escape (`\ud800`), so one such character from a
 * CRM or a webhook would fail the whole statement: a webhook batch answered
 * 500 for ever, a lead written to the CRM without its audit row. Whatever we
 * store that came from outside goes through here first: U+0000 is dropped,
 * a lone surrogate becomes U+FFFD (as PostgreSQL's UTF-8 would make it anyway).
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string PostgreSQL text accepts. */
export function pgText(s: string): string {
  // indexOf first: almost every string is clean, and then nothing is copied.
  const cleaned = s.indexOf('\u0000') < 0 ? s : s.replaceAll('\u0000', '');
  return cleaned.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * JSON text PostgreSQL jsonb accepts, keys included. JSON.stringify writes
 * U+0000 as `\u0000` and a lone surrogate as `\udXXX` (paired ones stay raw),
 * so it is enough to rewrite those escapes, minding backslash parity: `\\u0000`
 * is an escaped backslash followed by the text u0000, not a NUL.
 */
export function pgJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  if (text.indexOf('\\u') < 0) return text;
  return text.replace(/(?<!\\)((?:\\\\)*)\\u(0000|d[89a-f][0-9a-f]{2})/gi, (_m, slashes: string, code: string) => (code === '0000' ? slashes : `${slashes}\\ufffd`));
}

/** A deep copy PostgreSQL jsonb accepts, for values drizzle serialises itself. */
export function pgJson<T>(value: T): T {
  if (value === undefined) return value;
  const text = JSON.stringify(value);
  if (text === undefined || text.indexOf('\\u') < 0) return value;
  return JSON.parse(pgJsonText(value)) as T;
}
