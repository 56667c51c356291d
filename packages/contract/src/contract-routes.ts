import { isAppRoute, type AppRoute, type AppRouter } from '@ts-rest/core';

/** A route of a router with its key path (`['system', 'health']`). */
export type ContractRoute = { path: string[]; route: AppRoute };

function* routesUnder(router: AppRouter, prefix: string[]): Generator<ContractRoute> {
  for (const [key, node] of Object.entries(router)) {
    if (isAppRoute(node)) yield { path: [...prefix, key], route: node };
    else yield* routesUnder(node, [...prefix, key]);
  }
}

/** Every route of a router, depth first in key order, with its key path. */
export const contractRoutes = (router: AppRouter): Generator<ContractRoute> => routesUnder(router, []);

/** A route whose body is a `multipart/form-data` form (a file upload) rather than JSON. */
export const isMultipartRoute = (route: AppRoute): boolean =>
  'contentType' in route && route.contentType === 'multipart/form-data';
