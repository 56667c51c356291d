import type { AppRouter } from '@ts-rest/core';
import { createExpressEndpoints, RequestValidationError } from '@ts-rest/express';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { Authenticator } from './context.ts';
import { resolvePrincipal } from './context.ts';
import { AppError, fieldErrors, validationError } from './errors.ts';
import { routeEntries, routeMetadata } from './handlers.ts';
import { fullPath, type RouteTable } from './route-table.ts';

type Issue = Parameters<typeof fieldErrors>[0][number];

/** ts-rest reports each request part apart; callers get them merged into one `errors` map. */
export function requestValidationAppError(err: RequestValidationError): AppError {
  const parts = { params: err.pathParams, query: err.query, headers: err.headers, body: err.body };
  const errors = Object.entries(parts).reduce<Record<string, string[]>>((acc, [part, e]) => {
    const issues = (e as { issues?: Issue[] } | null)?.issues ?? [];
    return { ...acc, ...fieldErrors(issues, part) };
  }, {});
  return validationError(errors);
}

/**
 * Refuses a body of a type the route does not accept, before any parser reads it. Bodies on unknown
 * routes are left alone: they answer 404 or 405 anyway.
 */
export const requireContentType =
  (routes: RouteTable): RequestHandler =>
  (req, _res, next) => {
    const route = routes.find(req.method, fullPath(req));
    const expected = (route && 'contentType' in route && route.contentType) || 'application/json';
    const accepted =
      expected === 'application/json' ? ['application/json', 'application/*+json'] : [expected];
    // An empty body has no type to check; the route's own validation says whether a body was required.
    const empty = req.headers['content-length'] === '0';
    if (route && !empty && req.is(accepted) === false) {
      next(new AppError('UNSUPPORTED_MEDIA_TYPE', `This endpoint accepts ${expected}`));
      return;
    }
    next();
  };

export type RestOptions = { contract: AppRouter; handlers: unknown; authenticate: Authenticator };

/** Serves every contract route over REST through @ts-rest/express, with request and response validation. */
export function restRouter({ contract, handlers, authenticate }: RestOptions): Router {
  const router = express.Router();
  const implementation: Record<string, unknown> = {};
  for (const { path, handler } of routeEntries(contract, handlers)) {
    let node = implementation;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = async ({
      params,
      query,
      body,
      headers,
      req,
    }: Record<string, unknown> & { req: express.Request }) =>
      handler({ params, query, body, headers }, req.ctx);
  }
  const enforceAccess: RequestHandler = async (req, _res, next) => {
    const route = (req as unknown as { tsRestRoute: Parameters<typeof routeMetadata>[0] }).tsRestRoute;
    req.ctx.principal = await resolvePrincipal(
      routeMetadata(route).access,
      req.headers.authorization,
      authenticate,
    );
    next();
  };
  const toEnvelope: ErrorRequestHandler = (err, _req, _res, next) => {
    next(err instanceof RequestValidationError ? requestValidationAppError(err) : err);
  };
  createExpressEndpoints(contract, implementation as never, router, {
    logInitialization: false,
    responseValidation: true,
    globalMiddleware: [enforceAccess as never],
    requestValidationErrorHandler: toEnvelope as never,
  });
  return router;
}
