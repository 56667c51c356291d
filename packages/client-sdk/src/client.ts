/**
 * The SDK's client: the ts-rest client of the contract over the fetcher that signs calls in, with
 * `files.upload`/`download` that move content and the `session` methods. `createClient` reads the options
 * and wires those parts together; each lives in its own file.
 */
import { contract } from '@taskvault/contract';
import { apiFetcher } from './api-fetcher.ts';
import { orThrow, type AnyResponse, type SuccessData } from './errors.ts';
import { fetchWithRetries } from './fetch-with-retries.ts';
import { createFiles, type FilesClient } from './files.ts';
import { rawClient, type RawClient } from './raw-client.ts';
import { createSession, trackTokens, type BearerAuth, type SessionClient } from './session.ts';
import { memoryTokenStore, type TokenStore } from './tokens.ts';

export type AccessTokenSource = () => string | null | undefined | Promise<string | null | undefined>;

/** Where the refresh token travels: in JSON bodies (apps, scripts, servers), or in an HttpOnly cookie (browsers). */
export type RefreshTransport = 'body' | 'cookie';

export type ClientOptions = {
  /** Where the server is, e.g. `https://taskvault.example.com` (the `/api/v1` prefix comes from the contract). */
  baseUrl: string;
  /** A fetch implementation; the platform's by default. */
  fetch?: typeof globalThis.fetch;
  /**
   * Where the tokens live; in memory by default. The client sends the access token to every route that needs
   * one, stores the pair after `session.login` and after each refresh, and clears it when the session ends.
   */
  tokens?: TokenStore;
  /**
   * Called before each request to a signed-in route; its token, if any, is sent as `Authorization: Bearer`.
   * For callers that manage tokens themselves: when it is given, the client does not refresh on a 401.
   */
  getAccessToken?: AccessTokenSource;
  /**
   * Called when the session is lost while in use: a request got a 401 and the server refused the refresh
   * token (spent, revoked, expired). The store has been cleared; show the sign-in page.
   */
  onSessionExpired?: () => void;
  /**
   * `'cookie'` for browsers: the refresh token is an HttpOnly cookie scripts never see. Login asks for the
   * cookie; refresh and logout send `X-Taskvault-CSRF: 1` with `credentials: 'include'` and no token in the
   * body. `'body'` (default) keeps the refresh token in the store.
   */
  refreshTransport?: RefreshTransport;
  /**
   * How many times a GET or HEAD that failed on the network (fetch rejected with a TypeError: offline, reset,
   * DNS) is sent again, after 100 ms, 400 ms, 1.6 s, ... (each ±25% at random). Default 2; 0 turns it off.
   * Other methods are never retried, nor a call whose signal has aborted.
   */
  retries?: number;
};

export type TaskvaultClient = Omit<RawClient, 'files'> & {
  files: FilesClient;
  session: SessionClient;
  /** The data of a call's 2xx answer (the envelope's `data`, undefined for a 204); throws a TaskvaultError otherwise. */
  ok<R extends AnyResponse>(res: R | PromiseLike<R>): Promise<SuccessData<R>>;
};

/**
 * A client for every route of the contract. Each call resolves to `{ status, body, headers }` narrowed
 * by status, so `if (res.status === 200) res.body.data` is typed from the contract; `client.ok(call)` gives
 * the data or throws a TaskvaultError. With a token store (the default) it refreshes an expired access token
 * once and retries the call.
 */
export function createClient(options: ClientOptions): TaskvaultClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof globalThis.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const store = options.tokens ?? memoryTokenStore();
  const cookieMode = options.refreshTransport === 'cookie';
  const retries = options.retries ?? 2;
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`retries: a whole number, 0 or more, not ${retries}`);
  const fetchRetrying = fetchWithRetries(doFetch, retries);

  const bearer: BearerAuth = {
    accessToken: async () =>
      options.getAccessToken ? ((await options.getAccessToken()) ?? null) : store.getAccess(),
    autoRefresh: options.getAccessToken === undefined,
    // The session refreshes through the raw client, which sends through this fetcher: `session` exists
    // before any call can get a 401.
    renewAfter401: (sent) => session.renewAfter401(sent),
  };
  const raw = rawClient(
    baseUrl,
    apiFetcher({
      ...bearer,
      fetch: fetchRetrying,
      cookieMode,
      track: trackTokens(store, bearer.autoRefresh),
    }),
  );
  const session = createSession({
    auth: raw.auth,
    store,
    cookieMode,
    // Read when the session is lost, as the option stands then.
    onSessionExpired: () => options.onSessionExpired?.(),
  });
  const files = createFiles({
    ...bearer,
    files: raw.files,
    uploadUrl: `${baseUrl}${contract.files.upload.path}`,
    fetch: doFetch,
    fetchRetrying,
  });

  const ok = async <R extends AnyResponse>(res: R | PromiseLike<R>): Promise<SuccessData<R>> =>
    orThrow(await res);

  return { ...raw, files, session: session.client, ok };
}
