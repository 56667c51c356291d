import { contractRoutes, isMultipartRoute } from '@taskvault/contract';
import type { AppRoute, AppRouter } from '@ts-rest/core';
import { createExpressEndpoints, RequestValidationError } from '@ts-rest/express';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Authenticator } from '../core/principal.ts';
import { resolvePrincipal } from './context.ts';
import { AppError, validationError } from '../core/errors.ts';
import { fieldErrors } from './errors.ts';
import { routeEntries, routeMetadata } from './handlers.ts';
import { multipartBody, type FileReceiver } from './multipart.ts';
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

export type RestOptions = {
  contract: AppRouter;
  handlers: unknown;
  authenticate: Authenticator;
  /** Takes the file part of multipart routes; required when the contract has any. */
  receiveFile?: FileReceiver | undefined;
};

/** Puts `value` at a key path of a nested record, creating the levels on the way. */
const placeAt = (tree: Record<string, unknown>, path: string[], value: unknown) => {
  let node = tree;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1)!] = value;
};

/**
 * A multipart route's body as the server validates it: the text fields only. The file part never reaches
 * validation as a value: it is streamed to its receiver while the form is parsed (as ts-rest's own server
 * types expect, which leave file fields out of `body`).
 */
function splitMultipartBody(route: AppRoute): { fileField: string; fields: z.ZodObject } {
  const body = 'body' in route ? route.body : undefined;
  const fileFields =
    body instanceof z.ZodObject
      ? Object.entries(body.shape).filter(
          ([, s]) => (s instanceof z.ZodOptional ? s.unwrap() : s) instanceof z.ZodFile,
        )
      : [];
  if (!(body instanceof z.ZodObject) || fileFields.length !== 1)
    throw new Error(
      `${route.method} ${route.path}: a multipart body must be an object with exactly one z.file()`,
    );
  const fileField = fileFields[0]![0];
  // omit() keeps the object's strictness: an unknown text field is still refused by name.
  return { fileField, fields: body.omit({ [fileField]: true } as Record<string, never>) };
}

/** The contract with every multipart route's body reduced to its text fields. */
function serverContract(contract: AppRouter): AppRouter {
  const server: Record<string, unknown> = {};
  for (const { path, route } of contractRoutes(contract))
    placeAt(
      server,
      path,
      isMultipartRoute(route) ? { ...route, body: splitMultipartBody(route).fields } : route,
    );
  return server as AppRouter;
}

/**
 * Serves every contract route over REST through @ts-rest/express, with request and response validation.
 * A handler may answer with a stream (file content): it is piped to the response and destroyed if the
 * client goes away first.
 */
export function restRouter({ contract, handlers, authenticate, receiveFile }: RestOptions): Router {
  const router = express.Router();
  const implementation: Record<string, unknown> = {};
  for (const { path, route, handler } of routeEntries(contract, handlers)) {
    const serve = async ({
      params,
      query,
      body,
      headers,
      req,
      res,
    }: Record<string, unknown> & { req: express.Request; res: express.Response }) => {
      const result = await handler({ params, query, body, headers, file: req.file }, req.ctx);
      if (result.body instanceof Readable) {
        const stream = result.body;
        res.on('close', () => stream.destroy());
        stream.on('error', (err) => {
          req.log.error({ err }, 'the response stream failed');
          res.destroy(err);
        });
      }
      return result;
    };
    if (isMultipartRoute(route)) {
      if (!receiveFile)
        throw new Error(`${route.method} ${route.path} takes a file, but no receiver was given`);
      const upload = multipartBody({ fileField: splitMultipartBody(route).fileField, receive: receiveFile });
      placeAt(implementation, path, { middleware: [upload], handler: serve });
    } else {
      placeAt(implementation, path, serve);
    }
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
  createExpressEndpoints(serverContract(contract), implementation as never, router, {
    logInitialization: false,
    responseValidation: true,
    globalMiddleware: [enforceAccess as never],
    requestValidationErrorHandler: toEnvelope as never,
  });
  return router;
}
