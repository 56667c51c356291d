import { errorStatus, type ErrorCode, type ErrorEnvelope, type FieldErrors } from '@taskvault/contract';

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

  get status(): number {
    return errorStatus[this.code];
  }
}

export const envelope = (code: ErrorCode, message: string, errors?: FieldErrors): ErrorEnvelope =>
  errors ? { success: false, message, code, errors } : { success: false, message, code };

export const appErrorEnvelope = (e: AppError): ErrorEnvelope => envelope(e.code, e.message, e.errors);

/** A standard-schema or zod issue, as ts-rest and tRPC hand them over. */
type Issue = {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined;
  code?: string;
  keys?: string[];
};

/**
 * Per-field messages keyed by the field's dotted path (`title`, `items.0.name`). Unknown keys are
 * reported under their own names, so a client sees exactly which field it should not have sent.
 */
export function fieldErrors(issues: readonly Issue[], rootKey: string): FieldErrors {
  const out: FieldErrors = {};
  const add = (key: string, message: string) => (out[key] ??= []).push(message);
  for (const issue of issues) {
    const prefix = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const k of issue.keys) add(prefix ? `${prefix}.${k}` : k, 'Unknown field');
    } else {
      add(prefix || rootKey, issue.message);
    }
  }
  return out;
}

export const validationError = (errors: FieldErrors): AppError =>
  new AppError('VALIDATION_FAILED', 'Validation failed', { errors });
