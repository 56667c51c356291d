import type { EntityManager } from '../../platform/db/orm.ts';
import type { Authenticator } from '../../core/principal.ts';
import { AppError } from '../../core/errors.ts';
import { invalidToken, type AccessTokens } from './access-tokens.ts';
import type { Sessions } from './sessions.ts';

/**
 * Bearer access tokens. AccessTokens checks the token itself (signature, algorithm, issuer, audience,
 * expiry, `crit`, `iat`); what it may do rests on server state, not on its claims, since anyone with the
 * signing key can write claims: its session must exist, be live (not revoked, not expired) and belong
 * to `sub`, the user must be active, and the role the token names must be the user's role now. Any
 * disagreement is a 401: a client whose token merely predates a change (a promotion) refreshes and gets
 * one that agrees. The principal is built from the database's answer.
 */
export const tokenAuthenticator =
  (deps: { accessTokens: AccessTokens; sessions: Sessions; em: () => EntityManager }): Authenticator =>
  async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match)
      throw new AppError('UNAUTHENTICATED', 'Send the access token as: Authorization: Bearer <token>');
    const claims = deps.accessTokens.verify(match[1]!);
    const signIn = await deps.sessions.current(claims.sessionId, deps.em);
    if (!signIn || !signIn.isActive) throw invalidToken('This sign-in has ended; log in again');
    if (signIn.userId !== claims.id || signIn.role !== claims.role)
      throw invalidToken('This access token does not match its sign-in; refresh it or log in again');
    return {
      id: signIn.userId,
      email: signIn.email,
      username: signIn.username,
      role: signIn.role,
      sessionId: claims.sessionId,
    };
  };
