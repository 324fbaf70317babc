import type { Logger } from '../logger.js';

/** Typed Hono context variables set by middleware and read by handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Fields a handler adds to the request's one completion line (instead of logging a second line). */
    logFields?: Record<string, unknown>;
  };
}
