/**
 * The sign-in a client holds: the token store kept in step with the answers that start or end a sign-in,
 * the refresh of an expired access token (at most one in flight, shared by every call that got a 401), and
 * the `session` methods (login, refresh, logout).
 */
import type { AppRoute } from '@ts-rest/core';
import { contract, type LoginBodySchema, type TokenPair } from '@taskvault/contract';
import type { z } from 'zod';
import { orThrow, TaskvaultError, type AnyResponse } from './errors.ts';
import type { RawClient } from './raw-client.ts';
import type { TokenStore } from './tokens.ts';

/** What `session.login` takes: email or username, and the password (the transport comes from the client). */
export type LoginInput = Omit<z.input<typeof LoginBodySchema>, 'refreshTransport'>;

export type SessionClient = {
  /** Logs in, stores the tokens and answers with the pair (throws a TaskvaultError when refused). */
  login(body: LoginInput): Promise<TokenPair>;
  /**
   * Exchanges the refresh token (or cookie) for a new pair. True: new tokens stored. False: the server refused
   * (no sign-in, or it ended): the store is cleared. Throws when the server could not answer (network, 429, 5xx).
   * In cookie mode, call it at start-up to pick up the sign-in the cookie holds.
   */
  refresh(): Promise<boolean>;
  /**
   * Ends the sign-in on the server, then clears the store, whatever happened. True when the server confirmed
   * (or there was nothing to end), false when it could not be reached or refused.
   */
  logout(): Promise<boolean>;
  /** Whether the store holds an access token (it may have expired: the next call refreshes it). */
  isSignedIn(): boolean;
};

type RefreshOutcome =
  | { kind: 'refreshed'; access: string }
  /** The server refused the refresh token (or there is none): the session is over, the store cleared. */
  | { kind: 'refused'; notified: boolean }
  /** The server could not be asked (network, 429, 5xx): the tokens are kept. */
  | { kind: 'failed'; error: unknown };

/**
 * Routes whose answer starts or ends a sign-in: called directly too, they keep the token store in step.
 * Nothing is tracked when the caller manages tokens itself (`autoRefresh` false).
 */
export function trackTokens(
  store: TokenStore,
  autoRefresh: boolean,
): (route: AppRoute, res: AnyResponse) => void {
  const issuing = new Set<AppRoute>([contract.auth.login, contract.auth.refresh, contract.legacy.login]);
  const ending = new Set<AppRoute>([contract.auth.logout, contract.auth.logoutAll]);
  return (route, res) => {
    if (!autoRefresh || res.status < 200 || res.status > 299) return;
    const data = (res.body as { data?: { access?: unknown; refresh?: unknown } } | undefined)?.data;
    if (issuing.has(route) && typeof data?.access === 'string')
      store.set({ access: data.access, refresh: typeof data.refresh === 'string' ? data.refresh : null });
    else if (ending.has(route)) store.clear();
  };
}

/** What a request needs of the sign-in: the token to send, and whether and how a 401 renews it. */
export type BearerAuth = {
  /** The access token to send, if any. */
  accessToken: () => Promise<string | null>;
  /** Whether a 401 renews the tokens (not when the caller supplies them through `getAccessToken`). */
  autoRefresh: boolean;
  /** The access token to retry with after a 401 answered to `sent`; null when there is none. */
  renewAfter401: (sent: string) => Promise<string | null>;
};

export type SessionDeps = {
  /** The auth routes, through the client's fetcher. */
  auth: RawClient['auth'];
  store: TokenStore;
  /** Whether the refresh token is an HttpOnly cookie rather than a value in the store. */
  cookieMode: boolean;
  /** Called once when a 401 finds the session over (the server refused the refresh). */
  onSessionExpired: () => void;
};

export type Session = {
  client: SessionClient;
  /**
   * The access token to retry with after a 401 answered to `sent`: the one another call renewed meanwhile,
   * or a fresh one from a refresh; null when the session is over (`onSessionExpired` is called once).
   */
  renewAfter401: (sent: string) => Promise<string | null>;
};

export function createSession({ auth, store, cookieMode, onSessionExpired }: SessionDeps): Session {
  let inFlight: Promise<RefreshOutcome> | null = null;

  const runRefresh = async (): Promise<RefreshOutcome> => {
    const refresh = store.getRefresh();
    if (!cookieMode && !refresh) {
      store.clear();
      return { kind: 'refused', notified: false };
    }
    let res: Awaited<ReturnType<RawClient['auth']['refresh']>>;
    try {
      res = cookieMode
        ? await auth.refresh({ body: {}, headers: { 'x-taskvault-csrf': '1' } })
        : await auth.refresh({ body: { refresh: refresh!, refreshTransport: 'body' } });
    } catch (error) {
      return { kind: 'failed', error };
    }
    if (res.status === 200) {
      store.set({ access: res.body.data.access, refresh: res.body.data.refresh });
      return { kind: 'refreshed', access: res.body.data.access };
    }
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      store.clear();
      return { kind: 'refused', notified: false };
    }
    return { kind: 'failed', error: TaskvaultError.fromResponse(res) };
  };

  const refreshOnce = (): Promise<RefreshOutcome> =>
    (inFlight ??= runRefresh().finally(() => {
      inFlight = null;
    }));

  const renewAfter401 = async (sent: string): Promise<string | null> => {
    const current = store.getAccess();
    // The session ended while the call was out (logout, or a refresh the server refused): nothing to renew.
    if (current === null) return null;
    // Another call refreshed meanwhile: use its token.
    if (current !== sent) return current;
    const outcome = await refreshOnce();
    if (outcome.kind === 'refreshed') return outcome.access;
    if (outcome.kind === 'refused' && !outcome.notified) {
      outcome.notified = true;
      onSessionExpired();
    }
    return null;
  };

  const client: SessionClient = {
    login: async (body) => {
      const pair = orThrow(
        await auth.login({ body: { ...body, refreshTransport: cookieMode ? 'cookie' : 'body' } }),
      );
      store.set({ access: pair.access, refresh: pair.refresh });
      return pair;
    },
    refresh: async () => {
      const outcome = await refreshOnce();
      if (outcome.kind === 'failed') throw outcome.error;
      return outcome.kind === 'refreshed';
    },
    logout: async () => {
      // A refresh finishing after the logout would store a new pair: let it land first, then end it.
      await inFlight;
      try {
        if (cookieMode)
          return (await auth.logout({ body: {}, headers: { 'x-taskvault-csrf': '1' } })).status === 200;
        const refresh = store.getRefresh();
        if (!refresh) return true;
        return (await auth.logout({ body: { refresh } })).status === 200;
      } catch {
        return false;
      } finally {
        store.clear();
      }
    },
    isSignedIn: () => store.getAccess() !== null,
  };

  return { client, renewAfter401 };
}
