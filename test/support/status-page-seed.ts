import type { Queryable } from '../../src/db/client.js';
import { crmAccounts } from '../../src/db/schema.js';
import { createEnricher } from '../../src/enrich/engine.js';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../src/enrich/service.js';
import type { LeadInput } from '../../src/enrich/types.js';
import type { LeadRef } from '../../src/leads/identity.js';
import { leadRef, seedEnrichment, seedJob, seedRateLimit, seedRefreshRun } from './seed.js';

/**
 * A status page with every field filled, for the browser's geometry check and
 * screenshots: leads enriched by the real engine on the bundled CBS tables
 * (figures, municipality, match detail, a refused industry with its guess, a
 * size spanning two classes, a postcode outside the PC4 list), a lead with a
 * history of three enrichments and four jobs, failed leads with company names
 * and the CRM errors our client writes, rate limits and refresh runs, and the CRM
 * accounts box: the two accounts the leads belong to (one paused with its reason) and
 * an installed portal that needs a reconnect (ACCOUNT_REASONS).
 * Company names and domains are made up; every CBS value comes from the engine.
 */

const PROFILES: Array<{ kind: string; input: Omit<LeadInput, 'company' | 'domain'> }> = [
  { kind: 'Bakkerij', input: { industry: 'bakkerij', employees: '10-49', postcode: '1011 AB' } },
  { kind: 'Softwarehuis', input: { sbi: '62.01', employees: 12, postcode: '3511 AB' } },
  { kind: 'Installatietechniek', input: { industry: 'installatiebedrijf voor zonnepanelen', employees: '5-9', postcode: '7511 JE' } },
  { kind: 'Adviesgroep', input: { industry: 'adviesbureau', employees: '250+', postcode: '2511 CV' } },
  { kind: 'Schoonmaakdiensten', input: { industry: 'schoonmaak en glazenwassen', employees: 80, postcode: '9999 ZZ' } },
  { kind: 'Autoparts', input: { industry: 'handel in auto onderdelen', employees: '20-99', postcode: '5611 AB' } },
  { kind: 'Tandartsenpraktijk', input: { industry: 'tandarts', employees: 7, postcode: '1234 AB' } },
  { kind: 'Hoveniers', input: { kvkSbi: { sbiActiviteiten: [{ sbiCode: '8130', indHoofdactiviteit: 'Ja' }] }, employees: 3, postcode: '6211 AB' } },
  { kind: 'Administratiekantoor', input: { industry: 'boekhouder', employees: 'veel', postcode: '8011 AB' } },
  { kind: 'Creatieve Studio', input: { industry: 'we maken mooie dingen', employees: 4 } },
  { kind: 'Bouwbedrijf', input: { industry: 'bouw', employees: '50-99', postcode: '4811 AB' } },
];

