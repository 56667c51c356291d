import type { Contract, StorageUsage, TokenPair } from '@taskvault/contract';
import { type RequestContext, ok, type RouterHandlers } from '../route-handler.ts';
import { AppError } from '../../core/errors.ts';
import type { AccountsService, IssuedTokens } from './accounts.service.ts';

export const REFRESH_COOKIE = 'tv_refresh';

export type AccountsHandlerDeps = {
  accounts: (ctx: RequestContext) => AccountsService;
  /** The refresh cookie is only sent to the auth routes that read it. */
  cookie: { path: string; secure: boolean; maxAgeMs: number };
  /** The profile shows how much of their quota a user's files take. */
  storageUsage: (ctx: RequestContext, userId: string) => Promise<StorageUsage>;
};

const client = (ctx: RequestContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });

/**
 * The auth routes. Besides calling the service, they decide where the refresh token travels: in the body,
 * or as an HttpOnly cookie the page's script never sees (then reading it back needs a header a cross-site
 * form cannot send).
 */
export function createAuthHandlers({
  accounts,
  cookie,
  storageUsage,
}: AccountsHandlerDeps): RouterHandlers<Contract['auth']> {
  const deliver = (ctx: RequestContext, issued: IssuedTokens, transport: 'body' | 'cookie'): TokenPair => {
    if (transport === 'body') return { ...issued.pair, refresh: issued.refresh };
    ctx.cookies.set(REFRESH_COOKIE, issued.refresh, cookie);
    return { ...issued.pair, refresh: null };
  };
  const fromCookie = (ctx: RequestContext, csrf: string | undefined): string => {
    if (!csrf) throw new AppError('FORBIDDEN', 'Send the X-Taskvault-CSRF header to use the refresh cookie');
    const token = ctx.cookies.get(REFRESH_COOKIE);
    if (!token)
      throw new AppError('INVALID_REFRESH_TOKEN', 'No refresh token: send it in the body, or log in again');
    return token;
  };

  return {
    register: async ({ body }, ctx) => {
      await accounts(ctx).register(body, client(ctx)); // nothing back: no hint of whether the email was taken
      return {
        status: 201,
        body: ok(
          'Registration received: we emailed that address a verification link (or, if it already has an account, a note to its owner)',
          null,
        ),
      };
    },
    verifyEmail: async ({ params }, ctx) => {
      await accounts(ctx).verifyEmail(params.uid, params.token);
      return { status: 200, body: ok('Email verified: you can log in now', null) };
    },
    resendVerification: async ({ body }, ctx) => {
      await accounts(ctx).resendVerification(body.email, client(ctx));
      return {
        status: 202,
        body: ok('If that address has an account waiting for verification, a new link is on its way', null),
      };
    },
    login: async ({ body }, ctx) => {
      const issued = await accounts(ctx).login(body, client(ctx));
      return { status: 200, body: ok('Logged in', deliver(ctx, issued, body.refreshTransport)) };
    },
    refresh: async ({ body, headers }, ctx) => {
      const token = body.refresh ?? fromCookie(ctx, headers['x-taskvault-csrf']);
      const issued = await accounts(ctx).refresh(token);
      // A token read from the cookie is replaced in the cookie, or the browser would keep a spent one.
      return {
        status: 200,
        body: ok('Tokens refreshed', deliver(ctx, issued, body.refresh ? body.refreshTransport : 'cookie')),
      };
    },
    logout: async ({ body, headers }, ctx) => {
      if (body.refresh) await accounts(ctx).logout(body.refresh);
      else {
        if (!headers['x-taskvault-csrf'])
          throw new AppError('FORBIDDEN', 'Send the X-Taskvault-CSRF header to use the refresh cookie');
        // No cookie: nothing to end, and logout is idempotent.
        const token = ctx.cookies.get(REFRESH_COOKIE);
        if (token) await accounts(ctx).logout(token);
        ctx.cookies.clear(REFRESH_COOKIE, cookie);
      }
      return { status: 200, body: ok('Logged out', null) };
    },
    logoutAll: async (_input, ctx) => {
      const revokedSessions = await accounts(ctx).logoutAll(ctx.principal);
      return { status: 200, body: ok('Logged out everywhere', { revokedSessions }) };
    },
    profile: async (_input, ctx) => ({
      status: 200,
      body: ok('Your profile', {
        ...(await accounts(ctx).profile(ctx.principal)),
        storage: await storageUsage(ctx, ctx.principal.id),
      }),
    }),
    updateProfile: async ({ body }, ctx) => ({
      status: 200,
      body: ok('Profile updated', {
        ...(await accounts(ctx).updateProfile(ctx.principal, body, client(ctx))),
        storage: await storageUsage(ctx, ctx.principal.id),
      }),
    }),
    changePassword: async ({ body }, ctx) => {
      await accounts(ctx).changePassword(ctx.principal, body.currentPassword, body.newPassword);
      return {
        status: 200,
        body: ok('Password changed; you stay signed in here, and every other sign-in has ended', null),
      };
    },
    requestPasswordReset: async ({ body }, ctx) => {
      await accounts(ctx).requestPasswordReset(body.email, client(ctx));
      return { status: 202, body: ok('If that address has an account, a reset link is on its way', null) };
    },
    confirmPasswordReset: async ({ body }, ctx) => {
      await accounts(ctx).confirmPasswordReset(body.uid, body.token, body.newPassword);
      return { status: 200, body: ok('Password changed; log in with your new password', null) };
    },
  };
}

/** The deprecated account paths of the original file-sharing API: the very same handlers. */
export const createLegacyHandlers = (auth: RouterHandlers<Contract['auth']>) => ({
  signup: auth.register,
  login: auth.login,
  verifyEmail: auth.verifyEmail,
});
