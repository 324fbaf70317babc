import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from '../db/client.js';
import { SETUP_WAIT_PREFIX } from '../crm/hubspot/missing-properties.js';

/**
 * Jobs waiting because a CRM account is not set up for us (HubSpot: the
 * mapped properties are missing and the token may not create them). Read
 * from the queue itself, so every instance reports what any instance met,
 * and the warning clears as soon as those jobs are written.
 */

export interface SetupWait {
  source: string;
  accountId: string;
  jobs: number;
  /** The newest such job's error: what is missing and how to fix it. */
  error: string;
}

export async function jobsWaitingForSetup(db: Queryable): Promise<SetupWait[]> {
  const rows = await queryRows<{ source: string; account_id: string; jobs: number | string; error: string }>(
    db,
    sql`select source, account_id, count(*)::int as jobs, max(last_error) as error
        from jobs where status = 'queued' and last_error like ${`${SETUP_WAIT_PREFIX}%`}
        group by source, account_id order by source, account_id limit 20`,
  );
  return rows.map((r) => ({ source: r.source, accountId: r.account_id, jobs: Number(r.jobs), error: r.error.slice(SETUP_WAIT_PREFIX.length) }));
}

/** The readiness check: still ready (intake and other accounts work), with a warning naming each account. */
export async function setupReadiness(db: Queryable): Promise<{ ok: boolean; warning?: boolean; detail?: string }> {
  const waits = await jobsWaitingForSetup(db);
  if (!waits.length) return { ok: true };
  return { ok: true, warning: true, detail: waits.map((w) => `${w.jobs} jobs wait: ${w.error}`).join(' | ') };
}