const NAMES = ['Jansen', 'De Vries', 'Van den Berg', 'Bakker', 'Visser', 'Smit', 'Meijer', 'De Boer', 'Mulder', 'De Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'Van Leeuwen', 'Dekker', 'Brouwer', 'De Wit', 'Dijkstra', 'Smits', 'De Graaf', 'Van der Meer', 'Van der Linden', 'Kok', 'Jacobs', 'De Haan', 'Vermeulen', 'Van den Heuvel', 'Van der Veen', 'Van den Broek', 'De Bruijn', 'De Bruin', 'Van der Heijden', 'Schouten', 'Van Beek', 'Willems', 'Van Vliet', 'Van de Ven', 'Hoekstra', 'Maas', 'Verhoeven', 'Koster', 'Van Dam', 'Van der Wal', 'Prins', 'Blom', 'Huisman', 'Peeters', 'De Jong', 'Kuipers', 'Van Wijk', 'Postma', 'Kuiper', 'Veenstra', 'Kramer'];

export const SEEDED_LEADS = NAMES.length;

/** The lead with a history: three enrichments (its size changed once) and four jobs. */
export const HISTORY_COMPANY = 'Bakkerij Jansen B.V.';

const domainOf = (name: string, kind: string) => `${`${kind}${name}`.toLowerCase().replace(/[^a-z]/g, '')}.nl`;

/** The accounts box's rows: why an account waits, as src/accounts writes it. */
export const SEEDED_ACCOUNTS = [
  { source: 'hubspot', accountId: '12345678', state: 'active', stateReason: null, authKind: 'static', origin: 'environment' },
  { source: 'hubspot', accountId: '87654321', state: 'needs_reconnect', stateReason: 'the token refresh was refused: BAD_REFRESH_TOKEN; install the app again', authKind: 'oauth', origin: 'registry' },
  { source: 'pipedrive', accountId: 'acme', state: 'paused', stateReason: 'Pipedrive refused a new organization field: the plan’s custom field limit is reached', authKind: 'static', origin: 'registry' },
] as const;

export async function seedStatusPage(db: Queryable): Promise<{ historyRef: LeadRef; leadRefs: LeadRef[] }> {
  const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(), minConfidence: 0.68 });
  const enrich = (input: LeadInput) => {
    const enrichment = enricher.resolve(input);
    // As the pipeline stores it (src/jobs/pipeline.ts): the input beside the answer.
    return { result: { input, ...enrichment }, properties: enricher.toCard(enrichment, new Date()) as Record<string, unknown> };
  };
  const leadRefs: LeadRef[] = [];
  let historyRef: LeadRef | undefined;
  for (const [i, name] of NAMES.entries()) {
    const profile = PROFILES[i % PROFILES.length];
    const company = i === 0 ? HISTORY_COMPANY : `${profile.kind} ${name} B.V.`;
    const input: LeadInput = { company, domain: domainOf(name, profile.kind), ...profile.input };
    const pipedrive = i % 3 === 1;
    const ref = pipedrive ? leadRef({ source: 'pipedrive', accountId: 'acme', objectType: 'organization' }) : leadRef();
    // HubSpot's webhooks carry ids only: the company name comes from the CRM read, stored with the result.
    const payload = { lead: pipedrive ? input : {}, event: { type: pipedrive ? 'organization.create' : 'company.creation' } };
    if (i === 0) {
      historyRef = ref;
      const first = await seedJob(db, ref, { status: 'done', attempts: 1, payload });
      const older = enrich({ ...input, employees: 8 });
      await seedEnrichment(db, ref, first.id, { ...older, writeStatus: 'dry_run', previousProperties: {} });
      const retried = await seedJob(db, ref, { status: 'done', reason: 'catchup', attempts: 2, lastError: 'hubspot read: POST /crm/v3/objects/companies/batch/read → 503 Service Unavailable' });
      await seedEnrichment(db, ref, retried.id, { ...older, writeStatus: 'written', previousProperties: older.properties });
      await seedJob(db, ref, { status: 'dead', reason: 'webhook', attempts: 9, payload, lastError: 'gave up after 9 attempts over 24 h: hubspot update: POST /crm/v3/objects/companies/batch/update → 503 Service Unavailable' });
      const again = await seedJob(db, ref, { status: 'done', reason: 'reenrich', attempts: 1, payload });
      await seedEnrichment(db, ref, again.id, { ...enrich(input), writeStatus: 'written', previousProperties: older.properties });
    } else {
      const job = await seedJob(db, ref, { status: 'done', attempts: 1, payload });
      const writeStatus = i % 7 === 3 ? 'unchanged' : i % 11 === 5 ? 'skipped_rollout' : 'written';
      await seedEnrichment(db, ref, job.id, { ...enrich(input), writeStatus, previousProperties: { cbs_sbi_code: null } });
    }
    leadRefs.push(ref);
  }
  await seedFailures(db, leadRefs);
  await db.insert(crmAccounts).values(SEEDED_ACCOUNTS.map((a) => ({ ...a })));
  await seedRateLimit(db, 'hubspot:12345678', 12);
  await seedRateLimit(db, 'pipedrive:acme', 3);
  await seedRefreshRun(db, 'failed', new Date(Date.now() - 26 * 3600_000));
  await seedRefreshRun(db, 'ok', new Date(Date.now() - 2 * 3600_000));
  return { historyRef: historyRef as LeadRef, leadRefs };
}

/** Failed leads as our CRM client words them (src/crm/http.ts, src/jobs/queue.ts), hours before the history lead's: four known companies and one HubSpot id nobody named. */
async function seedFailures(db: Queryable, refs: LeadRef[]) {
  const errors = [
    'pipedrive update: PATCH /api/v2/organizations/{id} → 404 Organization not found',
    'hubspot update: POST /crm/v3/objects/companies/batch/update → 401 Authentication credentials not found',
    'gave up after 12 attempts over 24 h: hubspot read: POST https://api.hubapi.com/crm/v3/objects/companies/batch/read took longer than 30000 ms; aborted',
    'the worker running the last attempt stopped answering (lease expired)',
  ];
  for (const [i, lastError] of errors.entries()) {
    const updatedAt = new Date(Date.now() - (i + 1) * 3600_000);
    await seedJob(db, refs[(i * 5 + 2) % refs.length], { status: 'dead', reason: 'webhook', attempts: 3 + i, lastError, updatedAt, payload: { lead: {}, event: { type: 'company.creation' } } });
  }
  const lastError = 'hubspot read: POST /crm/v3/objects/companies/batch/read → 400 Invalid input JSON';
  await seedJob(db, leadRef(), { status: 'dead', attempts: 1, lastError, updatedAt: new Date(Date.now() - 6 * 3600_000), payload: { lead: {}, event: { type: 'company.creation' } } });
}
