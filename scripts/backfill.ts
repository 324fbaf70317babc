/**
 * Backfill from the terminal: starts a backfill (or its preview) on the RUNNING service through its
 * admin API and follows it with a progress bar (done / total, rate, time left). It never opens the
 * database itself: the embedded one belongs to the service (src/db/pglite-lock.ts).
 *
 *   npm run backfill -- --source hubspot --object-type companies --dry-run
 *   npm run backfill -- --source pipedrive --object-type organizations [--account 123] [--created-before 2026-01-01T00:00:00Z]
 *   npm run backfill -- --follow 3            # follow a backfill that is running
 *   npm run backfill -- --pause 3 | --resume 3 | --cancel 3
 *
 * The service's address is PUBLIC_URL (default http://localhost:PORT), its ADMIN_TOKEN the bearer
 * token, both from the environment or .env as the service reads them. Ctrl-C stops following; the
 * backfill goes on in the service.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { withEnvFile } from '../src/env-file.js';

const { values } = parseArgs({
  options: {
    source: { type: 'string' },
    'object-type': { type: 'string' },
    account: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'created-before': { type: 'string' },
    follow: { type: 'string' },
    pause: { type: 'string' },
    resume: { type: 'string' },
    cancel: { type: 'string' },
    url: { type: 'string' },
  },
});

interface Backfill {
  id: number;
  state: string;
  dryRun: boolean;
  source: string;
  objectType: string;
  listed: number;
  lastError: string | null;
  progress: { done: number; total: number | null; ratePerSecond: number; etaSeconds: number | null; finished: boolean; jobs: Record<string, number> };
  reportUrl: string;
  csvUrl: string;
}

function usage(): never {
  console.error('usage: npm run backfill -- --source hubspot|pipedrive --object-type <type> [--account <id>] [--dry-run] [--created-before <ISO time>]');
  console.error('       npm run backfill -- --follow <id> | --pause <id> | --resume <id> | --cancel <id>');
  process.exit(2);
}

let base: string;
let token: string | undefined;
try {
  const config = loadConfig(withEnvFile(process.env));
  base = (values.url ?? config.publicUrl).replace(/\/+$/, '');
  token = config.adminToken;
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(2);
}
if (!token) {
  console.error('ADMIN_TOKEN is not set: the admin API (and so this command) needs it');
  process.exit(2);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new Error(`the service at ${base} did not answer (${(err as Error).message}); is it running?`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      detail = JSON.parse(text).detail ?? text;
    } catch {}
    throw new Error(`${method} ${path} → ${res.status}: ${detail}`);
  }
  return JSON.parse(text) as T;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line: `[#####-----] 1200/2000  33.4/s  ETA 24s  (listing)`. */
export function progressLine(b: Backfill, width = 30): string {
  const { done, total } = b.progress;
  const share = total ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  const bar = total ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]` : `[${'?'.repeat(width)}]`;
  const state = b.state === 'listing' ? `listing, ${b.listed} listed` : b.state;
  return `${bar} ${done}/${total ?? '?'}  ${b.progress.ratePerSecond.toFixed(1)}/s  ETA ${duration(b.progress.etaSeconds)}  (${state})`;
}

async function follow(id: number): Promise<void> {
  const tty = process.stderr.isTTY;
  let last = '';
  for (;;) {
    const b = await call<Backfill>('GET', `/v1/backfills/${id}`);
    const line = progressLine(b);
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (line !== last) process.stderr.write(`${line}\n`);
    last = line;
    if (b.progress.finished || b.state === 'cancelled') {
      if (tty) process.stderr.write('\n');
      console.log(`backfill ${b.id} ${b.state === 'cancelled' ? 'cancelled' : 'finished'}: ${JSON.stringify(b.progress.jobs)}`);
      if (b.dryRun) {
        const report = await call<Record<string, unknown>>('GET', b.reportUrl);
        console.log(JSON.stringify(report, null, 2));
        console.log(`CSV: ${base}${b.csvUrl}`);
      }
      return;
    }
    if (b.lastError && !tty) process.stderr.write(`  last listing error: ${b.lastError}\n`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

try {
  for (const verb of ['pause', 'resume', 'cancel'] as const) {
    if (values[verb]) {
      const b = await call<Backfill>('POST', `/v1/backfills/${Number(values[verb])}/${verb}`);
      console.log(`backfill ${b.id}: ${b.state}`);
      process.exit(0);
    }
  }
  if (values.follow) await follow(Number(values.follow));
  else {
    if (!values.source || !values['object-type']) usage();
    const b = await call<Backfill>('POST', '/v1/backfills', {
      source: values.source,
      objectType: values['object-type'],
      ...(values.account ? { accountId: values.account } : {}),
      dryRun: values['dry-run'],
      ...(values['created-before'] ? { createdBefore: values['created-before'] } : {}),
    });
    console.log(`backfill ${b.id} started (${b.dryRun ? 'preview, nothing is written' : 'writes cards'}): ${b.source} ${b.objectType}`);
    await follow(b.id);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
