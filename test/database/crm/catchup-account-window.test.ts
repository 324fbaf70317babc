import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { registerEnvironmentAccount } from '../../../src/accounts/repository.js';
import { queryRows } from '../../../src/db/client.js';
import { crmAccounts } from '../../../src/db/schema.js';
import { createCatchupAccounts } from '../../../src/jobs/catchup-account.js';
import { createLogger } from '../../../src/logger.js';
import { flavours } from '../../support/db.js';
import { useHubspotPortal } from '../../support/crm.js';

/**
 * The catch-up sweep asks HubSpot which portal its token belongs to (account details) once per
 * process. That request counts in the window of the portal the credential had last time, like every
 * other call of that portal: asked under no account, it was counted in a window of the token's own,
 * and three instances' first sweeps at a minute's turn put 13 requests into the portal's window of 12
 * (the cluster run, two 429s).
 */
describe.each(flavours)('the sweep’s account check counts in the portal’s window (%s)', (flavour) => {
  const fakes = useHubspotPortal(flavour, 'pat-eu1-catchup-window-token-0123456789');

  it('is counted under the registered portal, not under the credential', async () => {
    const { portal, kit } = await fakes.portal(51_000_000);
    await registerEnvironmentAccount(fakes.database.db, 'hubspot', portal);
    const accounts = createCatchupAccounts({ database: fakes.database, logger: createLogger({ level: 'silent' }) });
    const adapter = kit.crm.adapter('hubspot');
    expect(adapter).toBeDefined();
    expect(await accounts.accountOf(adapter!)).toEqual({ accountId: portal, via: 'crm' });
    await kit.crm.close();

    const keys = await queryRows<{ key: string; n: number | string }>(
      fakes.database.db,
      sql`select key, count(*) as n from rate_limit_grants where key like 'hubspot:%' group by key order by key`,
    );
    expect(keys.map((k) => `${k.key}=${Number(k.n)}`)).toEqual([`hubspot:${portal}=1`]);
  });

  it('with no account known yet (a first start), the answer also counts in the portal’s window', async () => {
    // Sent under the credential (the portal is what it asks), then counted where HubSpot counted it:
    // left in the credential's window only, the portal's own window filled up beside it (41 of 40).
    const { portal, kit } = await fakes.portal(52_000_000);
    await fakes.database.db.delete(crmAccounts);
    const accounts = createCatchupAccounts({ database: fakes.database, logger: createLogger({ level: 'silent' }) });
    expect(await accounts.accountOf(kit.crm.adapter('hubspot')!)).toEqual({ accountId: portal, via: 'crm' });
    await kit.crm.close();

    const keys = await queryRows<{ key: string; n: number | string }>(
      fakes.database.db,
      sql`select key, count(*) as n from rate_limit_grants where key = ${`hubspot:${portal}`} or key like 'hubspot:cred-%' group by key order by key`,
    );
    expect(keys.map((k) => `${k.key.replace(/cred-\w+/, 'cred-…')}=${Number(k.n)}`).sort()).toEqual([`hubspot:${portal}=1`, 'hubspot:cred-…=1'].sort());
  });
});
