import { errorStatus, type ErrorCode, type ErrorEnvelope, type FieldErrors } from '@taskvault/contract';
import { AppError } from '../core/errors.ts';
import { databaseUnavailable } from '../platform/db/db-errors.ts';
import { DependencyUnavailableError, type DependencyName } from '../platform/dependency.ts';

/** The HTTP status an AppError answers with: the one the contract maps its code to. */
export const httpStatus = (err: AppError): number => errorStatus[err.code];

/** A sick dependency as the client hears of it: 503 with Retry-After, nothing about which one or why. */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  readonly dependency: DependencyName;

  constructor(failure: DependencyUnavailableError, retryAfterSeconds: number) {
    super(
      'SERVICE_UNAVAILABLE',
      `The service is temporarily unavailable; try again in ${retryAfterSeconds} s`,
      {
        headers: { 'Retry-After': String(retryAfterSeconds) },
        cause: failure,
      },
    );
    this.dependency = failure.dependency;
  }
}

/**
 * What the client should hear about `err`: an AppError as it is (a 503 gets a Retry-After if it has none),
 * a dependency failure (our own error type, or a database error that means the database is gone) as
 * UnavailableError; undefined for anything else, which is a bug and answers 500.
 */
export function toAppError(err: unknown, retryAfterSeconds: number): AppError | undefined {
  if (err instanceof AppError) {
    if (httpStatus(err) === 503 && !('Retry-After' in err.headers))
      err.headers['Retry-After'] = String(retryAfterSeconds);
    return err;
  }
  const failure = err instanceof DependencyUnavailableError ? err : databaseUnavailable(err);
  return failure ? new UnavailableError(failure, retryAfterSeconds) : undefined;
}

/** The one log line a failure answered with a 5xx deserves: a warning for a sick dependency, else an error. */
export function logServerFailure(
  log: { warn: (o: object, msg: string) => void; error: (o: object, msg: string) => void },
  err: AppError,
): void {
  if (err instanceof UnavailableError) {
    const cause = err.cause as DependencyUnavailableError;
    log.warn({ dependency: err.dependency, reason: cause.message }, `${err.dependency} unavailable`);
  } else if (httpStatus(err) >= 500) log.error({ err: err.cause ?? err }, err.message);
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
  // Keyed by what the client sent: a Map, so that a field named `constructor` or `__proto__` is a key
  // like any other and not a member of Object.prototype.
  const out = new Map<string, string[]>();
  const add = (key: string, message: string) => {
    const messages = out.get(key);
    if (messages) messages.push(message);
    else out.set(key, [message]);
  };
  for (const issue of issues) {
    const prefix = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const k of issue.keys) add(prefix ? `${prefix}.${k}` : k, 'Unknown field');
    } else {
      add(prefix || rootKey, issue.message);
    }
  }
  // fromEntries defines own properties (even one named __proto__), which JSON.stringify writes out.
  return Object.fromEntries(out);
}
