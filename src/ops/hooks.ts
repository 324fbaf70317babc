/** Tunables of the admin surface (tests shorten them). */
export interface OpsHooks {
  /** How long POST /v1/cbs/refresh waits for the summary before answering 202 (default 3 s). */
  cbsRefreshWaitMs?: number;
}
