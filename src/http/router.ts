import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, AppRouter } from './context.js';
import { fieldErrors } from '../field-errors.js';
import { problems } from './problem.js';

/**
 * A router (the app, or a sub-router such as the admin one) whose validation
 * failures get the same problem+json shape as every other error.
 */
export function createRouter(): AppRouter {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw problems.badRequest('Some fields are invalid.', fieldErrors(result.error.issues, result.target));
      }
    },
  });
}
