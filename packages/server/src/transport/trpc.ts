import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { AppRouter } from '@ts-rest/core';
import type { ErrorEnvelope, ProceduresOf } from '@taskvault/contract';
import { z } from 'zod';
import type { Authenticator } from '../core/principal.ts';
import type { RequestContext } from '../modules/route-handler.ts';
import { resolvePrincipal } from './context.ts';
import { AppError, validationError } from '../core/errors.ts';
import {
  appErrorEnvelope,
  httpStatus,
  envelope,
  fieldErrors,
  logServerFailure,
  toAppError,
} from './errors.ts';
import { routeEntries, routeMetadata } from './handlers.ts';

export type TrpcContext = {
  ctx: RequestContext;
  authorization: string | undefined;
  headers: Record<string, unknown>;
};

const trpcCodes: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  409: 'CONFLICT',
  410: 'NOT_FOUND',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Carries a non-2xx answer of a handler through tRPC, so the client gets the same envelope REST would send. */
class EnvelopeError extends Error {
  readonly status: number;
  readonly body: ErrorEnvelope;
  /** Headers REST would send with it (Retry-After); tRPC sends them for the whole response. */
  readonly headers: Record<string, string>;
  constructor(status: number, body: ErrorEnvelope, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const toTrpcError = (status: number, body: ErrorEnvelope, headers?: Record<string, string>) =>
  new TRPCError({
    code: trpcCodes[status] ?? 'INTERNAL_SERVER_ERROR',
    message: body.message,
    cause: new EnvelopeError(status, body, headers),
  });

/** The headers the errors of a tRPC response carry (Retry-After of a 503), for `responseMeta`. */
export function trpcErrorHeaders(errors: readonly TRPCError[]): Record<string, string> {
  return Object.assign(
    {},
    ...errors.map((e) => (e.cause instanceof EnvelopeError ? e.cause.headers : {})),
  ) as Record<string, string>;
}

/**
 * AppErrors thrown by services, and dependency failures, travel as tRPC errors with the code of their
 * status; a 5xx is logged here once, as REST's error handler does.
 */
const withAppErrors = async <T>(
  run: () => Promise<T>,
  ctx: RequestContext,
  retryAfterSeconds: number,
): Promise<T> => {
  try {
    return await run();
  } catch (e) {
    const known = toAppError(e, retryAfterSeconds);
    if (!known) throw e;
    logServerFailure(ctx.log, known);
    return Promise.reject(toTrpcError(httpStatus(known), appErrorEnvelope(known), known.headers));
  }
};

/** The envelope and HTTP status a tRPC error stands for; input validation issues keep REST's field names. */
function envelopeOf(error: TRPCError): { status: number; body: ErrorEnvelope } {
  const cause = error.cause;
  if (cause instanceof EnvelopeError) return { status: cause.status, body: cause.body };
  // The body reader's own refusals (not UTF-8, does not match its Content-Length, ...) keep their words.
  if (cause instanceof AppError) return { status: httpStatus(cause), body: appErrorEnvelope(cause) };
  if (error.code === 'BAD_REQUEST' && cause && 'issues' in cause && Array.isArray(cause.issues)) {
    // Input is `{ params, query, body }`: report `body.title` as `title`, as REST does.
    const issues = (
      cause.issues as Array<{ path?: PropertyKey[]; message: string; code?: string; keys?: string[] }>
    ).map((i) => ({
      ...i,
      path: (i.path ?? []).slice(1),
      root: String(i.path?.[0] ?? 'input'),
    }));
    const errors = issues.reduce<Record<string, string[]>>(
      (acc, i) => ({ ...acc, ...fieldErrors([i], i.root) }),
      {},
    );
    const v = validationError(errors);
    return { status: httpStatus(v), body: appErrorEnvelope(v) };
  }
  if (error.code === 'PARSE_ERROR' || error.code === 'BAD_REQUEST')
    return { status: 400, body: envelope('MALFORMED_JSON', 'The request could not be parsed') };
  if (error.code === 'NOT_FOUND') return { status: 404, body: envelope('NOT_FOUND', 'No such procedure') };
  if (error.code === 'METHOD_NOT_SUPPORTED')
    return { status: 405, body: envelope('METHOD_NOT_ALLOWED', 'Queries use GET, mutations use POST') };
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE')
    return { status: 415, body: envelope('UNSUPPORTED_MEDIA_TYPE', 'tRPC requests are JSON') };
  if (error.code === 'PAYLOAD_TOO_LARGE')
    return { status: 413, body: envelope('PAYLOAD_TOO_LARGE', 'The request body is too large') };
  return {
    status: 500,
    body: envelope(
      'INTERNAL_ERROR',
      'Something went wrong on our side; the request id identifies it in our logs',
    ),
  };
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const { status, body } = envelopeOf(error);
    // Internal messages stay on the server: the client gets the envelope's message only.
    return {
      ...shape,
      message: body.message,
      data: { code: shape.data.code, httpStatus: status, envelope: body },
    };
  },
});

/** The tRPC router derived from a contract and the same handlers REST uses. */
export function buildTrpcRouter<C extends AppRouter>(
  contract: C,
  options: { handlers: unknown; authenticate: Authenticator; retryAfterSeconds: number },
) {
  const { retryAfterSeconds } = options;
  const procedures: Record<string, unknown> = {};
  for (const { path, route, handler } of routeEntries(contract, options.handlers)) {
    const { access, restOnly } = routeMetadata(route);
    if (restOnly) continue;
    const shape: Record<string, z.ZodType> = {};
    if (route.pathParams instanceof z.ZodType) shape.params = route.pathParams;
    if ('query' in route && route.query instanceof z.ZodType) shape.query = route.query;
    if ('body' in route && route.body instanceof z.ZodType) shape.body = route.body;
    const successStatus = Object.keys(route.responses)
      .map(Number)
      .find((s) => s >= 200 && s < 300);
    const successSchema =
      successStatus === undefined ? undefined : (route.responses as Record<number, unknown>)[successStatus];

    let builder = t.procedure.use(async ({ ctx, next }) => {
      const principal = await withAppErrors(
        () => resolvePrincipal(access, ctx.authorization, options.authenticate),
        ctx.ctx,
        retryAfterSeconds,
      );
      // A batch shares one HTTP request: each call gets its own unit of work and principal, as a REST
      // request would, so one call's flush or clear never touches another's entities.
      // Response headers belong to the whole batch, not to one call: single-call headers (an ETag) are not sent.
      return next({
        ctx: {
          ...ctx,
          ctx: { ...ctx.ctx, em: ctx.ctx.em.fork(), principal, setResponseHeader: () => undefined },
        },
      });
    });
    if (Object.keys(shape).length > 0) builder = builder.input(z.object(shape)) as unknown as typeof builder;
    if (successSchema instanceof z.ZodType) builder = builder.output(successSchema);

    const resolve = async ({ input, ctx }: { input: unknown; ctx: TrpcContext }) => {
      const parts = (input ?? {}) as { params?: unknown; query?: unknown; body?: unknown };
      const res = await withAppErrors(
        () =>
          handler(
            { params: parts.params ?? {}, query: parts.query ?? {}, body: parts.body, headers: ctx.headers },
            ctx.ctx,
          ),
        ctx.ctx,
        retryAfterSeconds,
      );
      if (res.status >= 200 && res.status < 300) return res.body;
      throw toTrpcError(res.status, res.body as ErrorEnvelope);
    };
    const procedure = route.method === 'GET' ? builder.query(resolve) : builder.mutation(resolve);

    let node = procedures;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = procedure;
  }
  return t.router(procedures as unknown as ProceduresOf<C>);
}
