import { contractRoutes } from '@taskvault/contract';
import type { AppRoute, AppRouter } from '@ts-rest/core';

/** The request's full path, whatever router it is mounted under, without the query string. */
export const fullPath = (req: { originalUrl: string }): string => req.originalUrl.split('?')[0] ?? '/';

/** `rank`: one character per segment, `1` literal and `0` a parameter, so that ranks compare as strings. */
type CompiledRoute = { method: string; pattern: RegExp; rank: string; route: AppRoute };

const rankOf = (path: string) =>
  path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '0' : '1'))
    .join('');

const compile = (path: string): RegExp =>
  new RegExp(
    '^' +
      path
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/') +
      '/?$',
  );

/**
 * The contract's routes as a lookup by method and path. Express only tells us "no route matched"; this
 * tells apart an unknown path (404) from a known path asked with the wrong method (405 with Allow), and
 * finds which content type a route accepts (415 otherwise).
 */
export class RouteTable {
  readonly #routes: CompiledRoute[] = [];

  constructor(contract: AppRouter) {
    for (const { route } of contractRoutes(contract))
      this.#routes.push({
        method: route.method,
        pattern: compile(route.path),
        rank: rankOf(route.path),
        route,
      });
  }

  /**
   * The routes of the path template a path belongs to: of the templates it matches, the most literal one, as
   * OpenAPI matches them (concrete paths before templated ones), so `/tasks/stats` is the statistics'
   * path and not `/tasks/{id}` with the id `stats`.
   */
  #routesOf(path: string): CompiledRoute[] {
    const matching = this.#routes.filter((r) => r.pattern.test(path));
    const best = matching.reduce((top, r) => (r.rank > top ? r.rank : top), '');
    return matching.filter((r) => r.rank === best);
  }

  find(method: string, path: string): AppRoute | undefined {
    const m = method === 'HEAD' ? 'GET' : method;
    return this.#routesOf(path).find((r) => r.method === m)?.route;
  }

  /** The methods a path answers to, for the Allow header; empty when the path is unknown. */
  allowed(path: string): string[] {
    const methods = new Set(this.#routesOf(path).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}
