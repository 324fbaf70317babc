import type { Queryable } from '../../src/db/client.js';
import { enqueueJob } from '../../src/jobs/queue.js';
import type { LeadRef, Source } from '../../src/leads/identity.js';

let n = 0;

/** A lead reference no other test uses. */
export function uniqueRef(source: Source = 'generic', accountId = `acct-${process.pid}-${Date.now().toString(36)}-${++n}`): LeadRef {
  return { source, accountId, objectType: 'lead', objectId: `obj-${++n}` };
}

export async function enqueueTestJob(db: Queryable, ref: LeadRef = uniqueRef(), maxAttempts?: number) {
  return enqueueJob(db, { ref, reason: 'webhook', payload: { lead: { company: 'Test B.V.' }, event: { type: 'test' } }, maxAttempts });
}
