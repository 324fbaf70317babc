/** Tunables of the admin surface (tests shorten them); src/runtime.ts fills in the defaults. */
export interface OpsHooks {
  /** How long POST /v1/cbs/refresh waits for the summary before answering 202 (default 3 s). */
  cbsRefreshWaitMs?: number;
}

/** The defaults src/runtime.ts fills in. */
export const OPS_DEFAULTS: Required<OpsHooks> = {
  cbsRefreshWaitMs: 3000,
};
