/**
 * While intake stays busy past the wait, batch starts are spread evenly over
 * the wait: loops whose waits ran out together would otherwise run their
 * batches' CPU back to back in front of the webhooks (all-in-one p99 on
 * PostgreSQL 51-54 -> 37-43 ms). Batches still overlap once started, so a
 * slow CRM call holds up nobody. The rule alone, on the clock it is given, so
 * it is proven on given instants (test/unit/jobs/start-spacer.test.ts) and
 * not on a loaded machine's scheduling.
 */
export interface StartSpacer {
  /** Whether a loop whose wait has run out may start at `now`; if so, the next may start `spacingMs` later. */
  take(now: number): boolean;
}

export function createStartSpacer(spacingMs: number): StartSpacer {
  let nextStartAt = Number.NEGATIVE_INFINITY;
  return {
    take(now) {
      if (now < nextStartAt) return false;
      nextStartAt = now + spacingMs;
      return true;
    },
  };
}
