import { ErrorEnvelopeSchema } from './envelope.ts';

/**
 * Responses any route can give, whatever it does: bad input, a body too large or of the wrong type,
 * too many requests, an unexpected failure. Route-specific errors are declared on the route.
 */
export const commonResponses = {
  400: ErrorEnvelopeSchema,
  413: ErrorEnvelopeSchema,
  415: ErrorEnvelopeSchema,
  429: ErrorEnvelopeSchema,
  500: ErrorEnvelopeSchema,
} as const;

/** Added to every route whose access is `user` or `admin`. */
export const authResponses = {
  401: ErrorEnvelopeSchema,
  403: ErrorEnvelopeSchema,
} as const;
