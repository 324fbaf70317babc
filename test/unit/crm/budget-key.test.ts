import { describe, expect, it } from 'vitest';
import { budgetKey } from '../../../src/crm/http.js';

describe('the rate-limit budget of a request', () => {
  it('is the account (HubSpot portal, Pipedrive company), with search a part of the portal', () => {
    expect(budgetKey('4242', 'cred-0123456789ab')).toBe('4242');
    expect(budgetKey('4242', 'cred-0123456789ab', '4242:search')).toBe('4242:search');
    expect(budgetKey('4242', 'cred-0123456789ab', 'search')).toBe('4242:search');
  });
  it('is the credential only before its account is known (the first-use check)', () => {
    expect(budgetKey('', 'cred-0123456789ab')).toBe('cred-0123456789ab');
    expect(budgetKey('', 'cred-0123456789ab', ':search')).toBe('cred-0123456789ab:search');
  });
});
