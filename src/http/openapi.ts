import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:verrijk:problem:invalid-request' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

/** Error responses every route can give; spread into each route's `responses`. */
export const errorResponses = {
  400: problem('Invalid request: the `errors` list names each bad field'),
  500: problem('Internal error; quote the requestId'),
} as const;

export const authErrorResponses = {
  401: problem('Missing or wrong credentials'),
} as const;

export const notFoundResponse = { 404: problem('Not found') } as const;
