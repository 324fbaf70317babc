import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from '../db/client.js';

/**
 * What a backfill run did or (a preview, `dryRun`) would do, for a person to review before the
 * real run: counts by outcome, the sector and size-class distribution, and one CSV line per record
 * (record id, company, the card's current values and what would be written). Read from the
 * `enrichments` rows of the run's jobs, the newest per record.
 */

export interface BackfillReport {
  runId: number;
  records: number;
  /** `wouldWrite`: a preview's card differs from the CRM's (`written` for a real run); `unchanged`: nothing to write. */
  outcomes: { wouldWrite: number; written: number; unchanged: number; other: number };
  /** Cards with no sector (no SBI code, no industry that was understood), and with no size class; they may still write the rest. */
  noSector: number;
  noSize: number;
  /** By SBI section letter (`none`: no sector). */
  sectors: Record<string, number>;
  /** By size category (micro, small, medium, large; `none`: no size). */
  sizes: Record<string, number>;
}

interface Row {
  object_id: string;
  write_status: string;
  company: string | null;
  sector: string | null;
  size: string | null;
  properties: Record<string, string> | null;
  previous: Record<string, string | null> | null;
}

async function rowsOf(db: Queryable, runId: number): Promise<Row[]> {
  return queryRows<Row>(
    db,
    sql`select distinct on (e.lead_key) e.object_id, e.write_status,
          e.result -> 'input' ->> 'company' as company,
          e.result -> 'cbs_sector' ->> 'letter' as sector,
          e.result -> 'cbs_size_category' ->> 'category' as size,
          e.properties, e.previous_properties as previous
        from enrichments e join jobs j on j.id = e.job_id
        where j.reason = 'backfill' and (j.payload -> 'backfill' ->> 'runId') = ${String(runId)}
        order by e.lead_key, e.id desc`,
  );
}

export async function backfillReport(db: Queryable, runId: number): Promise<BackfillReport> {
  const rows = await rowsOf(db, runId);
  const report: BackfillReport = { runId, records: rows.length, outcomes: { wouldWrite: 0, written: 0, unchanged: 0, other: 0 }, noSector: 0, noSize: 0, sectors: {}, sizes: {} };
  for (const r of rows) {
    if (r.write_status === 'dry_run') report.outcomes.wouldWrite++;
    else if (r.write_status === 'written') report.outcomes.written++;
    else if (r.write_status === 'unchanged') report.outcomes.unchanged++;
    else report.outcomes.other++;
    if (!r.sector) report.noSector++;
    if (!r.size) report.noSize++;
    report.sectors[r.sector ?? 'none'] = (report.sectors[r.sector ?? 'none'] ?? 0) + 1;
    report.sizes[r.size ?? 'none'] = (report.sizes[r.size ?? 'none'] ?? 0) + 1;
  }
  return report;
}

/**
 * One line per record: `record_id, company, outcome`, then per card property its current value
 * (`current:<property>`) and what would be written (`new:<property>`). A cell a spreadsheet would
 * read as a formula (=, +, -, @) is prefixed with an apostrophe: CRM values are not ours.
 */
export async function backfillCsv(db: Queryable, runId: number): Promise<string> {
  const rows = await rowsOf(db, runId);
  const props = [...new Set(rows.flatMap((r) => Object.keys(r.properties ?? {})))].sort();
  const header = ['record_id', 'company', 'outcome', ...props.flatMap((p) => [`current:${p}`, `new:${p}`])];
  const lines = [header.map(cell).join(',')];
  for (const r of rows.sort((a, b) => compareIds(a.object_id, b.object_id))) {
    const outcome = r.write_status === 'dry_run' ? 'would_write' : r.write_status;
    const values = props.flatMap((p) => [r.previous?.[p] ?? '', r.properties?.[p] ?? '']);
    lines.push([r.object_id, r.company ?? '', outcome, ...values].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
