/**
 * How the ts-rest client's calls go out: the access token on signed-in routes, the refresh cookie on the
 * routes that use it, list queries as repeated keys, and one retry with renewed tokens after a 401.
 */
import type { ApiFetcher, ApiFetcherArgs, AppRoute } from '@ts-rest/core';
import { contract } from '@taskvault/contract';
import type { AnyResponse } from './errors.ts';
import { answerOf } from './http-answer.ts';
import type { BearerAuth } from './session.ts';

export type ApiFetcherDeps = BearerAuth & {
  /** fetch, with its retries on network failures. */
  fetch: typeof globalThis.fetch;
  /** Whether the refresh token travels in a cookie: the routes that read or set it send credentials. */
  cookieMode: boolean;
  /** Sees every answer, to keep the token store in step. */
  track: (route: AppRoute, res: AnyResponse) => void;
};

/**
 * ts-rest writes an array query value as `status[0]=a&status[1]=b`; the API reads lists as repeated keys
 * (`status=a&status=b`, as OpenAPI's `style: form, explode: true` documents), so the indexes are dropped.
 */
export function repeatArrayKeys(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url.slice(q + 1).replace(/(^|&)([^&=]+?)(?:%5B|\[)\d+(?:%5D|\])=/gi, '$1$2=');
  return `${url.slice(0, q)}?${query}`;
}

const accessOf = (route: AppRoute): string | undefined =>
  (route.metadata as { access?: string } | undefined)?.access;

export function apiFetcher({
  fetch,
  cookieMode,
  accessToken,
  track,
  autoRefresh,
  renewAfter401,
}: ApiFetcherDeps): ApiFetcher {
  /** The routes that read or set the refresh cookie. */
  const cookieRoutes = new Set<AppRoute>([contract.auth.login, contract.auth.refresh, contract.auth.logout]);

  const send = async (args: ApiFetcherArgs, token: string | null): Promise<AnyResponse> => {
    // Undici, given a FormData body and a signal aborted already, rejects and then fails unhandled in its
    // body encoder: an aborted call never reaches fetch.
    args.fetchOptions?.signal?.throwIfAborted();
    const headers = new Headers(args.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    const res = await fetch(repeatArrayKeys(args.path), {
      ...args.fetchOptions,
      ...(cookieMode && cookieRoutes.has(args.route) ? { credentials: 'include' as const } : {}),
      method: args.method,
      headers,
      body: args.body ?? null,
    });
    return answerOf(res);
  };

  return async (args) => {
    // Public routes (login, refresh, register, ...) never get the access token, nor trigger a refresh.
    const token = accessOf(args.route) === 'public' ? null : await accessToken();
    const res = await send(args, token);
    track(args.route, res);
    if (res.status !== 401 || !token || !autoRefresh) return res;
    const renewed = await renewAfter401(token);
    if (!renewed) return res;
    // FormData and strings are re-sendable: the retry sends the same body.
    const retried = await send(args, renewed);
    track(args.route, retried);
    return retried;
  };
}
