import type { EntityManager } from '../../platform/db/orm.ts';
import type { Authenticator } from '../../transport/context.ts';
import { AppError } from '../../transport/errors.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { Sessions } from './sessions.ts';

/**
 * Bearer access tokens: signature, algorithm, issuer, audience and expiry are checked by AccessTokens;
 * here, also that the sign-in the token belongs to has not been revoked (logout, password change,
 * deactivation), which is what makes a revocation take effect before the token expires.
 */
export const tokenAuthenticator =
  (deps: { accessTokens: AccessTokens; sessions: Sessions; em: () => EntityManager }): Authenticator =>
  async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match)
      throw new AppError('UNAUTHENTICATED', 'Send the access token as: Authorization: Bearer <token>');
    const claims = deps.accessTokens.verify(match[1]!);
    if (await deps.sessions.isRevoked(claims.sessionId, deps.em))
      throw new AppError('UNAUTHENTICATED', 'This sign-in has ended; log in again');
    const { id, email, username, role, sessionId } = claims;
    return { id, email, username, role, sessionId };
  };
