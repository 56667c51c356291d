import type { ErrorCode, ErrorEnvelope, FieldErrors } from '@taskvault/contract';

/** `code` of a TaskvaultError whose answer was not a Taskvault error envelope (a proxy's error page, say). */
export const UNEXPECTED_RESPONSE = 'UNEXPECTED_RESPONSE';

/** A non-2xx answer, as an exception: the envelope's code, message and field errors, and the HTTP status. */
export class TaskvaultError extends Error {
  override readonly name = 'TaskvaultError';
  /** The HTTP status. */
  readonly status: number;
  /** The envelope's machine-readable code; `UNEXPECTED_RESPONSE` when the body was not an envelope. */
  readonly code: ErrorCode | typeof UNEXPECTED_RESPONSE;
  /** Per-field messages (`VALIDATION_FAILED` and friends), keyed by field name. */
  readonly errors?: FieldErrors;
  /** The server's `X-Request-Id` for this request: quote it when reporting a problem. */
  readonly requestId?: string;
  /** The body the server answered with. */
  readonly body: unknown;

  constructor(init: {
    status: number;
    code: ErrorCode | typeof UNEXPECTED_RESPONSE;
    message: string;
    errors?: FieldErrors | undefined;
    requestId?: string | undefined;
    body?: unknown;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    if (init.errors) this.errors = init.errors;
    if (init.requestId) this.requestId = init.requestId;
    this.body = init.body;
  }

  /** The error a non-2xx answer stands for. */
  static fromResponse(res: { status: number; body: unknown; headers?: Headers | undefined }): TaskvaultError {
    const requestId = res.headers?.get('x-request-id') ?? undefined;
    if (isErrorEnvelope(res.body))
      return new TaskvaultError({
        status: res.status,
        code: res.body.code,
        message: res.body.message,
        errors: res.body.errors,
        requestId,
        body: res.body,
      });
    return new TaskvaultError({
      status: res.status,
      code: UNEXPECTED_RESPONSE,
      message: `Unexpected answer from the server (HTTP ${res.status})`,
      requestId,
      body: res.body,
    });
  }
}

/** Whether `e` is a TaskvaultError (optionally: with this code). Works across bundles and realms. */
export function isTaskvaultError(e: unknown, code?: TaskvaultError['code']): e is TaskvaultError {
  const named =
    e instanceof TaskvaultError ||
    (e instanceof Error &&
      e.name === 'TaskvaultError' &&
      typeof (e as { status?: unknown }).status === 'number');
  return named && (code === undefined || (e as TaskvaultError).code === code);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  return (
    isObject(body) &&
    body.success === false &&
    typeof body.code === 'string' &&
    typeof body.message === 'string'
  );
}

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206;

/** Any answer of a client call. */
export type AnyResponse = { status: number; body: unknown; headers: Headers };

/**
 * What a successful answer carries: the envelope's `data` (every 2xx JSON answer is an envelope), `undefined`
 * for a 204, the body itself for content (a download).
 */
export type SuccessData<R> = R extends { status: infer S; body: infer B }
  ? S extends SuccessStatus
    ? B extends { success: true; data: infer D }
      ? D
      : B
    : never
  : never;

/** The data of a 2xx answer; anything else is thrown as a TaskvaultError. */
export function orThrow<R extends AnyResponse>(res: R): SuccessData<R> {
  if (res.status < 200 || res.status > 299) throw TaskvaultError.fromResponse(res);
  const body = res.body;
  if (isObject(body) && body.success === true && 'data' in body) return body.data as SuccessData<R>;
  return body as SuccessData<R>;
}
