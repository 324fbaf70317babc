import type { Queryable } from '../db/client.js';
import { DEFAULT_MAPPING, type Mapping } from '../crm/mapping.js';
import { type FailureReason, failureReason } from './failure-reason.js';
import { type LeadDetail, asCard, detailOf } from './lead-view.js';
import { type FigureView, type LeadLookup, type LeadRefFound, figuresOf, leadHistory } from './leads.js';

/**
 * Everything the status page's lead page shows: the lead's latest enrichment read
 * as inputs, answers and figures, the card as written (and what it replaced), and
 * its history of enrichments and jobs. Lead data in here is untrusted text.
 */

export interface LeadPageData {
  lead: LeadRefFound;
  alsoKnownAs: LeadRefFound[];
  company: string | null;
  /** The latest enrichment; null when the lead has jobs only (queued, or dead before any answer). */
  current: {
    id: number;
    createdAt: Date;
    writeStatus: string;
    version: string;
    detail: LeadDetail;
    figures: FigureView[];
    card: Record<string, string>;
    previousCard: Record<string, string>;
    sourceLine: string | null;
  } | null;
  enrichments: Array<{ id: number; createdAt: Date; writeStatus: string; version: string; status: string | null; changed: string[] }>;
  jobs: Array<{ id: number; reason: string; status: string; attempts: number; lastError: string | null; failure: FailureReason | null; createdAt: Date; finishedAt: Date | null }>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** The lead's page, or undefined when no job or enrichment knows it. */
export async function leadPageData(db: Queryable, q: LeadLookup, mapping: Mapping = DEFAULT_MAPPING): Promise<LeadPageData | undefined> {
  const h = await leadHistory(db, q);
  if (!h) return undefined;
  const fields = mapping[h.lead.source as keyof Mapping] ?? {};
  const payloadLead = (h.latestPayload as { lead?: { company?: unknown; domain?: unknown } } | null)?.lead ?? {};
  const latest = h.enrichments[0];
  const current = latest
    ? {
        id: latest.id,
        createdAt: latest.createdAt,
        writeStatus: latest.writeStatus,
        version: latest.version,
        detail: detailOf(latest.result, payloadLead),
        figures: figuresOf(latest.result),
        card: asCard(latest.properties, fields),
        previousCard: asCard(latest.previousProperties, fields),
        sourceLine: str((latest.result as { provenance?: { source?: unknown } } | null)?.provenance?.source),
      }
    : null;
  const enrichments = h.enrichments.map((e, i) => {
    const card = asCard(e.properties, fields);
    const before = h.enrichments[i + 1] ? asCard(h.enrichments[i + 1].properties, fields) : asCard(e.previousProperties, fields);
    // What this enrichment changed on the card; the timestamp field changes every time and says nothing.
    const changed = Object.keys(card).filter((k) => k !== 'cbs_enriched_at' && k !== 'cbs_version' && card[k] !== before[k]);
    return { id: e.id, createdAt: e.createdAt, writeStatus: e.writeStatus, version: e.version, status: str((e.result as { status?: unknown } | null)?.status), changed };
  });
  const jobs = h.jobs.map((j) => ({
    id: j.id,
    reason: j.reason,
    status: j.status,
    attempts: j.attempts,
    lastError: j.lastError,
    failure: j.lastError ? failureReason(j.lastError) : null,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
  }));
  return {
    lead: h.lead,
    alsoKnownAs: h.alsoKnownAs,
    company: current?.detail.inputs.company ?? str(payloadLead.company),
    current,
    enrichments,
    jobs,
  };
}
