import type { CbsRefresher } from '../http/routes/admin-cbs.js';

/** What the admin surface needs from other parts of the service, attached in runtime.ts [ops]. */
export interface OpsHooks {
  /** Refreshes CBS tables now (the CBS store). */
  cbs?: CbsRefresher;
  /** Tells this instance's workers that new jobs are due (they also poll). */
  wakeWorkers?: () => void;
  /** How long POST /v1/cbs/refresh waits for the summary before answering 202 (default 3 s). */
  cbsRefreshWaitMs?: number;
}
