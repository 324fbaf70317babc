import type { Source } from '../leads/identity.js';
import { CrmError } from './crm-error.js';
import { canonicalObjectId, isObjectId } from './object-id.js';

/**
 * The account id a CRM states for our own credential (Pipedrive `company_id`,
 * HubSpot `portalId`), spelled as webhooks spell it (`String(n)`, no leading
 * zeros), so the sweep's jobs share lead keys with the webhooks' jobs. Anything
 * else (missing, not a whole number, past 2⁵³ where JSON has already rounded it)
 * is refused rather than filed under a wrong account.
 */
export function accountIdOf(source: Exclude<Source, 'generic'>, raw: unknown, field: string): string {
  const text = typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0 ? String(raw) : typeof raw === 'string' ? raw : '';
  if (!isObjectId(source, text)) throw new CrmError(source, { kind: 'permanent' }, `the CRM stated no usable account id (${field})`);
  return canonicalObjectId(source, text);
}
