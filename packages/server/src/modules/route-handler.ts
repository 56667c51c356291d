import type { AppRoute, AppRouter, ServerInferRequest, ServerInferResponses } from '@ts-rest/core';
import type { Principal } from '../core/principal.ts';
import type { EntityManager } from '../platform/db/orm.ts';
import type { Logger } from '../platform/logger.ts';

/** Cookies of the current request and response, for the routes that deliver the refresh token as one. */
export type CookieJar = {
  get(name: string): string | undefined;
  set(name: string, value: string, options: { path: string; maxAgeMs: number; secure: boolean }): void;
  clear(name: string, options: { path: string; secure: boolean }): void;
};

/** Everything a handler may know about the request it serves; built once per request, by either transport. */
export type RequestContext = {
  requestId: string;
  /** The HTTP method; a HEAD request is served by its GET route, which then sends no body. */
  method: string;
  log: Logger;
  /** A fork of the ORM's EntityManager: one unit of work per request. */
  em: EntityManager;
  /** Resolved only for routes whose access is not public. */
  principal: Principal | null;
  ip: string;
  userAgent: string;
  cookies: CookieJar;
  /** Sets a header on the HTTP response (an ETag, say); over tRPC it lands on the batch's response. */
  setResponseHeader(name: string, value: string): void;
};

/** What a route's file receiver made of the file part: it is the receiver's to clean up once the request ends. */
export interface ReceivedFile {
  /** Removes whatever was kept of the file unless it has been made permanent; never throws. */
  discard(): Promise<void>;
}

/** A multipart route's handler also gets the file part, as the route's receiver kept it (if one was sent). */
export type RouteInput<R extends AppRoute> = ServerInferRequest<R> &
  (R extends { contentType: 'multipart/form-data' } ? { file: ReceivedFile | undefined } : unknown);

/**
 * The context a route's handler gets: a route for signed-in callers (access `user` or `admin`) only runs
 * once the transport has resolved who is calling, so its handler sees the principal as present.
 */
export type RouteContext<R extends AppRoute> = R extends { metadata: { access: 'user' | 'admin' } }
  ? RequestContext & { principal: Principal }
  : RequestContext;

/**
 * One function per contract route. REST, tRPC and tests all call this same function: it receives the
 * validated input and the request context and answers with a status and a body the contract declares.
 */
export type RouteHandler<R extends AppRoute> = (
  input: RouteInput<R>,
  ctx: RouteContext<R>,
) => Promise<ServerInferResponses<R>>;

export type RouterHandlers<C extends AppRouter> = {
  [K in keyof C]: C[K] extends AppRoute
    ? RouteHandler<C[K]>
    : C[K] extends AppRouter
      ? RouterHandlers<C[K]>
      : never;
};

/** Builds the `{ success: true, message, data }` body. */
export const ok = <T>(message: string, data: T) => ({ success: true as const, message, data });
