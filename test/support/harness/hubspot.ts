import type { LeadInput } from '../../../src/enrich/types.js';
import { type FakeHubspot, type FakeHubspotOptions, type Props, startFakeHubspot } from '../fakes/hubspot-server.js';
import { hubspotV3Headers } from '../signed.js';
import { leadMix, seededRandom } from './leads.js';

/**
 * HubSpot as the harness drives it: companies seeded on the fake HubSpot from
 * the realistic lead mix, `company.creation` deliveries signed with v3 exactly
 * as HubSpot documents it (test/support/signed.ts, from the spec, not our verifier), and
 * random failure injection through the fake's own `fail()` queue.
 */
export const HARNESS_HUBSPOT_SECRET = 'harness-hubspot-client-secret';
export const HARNESS_PUBLIC_URL = 'https://verrijk.harness.test';
export const HARNESS_PORTAL = '4242';

/**
 * The fake HubSpot of a harness run, its token belonging to HARNESS_PORTAL: the portal the deliveries
 * name. The catch-up sweep lists the portal its token belongs to; with the fake's default portal, a sweep
 * that fired during a run (every quarter hour by the wall clock, so more often in a run slowed by load)
 * took the 300 delivered leads for leads of another account it had never heard of and enqueued them all
 * again: 300 more jobs, skipped as unchanged (the cluster run's "each job ran once", issue 28).
 */
export function startHarnessHubspot(options: Omit<FakeHubspotOptions, 'portalId'> = {}): Promise<FakeHubspot> {
  return startFakeHubspot({ ...options, portalId: Number(HARNESS_PORTAL) });
}

export interface SeededCompany {
  id: string;
  props: Props;
}

/** `count` companies with name, domain and the inputs a sales team fills in (numbers as HubSpot sends them: strings). */
export function seedCompanies(fake: FakeHubspot, count: number, seed = 7): SeededCompany[] {
  const mix = leadMix(count, seed);
  return mix.map((lead, i) => {
    const id = String(10_000_000 + i);
    const employees = typeof lead.employees === 'number' ? String(lead.employees) : null;
    const props: Props = {
      name: `Harness ${i} B.V.`,
      domain: `harness-${i}.example.nl`,
      industry: lead.industry ?? null,
      numberofemployees: employees,
      sbi_code: lead.sbi ?? null,
    };
    fake.seed('company', id, props);
    return { id, props };
  });
}

/** What the HubSpot adapter reads from a company card (src/crm/hubspot/api.ts), for the expected enrichment. */
export function companyInput(props: Props): LeadInput {
  return { sbi: props.sbi_code, industry: props.industry, employees: props.numberofemployees, company: props.name, domain: props.domain };
}

export function creationEvent(objectId: string, eventId: number, attemptNumber = 0) {
  return {
    eventId,
    subscriptionId: 1001,
    portalId: Number(HARNESS_PORTAL),
    appId: 77,
    occurredAt: Date.now(),
    subscriptionType: 'company.creation',
    attemptNumber,
    objectId: Number(objectId),
    changeFlag: 'CREATED',
    changeSource: 'CRM_UI',
  };
}

/** A signed HubSpot delivery (v3, see signed.ts). */
export function signedHubspotDelivery(events: unknown[], secret = HARNESS_HUBSPOT_SECRET, publicUrl = HARNESS_PUBLIC_URL) {
  const body = JSON.stringify(events);
  return { body, headers: hubspotV3Headers(secret, publicUrl, body) };
}

export function hubspotDedupeKey(objectId: string): string {
  return `hubspot:${HARNESS_PORTAL}:company:${objectId}:created`;
}

/**
 * Makes the fake fail a share of requests at random: `rates.error5xx` answer
 * 503, `rates.tooMany` a HubSpot TEN_SECONDLY_ROLLING 429, `rates.hang` never
 * answer. Uses the fake's failure queue with a matcher that draws a number per
 * request, so the fake's own window accounting stays in charge. Returns a
 * switch to stop the storm.
 */
export function injectRandomFailures(
  fake: FakeHubspot,
  rates: { error5xx: number; tooMany: number; hang: number },
  seed = 99,
): { outage(): void; stop(): void } {
  const random = seededRandom(seed);
  let on = true;
  // An outage: every request a 503, as when the CRM is down for a while.
  let down = false;
  // Each request draws once; the three matchers split that draw into bands.
  let draw = 0;
  const bands = { e: rates.error5xx, t: rates.error5xx + rates.tooMany, h: rates.error5xx + rates.tooMany + rates.hang };
  const matcher = (test: (d: number) => boolean, first = false) =>
    ({
      test: () => {
        if (first) draw = random();
        return on && test(draw);
      },
    }) as unknown as RegExp;
  fake.fail({ status: 503, match: matcher((d) => down || d < bands.e, true), times: Number.POSITIVE_INFINITY });
  fake.fail({ status: 429, policy: 'TEN_SECONDLY_ROLLING', match: matcher((d) => !down && d >= bands.e && d < bands.t), times: Number.POSITIVE_INFINITY });
  fake.fail({ hang: true, match: matcher((d) => !down && d >= bands.t && d < bands.h), times: Number.POSITIVE_INFINITY });
  return {
    outage() {
      down = true;
    },
    stop() {
      on = false;
      down = false;
    },
  };
}
