import type { ErrorCode, FieldErrors } from '@taskvault/contract';

/**
 * A failure the caller should hear about, with the code the contract documents. Services throw these;
 * the transports turn them into the error envelope, with the status the code maps to.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly errors: FieldErrors | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { errors?: FieldErrors; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

/** VALIDATION_FAILED with per-field messages, keyed by the field's dotted path. */
export const validationError = (errors: FieldErrors): AppError =>
  new AppError('VALIDATION_FAILED', 'Validation failed', { errors });
