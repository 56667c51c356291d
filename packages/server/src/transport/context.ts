import type { Access } from '@taskvault/contract';
import type { Logger } from '../platform/logger.ts';
import type { EntityManager } from '../platform/db/orm.ts';
import { AppError } from '../core/errors.ts';
import type { Authenticator, Principal } from '../core/principal.ts';

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

/** The one place access levels are enforced, for REST and tRPC alike. */
export async function resolvePrincipal(
  access: Access,
  authorization: string | undefined,
  authenticate: Authenticator,
): Promise<Principal | null> {
  if (access === 'public') return null;
  const principal = await authenticate(authorization);
  if (!principal)
    throw new AppError('UNAUTHENTICATED', 'Authentication required', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  if (access === 'admin' && principal.role !== 'admin')
    throw new AppError('FORBIDDEN', 'Administrator access required');
  return principal;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express' own extension point
  namespace Express {
    interface Request {
      /** Set for every API request before any route runs. */
      ctx: RequestContext;
    }
  }
}
