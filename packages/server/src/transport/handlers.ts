import type { AppRoute, AppRouter } from '@ts-rest/core';
import { contractRoutes, type RouteMetadata } from '@taskvault/contract';
import type { RequestContext } from '../modules/route-handler.ts';
import { rejectNulCharacters } from './input-guards.ts';

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
