/**
 * What is wrong with which field of an input: the `errors` list of a 400
 * problem. A leaf of its own because two layers produce it: the HTTP
 * validators (src/http/router.ts) and the CRM webhook parsers (src/crm/*),
 * which must not import the HTTP layer to describe a bad payload.
 */

/** A field-level validation failure, as listed in a 400 problem. */
export interface FieldError {
  field: string;
  message: string;
}

/** Turns zod issues into the `errors` list of a 400: one entry per bad field. */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix = ''): FieldError[] {
  return issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: i.message,
  }));
}
