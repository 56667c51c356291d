import { contract, createClient, isTaskvaultError, memoryTokenStore, type User } from '@taskvault/sdk';
import { NetworkError, ok } from '../lib/api-error.ts';
import type { Session, SessionState, SignedOutReason, SignInInput } from './session.ts';
import { createTrpcReads } from './trpc-reads.ts';

export type CookieSessionOptions = {
  /** Where the server is; the app is served by it, so normally `window.location.origin`. */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** Called when a signed-in user becomes signed out, for whatever reason: drop their cached data. */
  onSignedOut?: () => void;
};

const REFRESH_LOCK = 'taskvault-session-refresh';

/**
 * Serialises refreshes across this browser's tabs. A refresh token is single-use and the server treats a
 * second use as theft (it revokes the whole sign-in), so two tabs must never send the same cookie at once:
 * with the lock, the second tab sends the cookie the first one's answer replaced. The SDK sends its refresh
 * (after a 401, and `session.refresh()`) through the `fetch` it is given, so the lock wraps that request
 * until its answer, and the answer's Set-Cookie, are in. Within a tab the SDK already runs one at a time.
 */
const refreshAcrossTabs =
  (baseFetch: typeof globalThis.fetch): typeof globalThis.fetch =>
  (input, init) => {
    const href = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const isRefresh =
      method === 'POST' &&
      new URL(href, 'http://relative.invalid').pathname.endsWith(contract.auth.refresh.path);
    if (!isRefresh || typeof navigator === 'undefined' || !('locks' in navigator))
      return baseFetch(input, init);
    return navigator.locks.request(REFRESH_LOCK, () => baseFetch(input, init));
  };

/**
 * A session for browsers, on the SDK's client in cookie mode: the access token lives in the SDK's memory
 * token store only (never in storage a script injected into the page could read later), the refresh token
 * in an HttpOnly cookie the page never sees. The SDK sends the token, refreshes once on a 401 and retries;
 * this adds who is signed in, for the pages.
 */
export function createCookieSession(options: CookieSessionOptions): Session {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const tokens = memoryTokenStore();

  let state: SessionState = { status: 'restoring' };
  const listeners = new Set<() => void>();

  const setState = (next: SessionState) => {
    state = next;
    for (const listener of listeners) listener();
  };

  const end = (reason: SignedOutReason) => {
    const wasSignedIn = state.status === 'signed-in';
    tokens.clear();
    if (state.status !== 'signed-out')
      setState({ status: 'signed-out', reason: wasSignedIn ? reason : 'anonymous' });
    if (wasSignedIn) options.onSignedOut?.();
  };

  const api = createClient({
    baseUrl: options.baseUrl,
    fetch: refreshAcrossTabs(baseFetch),
    tokens,
    refreshTransport: 'cookie',
    // A call got a 401 and the server refused the refresh: expired, or revoked elsewhere. The guard sends
    // the user to /login with a message saying so.
    onSessionExpired: () => end('ended'),
  });

  const trpc = createTrpcReads({
    baseUrl: options.baseUrl,
    fetch: baseFetch,
    tokens,
    renewAfter401: async (sent) => {
      const current = tokens.getAccess();
      // Ended meanwhile (logout, a refused refresh): nothing to renew.
      if (current === null) return false;
      // Another call refreshed meanwhile: retry with its token.
      if (current !== sent) return true;
      let renewed: boolean;
      try {
        // Shares the refresh with any REST call's 401 in flight.
        renewed = await api.session.refresh();
      } catch (e) {
        // Could not ask (offline, 429, 5xx): that ends nothing, the next call tries again.
        throw isTaskvaultError(e) ? e : new NetworkError(e);
      }
      if (!renewed) end('ended');
      return renewed;
    },
  });

  return {
    api,
    trpc,
    getState: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async restore() {
      try {
        if (await api.session.refresh()) {
          const user = await api.ok(api.auth.profile());
          if (state.status === 'restoring') setState({ status: 'signed-in', user });
          return;
        }
      } catch {
        // Offline, rate limited, down: nobody is signed in for now; the cookie is kept for the next start.
      }
      if (state.status === 'restoring') end('anonymous');
    },
    async signIn({ login, password }: SignInInput) {
      const who = login.includes('@') ? { email: login } : { username: login };
      try {
        const { user } = await api.session.login({ ...who, password });
        setState({ status: 'signed-in', user });
        return user;
      } catch (e) {
        throw isTaskvaultError(e) ? e : new NetworkError(e);
      }
    },
    async signOut() {
      // Never rejects. Offline, the cookie outlives this tab's sign-out, and the server forgets it when it
      // expires.
      await api.session.logout();
      end('logged-out');
    },
    updateUser(user: User) {
      if (state.status === 'signed-in') setState({ status: 'signed-in', user });
    },
    async signOutEverywhere() {
      await ok(api.auth.logoutAll());
      // Every sign-in is revoked, this one too: this clears the now useless cookie.
      await api.session.logout();
      end('logged-out');
    },
  };
}
