import {
  type AppRoute,
  type AppRouter,
  type ServerInferRequest,
  type ServerInferResponses,
} from '@ts-rest/core';
import { contractRoutes, type RouteMetadata } from '@taskvault/contract';
import type { RequestContext } from './context.ts';
import { rejectNulCharacters } from './input-guards.ts';
import type { ReceivedFile } from './multipart.ts';

/** A multipart route's handler also gets the file part, as the route's receiver kept it (if one was sent). */
export type RouteInput<R extends AppRoute> = ServerInferRequest<R> &
  (R extends { contentType: 'multipart/form-data' } ? { file: ReceivedFile | undefined } : unknown);

/**
 * One function per contract route. REST, tRPC and tests all call this same function: it receives the
 * validated input and the request context and answers with a status and a body the contract declares.
 */
export type RouteHandler<R extends AppRoute> = (
  input: RouteInput<R>,
  ctx: RequestContext,
) => Promise<ServerInferResponses<R>>;

export type RouterHandlers<C extends AppRouter> = {
  [K in keyof C]: C[K] extends AppRoute
    ? RouteHandler<C[K]>
    : C[K] extends AppRouter
      ? RouterHandlers<C[K]>
      : never;
};

/** Any route's handler, for the transports that dispatch generically. */
export type AnyRouteHandler = (
  input: unknown,
  ctx: RequestContext,
) => Promise<{ status: number; body: unknown }>;

export type RouteEntry = { path: string[]; route: AppRoute; handler: AnyRouteHandler };

/** Visits every route of the contract with its handler, depth first, with its key path (`['system', 'health']`). */
export function* routeEntries(contract: AppRouter, handlers: unknown): Generator<RouteEntry> {
  for (const { path, route } of contractRoutes(contract)) {
    const h = path.reduce<unknown>(
      (node, key) => (node as Record<string, unknown> | undefined)?.[key],
      handlers,
    );
    if (typeof h !== 'function') throw new Error(`No handler for route ${path.join('.')}`);
    const handler = h as AnyRouteHandler;
    // Both transports dispatch through here: input checks common to every route live in one place.
    const guarded: AnyRouteHandler = async (input, ctx) => {
      rejectNulCharacters(input as Parameters<typeof rejectNulCharacters>[0]);
      return handler(input, ctx);
    };
    yield { path, route, handler: guarded };
  }
}

export const routeMetadata = (route: AppRoute): RouteMetadata => route.metadata as RouteMetadata;

/** Builds the `{ success: true, message, data }` body. */
export const ok = <T>(message: string, data: T) => ({ success: true as const, message, data });
