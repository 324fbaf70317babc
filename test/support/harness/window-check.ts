import type { FakeBase } from '../fakes/crm-fake-base.js';

/**
 * The rolling-window check of a harness run: undefined when no window of `windowMs` held more than
 * `limit` of the fake's counted requests, else a message that lists the busiest window's requests
 * (offset, method, path, status), so a failed run says which calls crowded it.
 */
export function windowOverrun(who: string, fake: Pick<FakeBase, 'busiestWindow'>, limit: number, windowMs: number): string | undefined {
  const window = fake.busiestWindow(windowMs);
  if (window.length <= limit) return undefined;
  const seen = window.map((r) => `+${r.at - window[0].at} ms ${r.method} ${r.path} → ${r.status}`).join('; ');
  return `${who} saw ${window.length} requests in one ${windowMs} ms window (limit ${limit}): ${seen}`;
}
