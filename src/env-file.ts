import { readFileSync } from 'node:fs';

/**
 * The `.env` file a newcomer copies from `.env.example`. Our own ~40 lines rather than
 * Node's `process.loadEnvFile`/`--env-file-if-exists` (only from Node 20.12 and 22.9; the
 * package says Node ≥ 20) or `dotenv` (v17 prints a banner on stdout): the rules are the
 * common dotenv ones, readable here, and the file never overrides the process environment.
 *
 * Syntax: `NAME=value` per line, optional `export `, `#` comment lines, blank lines;
 * values in '…' are literal, "…" understand \n \r \t \" \\, unquoted values end at ` #`
 * and are trimmed. A line that is none of these is reported by number (never by content:
 * it may hold a secret) and stops the process like any other bad configuration.
 */

export class EnvFileError extends Error {
  constructor(file: string, lines: number[]) {
    super(`${file}: cannot read line ${lines.join(', ')} (expected NAME=value)`);
    this.name = 'EnvFileError';
  }
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

const SINGLE = /^'([^']*)'\s*(?:#.*)?$/;
const DOUBLE = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/;

function value(raw: string): string | undefined {
  if (raw.startsWith("'")) return SINGLE.exec(raw)?.[1];
  if (raw.startsWith('"')) return DOUBLE.exec(raw)?.[1].replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
  return raw.replace(/(^|\s+)#.*$/, '').trim();
}

/** Parses the text of an env file; `file` only names it in the error. */
export function parseEnvFile(text: string, file = '.env'): Record<string, string> {
  const vars: Record<string, string> = {};
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const m = LINE.exec(line);
    const v = m ? value(m[2]) : undefined;
    if (!m || v === undefined) bad.push(i + 1);
    else vars[m[1]] = v;
  });
  if (bad.length) throw new EnvFileError(file, bad);
  return vars;
}

/**
 * The environment config is parsed from: the variables of `file` (when it exists) under
 * the process environment, which wins for every name it sets, even to an empty value.
 */
export function withEnvFile(env: Record<string, string | undefined>, file = '.env'): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw err;
  }
  return { ...parseEnvFile(text, file), ...env };
}
