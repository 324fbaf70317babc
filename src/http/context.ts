import type { Logger } from '../logger.js';

/** Typed Hono context variables set by middleware and read by handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
  };
}
