import type { Access } from '@taskvault/contract';
import type { RequestContext } from '../modules/route-handler.ts';
import { AppError } from '../core/errors.ts';
import type { Authenticator, Principal } from '../core/principal.ts';

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
