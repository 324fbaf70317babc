import { describe, expect, it } from 'vitest';
import { accountIdOf } from '../../../src/crm/account-id.js';
import { CrmError } from '../../../src/crm/crm-error.js';

/** The account id a CRM states for our credential is spelled as webhooks spell it, or refused (review 2026-12, M3). */

describe('accountIdOf', () => {
  it('spells a stated number or digit string as webhooks do', () => {
    expect(accountIdOf('pipedrive', 13_000_001, 'data.company_id')).toBe('13000001');
    expect(accountIdOf('hubspot', '00147000001', 'portalId')).toBe('147000001');
  });

  it.each([undefined, null, 0, -5, 1.5, 2 ** 53 + 2, '12a', '', {}])('refuses %j rather than file the sweep under a wrong account', (raw) => {
    let thrown: unknown;
    try {
      accountIdOf('pipedrive', raw, 'data.company_id');
    } catch (err) {
      thrown = err;
    }
    expect(thrown, `accepted ${JSON.stringify(raw)}`).toBeInstanceOf(CrmError);
    expect((thrown as CrmError).message).toMatch(/data\.company_id/);
  });
});
