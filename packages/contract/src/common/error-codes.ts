import { z } from 'zod';

/**
 * Machine-readable error codes. Clients branch on these, never on messages, so a code once published
 * keeps its meaning; new failure modes get new codes.
 */
export const ErrorCodeSchema = z
  .enum([
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'MALFORMED_REQUEST',
    'HEADERS_TOO_LARGE',
    'UNAUTHENTICATED',
    'INVALID_CREDENTIALS',
    'INVALID_REFRESH_TOKEN',
    'INVALID_LINK',
    'EMAIL_NOT_VERIFIED',
    'ACCOUNT_DISABLED',
    'FORBIDDEN',
    'NOT_FOUND',
    'METHOD_NOT_ALLOWED',
    'CONFLICT',
    'INVALID_TRANSITION',
    'PRECONDITION_FAILED',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_FILE_TYPE',
    'QUOTA_EXCEEDED',
    'INVALID_SIGNATURE',
    'LINK_EXPIRED',
    'RANGE_NOT_SATISFIABLE',
    'UNSUPPORTED_MEDIA_TYPE',
    'RATE_LIMITED',
    'SERVICE_UNAVAILABLE',
    'INTERNAL_ERROR',
  ])
  .meta({ id: 'ErrorCode', description: 'Machine-readable error code; stable across releases.' });
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The HTTP status each code is answered with. */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  /** The request itself could not be parsed (a header value with a control character, say). */
  MALFORMED_REQUEST: 400,
  HEADERS_TOO_LARGE: 431,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_REFRESH_TOKEN: 401,
  INVALID_LINK: 400,
  EMAIL_NOT_VERIFIED: 403,
  ACCOUNT_DISABLED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_FILE_TYPE: 400,
  QUOTA_EXCEEDED: 413,
  INVALID_SIGNATURE: 403,
  LINK_EXPIRED: 410,
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const satisfies Record<ErrorCode, number>;
