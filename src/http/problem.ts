import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../field-errors.js';


/**
 * Every machine code a problem can carry, in one closed list: a misspelt code
 * is a type error, and the problem `type` (`urn:verrijk:problem:<code>`) a
 * client matches on cannot drift. Add a code here before throwing it.
 */
export const ERROR_CODES = [
  'invalid-request',
  'not-found',
  'conflict',
  'payload-too-large',
  'unsupported-media-type',
  'unauthorized',
  'admin-disabled',
  'cross-origin',
  'viewer-forbidden',
  'too-many-attempts',
  'busy',
  'cbs-refresh-failed',
  'internal',
] as const;

/** A code from ERROR_CODES, or `http-<status>` for an HTTP error Hono itself raised (middleware.ts). */
export type ErrorCode = (typeof ERROR_CODES)[number] | `http-${number}`;

/**
 * The one error type the app throws on purpose. `code` is machine-readable and
 * becomes the problem `type`; `detail` is safe to show a client.
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
    this.name = 'AppError';
  }
}

export const problems = {
  badRequest: (detail: string, errors?: FieldError[]) => new AppError(400, 'invalid-request', 'Invalid request', detail, errors),
  notFound: (detail: string) => new AppError(404, 'not-found', 'Not found', detail),
  conflict: (detail: string) => new AppError(409, 'conflict', 'Conflict', detail),
  tooLarge: (limit: number) => new AppError(413, 'payload-too-large', 'Payload too large', `The body exceeds ${limit} bytes.`),
  unsupportedMediaType: (detail: string) => new AppError(415, 'unsupported-media-type', 'Unsupported media type', detail),
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId: string;
  errors?: FieldError[];
}

export function problemType(code: ErrorCode): string {
  return `urn:verrijk:problem:${code}`;
}

export function problemResponse(c: Context, err: AppError): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  const body: ProblemBody = {
    type: problemType(err.code),
    title: err.title,
    status: err.status,
    ...(err.detail ? { detail: err.detail } : {}),
    requestId,
    ...(err.errors?.length ? { errors: err.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...(err.headers ?? {}) },
  });
}
