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
import { type Backfill, progressLine } from './backfill/progress.js';

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
