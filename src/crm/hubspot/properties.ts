import type { EnsureReport } from '../adapter.js';
import type { CrmHttp } from '../http.js';
import type { HubspotPaths } from './paths.js';

/**
 * The `verrijk` property group and one text property per mapped card field,
 * on companies and contacts (research §1.4). Only what is missing is created;
 * existing properties are left alone, and one another instance created a
 * moment ago (409) counts as existing. Used by `npm run crm:ensure` ahead of
 * time and by the write path when HubSpot says a property does not exist
 * (missing-properties.ts).
 */

export const HUBSPOT_GROUP = 'verrijk';
export const HUBSPOT_PROPERTY_SEGMENTS = ['companies', 'contacts'] as const;

export async function ensureHubspotProperties(http: CrmHttp, paths: HubspotPaths, accountId: string, properties: string[], signal?: AbortSignal): Promise<EnsureReport> {
  const report: EnsureReport = { crm: 'hubspot', existing: [], created: [] };
  for (const segment of HUBSPOT_PROPERTY_SEGMENTS) {
    const { existing, created } = await ensureHubspotSegment(http, paths, accountId, segment, properties, signal);
    report.existing.push(...existing);
    report.created.push(...created);
  }
  return report;
}

/** The group and the mapped properties on one object type (`companies` or `contacts`). */
export async function ensureHubspotSegment(
  http: CrmHttp,
  paths: HubspotPaths,
  accountId: string,
  segment: string,
  properties: string[],
  signal?: AbortSignal,
): Promise<Omit<EnsureReport, 'crm'>> {
  const report: Omit<EnsureReport, 'crm'> = { existing: [], created: [] };
  const group = await http.send(accountId, { op: 'properties', method: 'GET', path: paths.group(segment, HUBSPOT_GROUP), accept: [404], signal });
  if (group.status === 404) {
    const res = await http.send(accountId, {
      op: 'properties',
      method: 'POST',
      path: paths.groups(segment),
      body: { name: HUBSPOT_GROUP, label: 'Verrijk (CBS)', displayOrder: -1 },
      accept: [409],
      signal,
    });
    if (res.status !== 409) report.created.push(`${segment}: group ${HUBSPOT_GROUP}`);
  }
  const list = await http.send<{ results?: Array<{ name: string }> }>(accountId, { op: 'properties', method: 'GET', path: paths.properties(segment), signal });
  const have = new Set((list.body?.results ?? []).map((p) => p.name));
  for (const name of properties) {
    if (have.has(name)) {
      report.existing.push(`${segment}.${name}`);
      continue;
    }
    const res = await http.send(accountId, {
      op: 'properties',
      method: 'POST',
      path: paths.properties(segment),
      body: {
        name,
        label: labelOf(name),
        type: 'string',
        fieldType: 'text',
        groupName: HUBSPOT_GROUP,
        description: 'Written by Verrijk from CBS StatLine (CC BY 4.0). Do not edit: the next enrichment replaces it.',
      },
      accept: [409],
      signal,
    });
    report[res.status === 409 ? 'existing' : 'created'].push(`${segment}.${name}`);
  }
  return report;
}

/** `cbs_sbi_code` → `CBS SBI code`: what people see in HubSpot. */
function labelOf(name: string): string {
  const words = name.split('_');
  return words.map((w, i) => (i === 0 || w === 'sbi' ? w.toUpperCase() : w)).join(' ');
}
