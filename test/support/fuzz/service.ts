import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { queryRows } from '../../../src/db/client.js';
import { createLogger } from '../../../src/logger.js';
import { type Runtime, buildRuntime } from '../../../src/runtime.js';

/**
 * The whole service in-process, wired by the real composition root on an
 * in-memory PGlite, so fuzzing hits every route exactly as production mounts
 * them. Background work (workers, schedulers) is not started: the fuzz is
 * about what the HTTP surface answers.
 */
export const FUZZ_SECRETS = {
  hubspotClientSecret: 'fuzz-hubspot-client-secret',
  pipedriveUser: 'fuzz-user',
  pipedrivePassword: 'fuzz-password-long-and-random',
  genericSecret: `whsec_${Buffer.from('fuzz-generic-secret-0123456789abcdef').toString('base64')}`,
  publicUrl: 'https://verrijk.example.test',
  adminToken: 'fuzz-admin-token-0123456789abcdef',
};

export async function startFuzzService(): Promise<{ app: ReturnType<typeof createApp>; runtime: Runtime }> {
  const config = loadConfig({
    DATABASE_URL: 'memory://',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: FUZZ_SECRETS.publicUrl,
    HUBSPOT_CLIENT_SECRET: FUZZ_SECRETS.hubspotClientSecret,
    PIPEDRIVE_WEBHOOK_USER: FUZZ_SECRETS.pipedriveUser,
    PIPEDRIVE_WEBHOOK_PASSWORD: FUZZ_SECRETS.pipedrivePassword,
    GENERIC_WEBHOOK_SECRET: FUZZ_SECRETS.genericSecret,
    ADMIN_TOKEN: FUZZ_SECRETS.adminToken,
    DRY_RUN: 'true',
  });
  const runtime = await buildRuntime(config, createLogger({ level: 'silent' }));
  await runtime.loadData();
  return { app: createApp(runtime.deps), runtime };
}

/**
 * The fuzz service for one describe block: started in beforeAll, stopped in
 * afterAll. With `checkIntake`, afterAll first checks that whatever the fuzz
 * sent left the database consistent: every recorded event has its job.
 */
export function useFuzzService(options: { checkIntake?: boolean } = {}): { request(path: string, init?: RequestInit): Promise<Response> } {
  let service: Awaited<ReturnType<typeof startFuzzService>> | undefined;
  beforeAll(async () => {
    service = await startFuzzService();
  });
  afterAll(async () => {
    try {
      if (service && options.checkIntake) await checkIntakeConsistency(service.runtime);
    } finally {
      await service?.runtime.stop();
    }
  });
  return {
    request: async (path, init) => {
      if (!service) throw new Error('the fuzz service is not started (use it inside a test)');
      return service.app.request(path, init);
    },
  };
}

/**
 * The contract every answer keeps: never a 5xx; an error is problem+json whose
 * `status` matches; `expect2xx` true/false pins the class when the input is
 * known to be acceptable or not.
 */
export async function checkAnswer(res: Response, expect2xx: boolean | undefined, what: string): Promise<void> {
  const text = await res.text();
  const shown = `${what} → ${res.status} ${text.slice(0, 500)}`;
  expect(res.status, shown).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), shown).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(text) as { status?: unknown; title?: unknown; requestId?: unknown };
    expect(body.status, shown).toBe(res.status);
    expect(typeof body.title, shown).toBe('string');
    expect(typeof body.requestId, shown).toBe('string');
  }
  if (expect2xx === true) expect(res.status, shown).toBeGreaterThanOrEqual(200);
  if (expect2xx === true) expect(res.status, shown).toBeLessThan(300);
  if (expect2xx === false) expect(res.status, shown).toBeGreaterThanOrEqual(400);
}

/** The JSON a fuzzed body holds, as the server would read it; undefined when it is not JSON. */
export function sentJson(body: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A short, printable description of a body for failure messages. */
export function describeBody(body: string | Uint8Array): string {
  const s = typeof body === 'string' ? body : `bytes:${Buffer.from(body).toString('hex')}`;
  return s.length > 200 ? `${s.slice(0, 200)}…(${s.length})` : s;
}

/**
 * After the fuzz: every recorded event points at a job that exists, and no job
 * exists without its event. Returns the number of events recorded.
 */
export async function checkIntakeConsistency(runtime: Runtime): Promise<number> {
  const db = runtime.deps.database.db;
  const [orphanEvents] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from webhook_events w left join jobs j on j.id = w.job_id where j.id is null`,
  );
  const [jobsWithoutEvent] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from jobs j where j.reason in ('webhook', 'reenrich') and not exists (select 1 from webhook_events w where w.job_id = j.id)`,
  );
  const [events] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from webhook_events`);
  expect(orphanEvents.n, 'webhook_events rows without a job').toBe(0);
  expect(jobsWithoutEvent.n, 'webhook jobs without their event').toBe(0);
  return events.n;
}
