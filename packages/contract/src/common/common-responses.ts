import { ErrorEnvelopeSchema } from './envelope.ts';

/**
 * Responses any route can give, whatever it does: bad input (down to a request that cannot be parsed), a
 * body too large or of the wrong type, headers too large, too many requests, an unexpected failure, a
 * backing service (database, Redis) unavailable. Route-specific errors are declared on the route.
 */
export const commonResponses = {
  400: ErrorEnvelopeSchema,
  413: ErrorEnvelopeSchema,
  415: ErrorEnvelopeSchema,
  431: ErrorEnvelopeSchema,
  429: ErrorEnvelopeSchema,
  500: ErrorEnvelopeSchema,
  503: ErrorEnvelopeSchema,
} as const;

const authResponses = {
  401: ErrorEnvelopeSchema,
  403: ErrorEnvelopeSchema,
} as const;

/**
 * A signed-in route's responses: its own plus 401 and 403. Written as a function returning an intersection
 * because an object spread (`{ 200: X, ...authResponses }`) turns the numeric keys into strings in the
 * type, and ts-rest then drops those statuses from every client's types.
 */
export const authenticated = <R extends object>(responses: R): R & typeof authResponses => ({
  ...responses,
  ...authResponses,
});
