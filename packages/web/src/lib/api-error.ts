import { isTaskvaultError, TaskvaultError, UNEXPECTED_RESPONSE, type FieldErrors } from '@taskvault/sdk';

/**
 * The app's errors are the SDK's: a refused call is a `TaskvaultError` (`status`, `code`, `message`,
 * `errors`), whether the SDK threw it itself (`session.login`, `files.upload`) or `ok()` below did. Branch on
 * them with `isTaskvaultError(error, code)`.
 */
export { isTaskvaultError, TaskvaultError };

/**
 * What `ok()` throws for a refused call: a `TaskvaultError`, under the app's former name, with the former
 * name of its field messages (`fieldErrors`, the SDK's `errors`). Kept for code written against it; new
 * code uses `isTaskvaultError`, which also matches the errors the SDK throws itself.
 */
export class ApiError extends TaskvaultError {
  get fieldErrors(): FieldErrors {
    return this.errors ?? {};
  }

  static override fromResponse(res: {
    status: number;
    body: unknown;
    headers?: Headers | undefined;
  }): ApiError {
    const { status, code, message, errors, requestId, body } = TaskvaultError.fromResponse(res);
    return new ApiError({ status, code, message, errors, requestId, body });
  }
}

/** No answer at all: offline, the server down or restarting. Worth asking again, unlike a 4xx. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(cause?: unknown) {
    super('Could not reach the server. Check your connection and try again.', { cause });
  }
}

type AnyResponse = { status: number; body: unknown; headers: Headers };
type Success<R> = Extract<R, { status: 200 | 201 | 202 | 204 }>;

/**
 * Awaits an SDK call and returns its success, narrowed by status (headers included: an ETag, say); anything
 * else becomes a `TaskvaultError` (an `ApiError`), no answer at all a `NetworkError`. An aborted request
 * stays an `AbortError`, so a cancelled query is not reported as a failure. For the data alone, the SDK's
 * `api.ok(call)` does the same.
 */
export async function ok<R extends AnyResponse>(call: Promise<R>): Promise<Success<R>> {
  let res: R;
  try {
    res = await call;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new NetworkError(e);
  }
  if (res.status >= 200 && res.status < 300) return res as Success<R>;
  throw ApiError.fromResponse(res);
}

/** The message to show for any error a query or mutation produced. */
export const errorMessage = (error: unknown): string =>
  isTaskvaultError(error, UNEXPECTED_RESPONSE)
    ? `The server answered with an unexpected response (HTTP ${error.status}). Please try again.`
    : error instanceof Error
      ? error.message
      : 'Something went wrong. Please try again.';

/** Each field's messages as one sentence, as forms show them under the field. */
export const fieldMessages = (error: unknown): Record<string, string> => {
  if (!isTaskvaultError(error)) return {};
  // Own properties only, even for a field named like an Object.prototype member (`constructor`).
  return Object.fromEntries(
    Object.entries(error.errors ?? {})
      .filter(([, messages]) => messages.length > 0)
      .map(([field, messages]) => [field, messages.join(' ')]),
  );
};
