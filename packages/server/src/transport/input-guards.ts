import { validationError } from '../core/errors.ts';

/**
 * PostgreSQL text cannot hold a NUL character, and no field of ours has a use for one: refuse it for every
 * route at the transport, naming the field, rather than letting the database fail the request with a 500.
 */
export function rejectNulCharacters(input: { params?: unknown; query?: unknown; body?: unknown }): void {
  const found: string[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push(path.join('.'));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, String(i)]));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
    }
  };
  visit(input.params, []);
  visit(input.query, []);
  visit(input.body, []);
  if (found.length)
    throw validationError(
      Object.fromEntries(found.map((f) => [f || 'body', ['Must not contain NUL characters']])),
    );
}
