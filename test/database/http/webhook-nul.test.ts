import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { SECURITY_ENV, generic, hubspotCreation, hubspotV3, pipedrive, pipedriveCreate, unique } from '../../support/signed.js';

/**
 * Finding 4: PostgreSQL text and jsonb cannot hold U+0000 (and jsonb refuses a
 * lone surrogate escape). One such character in a field we pass through must
 * not turn the whole delivery into a 500 that every redelivery repeats.
 */

describe.each(flavours)('U+0000 and lone surrogates in pass-through fields on %s', (flavour) => {
  let database: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    service = await createTestService(database, testConfig(SECURITY_ENV));
    app = service.app;
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });

  const payloadText = async (leadKeyPrefix: string) => {
    const rows = await database.db.select().from(jobs).where(like(jobs.leadKey, `${leadKeyPrefix}%`));
    return rows.map((r) => JSON.stringify(r.payload)).join('\n');
  };

  it('records all 100 events of a HubSpot batch when one carries U+0000 in appId and a lone surrogate in subscriptionId', async () => {
    const portal = Number(unique().slice(-9));
    const events = Array.from({ length: 100 }, (_, i) => hubspotCreation(portal, i + 1));
    events[42] = { ...events[42], appId: 'app\u0000id', subscriptionId: 'sub\ud800', changeSource: 'CRM\u0000UI' } as unknown as (typeof events)[number];
    const res = await app.request(hubspotV3(events));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json).toEqual({ accepted: 100, duplicates: 0, ignored: 0 });
    const stored = await payloadText(`hubspot:${portal}:`);
    expect(stored).not.toContain('\\u0000');
    expect(stored).toContain('appid');
  });

  it('records a Pipedrive organization whose custom_fields hold U+0000 in keys and values', async () => {
    const company = Number(unique().slice(-8));
    const res = await app.request(pipedrive(pipedriveCreate(company, 77, { custom_fields: { 'a\u0000b': 'x\u0000y', sbi: { value: '\udc00' } } })));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.accepted, body.text).toBe(1);
    const stored = await payloadText(`pipedrive:${company}:`);
    expect(stored).toContain('ab');
    expect(stored).not.toContain('\\u0000');
  });

  it('records a generic lead whose kvk profile holds U+0000 in a key', async () => {
    const id = `kvk-nul-${unique()}`;
    const res = await app.request(
      generic({ type: 'lead.created', lead: { id, kvk: { 'naam\u0000': 'x', sbiActiviteiten: [{ sbiCode: '6201', sbiOmschrijving: 'Software\u0000', indHoofdactiviteit: 'Ja' }] } } }),
    );
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    const [job] = await database.db.select().from(jobs).where(eq(jobs.leadKey, `generic:default:lead:${id}`));
    expect(JSON.stringify(job.payload)).toContain('Software');
  });
});
