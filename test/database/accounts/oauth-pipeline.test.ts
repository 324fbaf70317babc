import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, getAccount, updateTokens } from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobOutcome } from '../../../src/jobs/types.js';
import { bodyOf, createTestService, testConfig } from '../../support/app.js';
import { makeJobs, realEnrichment } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { type FakeAuthServer, startFakeAuthServer } from '../../support/fakes/oauth-servers.js';

/**
 * A HubSpot portal connected by OAuth, with no static token configured: its leads are
 * read and written with its own access token; a token that expires mid-run is refreshed
 * once and the card is written with the new one; a revoked grant makes the leads wait.
 */

const KEY = randomBytes(32);
const HS = { id: 'hubspot-client-id-pipe', secret: 'hubspot-client-secret-pipeline-01' };
const PORTAL = 147_000_777;
const enrichment = realEnrichment();
const signal = new AbortController().signal;
const text = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);

describe.each(flavours)('an OAuth-installed HubSpot portal through the pipeline on %s', (flavour) => {
  let database: TestDatabase;
  let auth: FakeAuthServer;
  let hubspot: FakeHubspot;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    auth = await startFakeAuthServer('hubspot', HS);
    // The CRM API takes exactly the tokens the authorization server issued and still honours.
    hubspot = await startFakeHubspot({ token: 'no-static-token-here-0000', portalId: PORTAL, acceptToken: (t) => auth.accountOfToken(t) === String(PORTAL) });
  });
  afterAll(async () => {
    await Promise.all([auth?.close(), hubspot?.close()]);
    await database?.drop();
  });

  it('writes with the install token, refreshes an expired one once, and waits after a revoke', async () => {
    const config = testConfig({
      PUBLIC_URL: 'https://verrijk.example.nl',
      ACCOUNTS_ENCRYPTION_KEY: KEY.toString('base64'),
      HUBSPOT_CLIENT_ID: HS.id,
      HUBSPOT_CLIENT_SECRET: HS.secret,
      HUBSPOT_OAUTH_AUTHORIZE_URL: `${auth.url}/oauth/authorize`,
      HUBSPOT_OAUTH_TOKEN_URL: `${auth.url}/oauth/2026-03/token`,
      HUBSPOT_BASE_URL: hubspot.url,
    });
    const service = await createTestService(database, config);
    const start = await service.app.request('/oauth/hubspot/install');
    const to = new URL(start.headers.get('location')!);
    const code = auth.consent(String(PORTAL), to.searchParams.get('redirect_uri')!);
    const done = await service.app.request(`/oauth/hubspot/callback?${new URLSearchParams({ code, state: to.searchParams.get('state')! })}`);
    expect(done.status, (await bodyOf(done)).text).toBe(200);

    const deps = service.deps;
    expect(deps.crm.configured()).toContain('hubspot');
    const run = createPipeline({ database, config, enrichment, crm: deps.crm, logger: deps.logger });
    const company = (id: string) => ({ source: 'hubspot' as const, accountId: String(PORTAL), objectType: 'company', objectId: id });

    hubspot.seed('company', '9101', { name: 'Installatie BV', sbi_code: '62.01', numberofemployees: '20' });
    const [first] = await makeJobs(database, [company('9101')]);
    const one = await run([first], signal);
    expect(one.get(first.id), text(one)).toMatchObject({ kind: 'done' });
    expect(hubspot.cards.get('company:9101')!.cbs_sbi_code).toBeTruthy();
    expect(auth.refreshes.get(String(PORTAL)) ?? 0).toBe(0);

    // The access token expires mid-run: the next batch refreshes it once and writes with the new one.
    const box = createSecretBox(KEY);
    const creds = await credentialsOf(database.db, box, 'hubspot', String(PORTAL));
    await updateTokens(database.db, box, 'hubspot', String(PORTAL), creds!, new Date(Date.now() - 1_000));
    for (const id of ['9102', '9103']) hubspot.seed('company', id, { name: `Bedrijf ${id}`, sbi_code: '10.71', numberofemployees: '5' });
    const batch = await makeJobs(database, [company('9102'), company('9103')]);
    const two = await run(batch, signal);
    expect(batch.map((j) => two.get(j.id)?.kind), text(two)).toEqual(['done', 'done']);
    expect(auth.refreshes.get(String(PORTAL))).toBe(1);
    expect(hubspot.count(401), 'no call with an expired token').toBe(0);

    // The customer uninstalls: the refresh is refused, the account waits for a reconnect, its lead is not dead-lettered.
    auth.revoke(String(PORTAL));
    const again = await credentialsOf(database.db, box, 'hubspot', String(PORTAL));
    await updateTokens(database.db, box, 'hubspot', String(PORTAL), again!, new Date(Date.now() - 1_000));
    hubspot.seed('company', '9104', { name: 'Later BV', sbi_code: '47.11' });
    const [late] = await makeJobs(database, [company('9104')]);
    const three = await run([late], signal);
    expect(three.get(late.id), text(three)).toMatchObject({ kind: 'retry', waiting: true });
    expect((await getAccount(database.db, 'hubspot', String(PORTAL)))?.state).toBe('needs_reconnect');
    expect(hubspot.cards.get('company:9104')!.cbs_sbi_code).toBeUndefined();
  }, 120_000);
});
