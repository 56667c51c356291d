import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';
import { appErrorEnvelope, httpStatus, envelope, logServerFailure, toAppError } from './errors.ts';
import { fullPath, type RouteTable } from './route-table.ts';

/** Under the API prefix, anything no route took: 405 with Allow for a known path, 404 otherwise. */
export const unmatchedRoute =
  (routes: RouteTable): RequestHandler =>
  (req, _res, next) => {
    const path = fullPath(req);
    const allowed = routes.allowed(path);
    if (allowed.length > 0) {
      next(
        new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allowed.join(', ')}`, {
          headers: { Allow: allowed.join(', ') },
        }),
      );
      return;
    }
    next(new AppError('NOT_FOUND', `No endpoint at ${req.method} ${path}`));
  };

/**
 * Before the routes: a known path asked with a method it does not have answers 405, even where a route of
 * another path would take it (`DELETE /tasks/stats` would otherwise be `DELETE /tasks/{id}` refusing the id
 * `stats` with a 400), so the answer and the Allow header agree with the document.
 */
export const wrongMethod =
  (routes: RouteTable): RequestHandler =>
  (req, res, next) => {
    const path = fullPath(req);
    if (routes.find(req.method, path) || routes.allowed(path).length === 0) next();
    else unmatchedRoute(routes)(req, res, next);
  };

/** body-parser's error types, mapped to what the caller did wrong. */
const bodyParserErrors: Record<string, AppError> = {
  'entity.parse.failed': new AppError('MALFORMED_JSON', 'The request body is not valid JSON'),
  'entity.too.large': new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large'),
  'encoding.unsupported': new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content encoding'),
  'charset.unsupported': new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported charset'),
  'request.aborted': new AppError('MALFORMED_JSON', 'The request body was not received in full'),
  'request.size.invalid': new AppError(
    'MALFORMED_JSON',
    'The request body does not match its Content-Length',
  ),
};

const asAppError = (err: unknown, retryAfterSeconds: number): AppError | undefined => {
  const type = (err as { type?: unknown } | null)?.type;
  if (!(err instanceof AppError) && typeof type === 'string' && type in bodyParserErrors)
    return bodyParserErrors[type];
  return toAppError(err, retryAfterSeconds);
};

/**
 * The last stop for every failure: the error envelope with the right status. A sick dependency answers
 * 503 with Retry-After and one warning naming it; unexpected errors are logged in full and answered with a
 * bare 500, never a message or a stack from inside.
 */
export const errorEnvelopeHandler =
  (options: { retryAfterSeconds: number }): ErrorRequestHandler =>
  (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = asAppError(err, options.retryAfterSeconds);
    if (known) {
      logServerFailure(req.log, known);
      for (const [k, v] of Object.entries(known.headers)) res.setHeader(k, v);
      res.status(httpStatus(known)).json(appErrorEnvelope(known));
      return;
    }
    req.log.error({ err }, 'unhandled error');
    res
      .status(500)
      .json(
        envelope(
          'INTERNAL_ERROR',
          'Something went wrong on our side; the request id identifies it in our logs',
        ),
      );
  };
