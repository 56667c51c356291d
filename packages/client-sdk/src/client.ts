import { initClient, type ApiFetcher, type ApiFetcherArgs, type AppRoute } from '@ts-rest/core';
import { contract, type FileMeta, type LoginBodySchema, type TokenPair } from '@taskvault/contract';
import type { z } from 'zod';
import { orThrow, TaskvaultError, type AnyResponse, type SuccessData } from './errors.ts';
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
};

/** What `session.login` takes: email or username, and the password (the transport comes from the client). */
export type LoginInput = Omit<z.input<typeof LoginBodySchema>, 'refreshTransport'>;

export type UploadOptions = {
  /** The file's name, with its extension (the server checks the content against it). A File's own name by default. */
  name?: string;
  /** Attach the file to this task. */
  taskId?: string;
  description?: string;
  /**
   * Progress of the request body, in bytes. In a browser the upload goes through XMLHttpRequest and this is
   * called as bytes leave; elsewhere it is called once, when the upload is done.
   */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
};

export type DownloadOptions = { signal?: AbortSignal };

type RefreshOutcome =
  | { kind: 'refreshed'; access: string }
  /** The server refused the refresh token (or there is none): the session is over, the store cleared. */
  | { kind: 'refused'; notified: boolean }
  /** The server could not be asked (network, 429, 5xx): the tokens are kept. */
  | { kind: 'failed'; error: unknown };

const readBody = async (res: Response): Promise<unknown> => {
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return res.json();
  if (type.startsWith('text/')) return res.text();
  return res.blob();
};

const parseText = (text: string, type: string | null): unknown => {
  if (!text) return undefined;
  if (type?.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
};

const headersOf = (raw: string): Headers => {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
};

const accessOf = (route: AppRoute): string | undefined =>
  (route.metadata as { access?: string } | undefined)?.access;

/** The ts-rest client of the whole contract, over `api`. */
const rawClient = (baseUrl: string, api: ApiFetcher) =>
  initClient(contract, { baseUrl, baseHeaders: {}, api });
type RawClient = ReturnType<typeof rawClient>;

export type FilesClient = Omit<RawClient['files'], 'upload' | 'download'> & {
  /**
   * Uploads `file` (a Blob, a File, or bytes: a Buffer is a Uint8Array) and answers with its metadata.
   * Throws a TaskvaultError when the server refuses it (`UNSUPPORTED_FILE_TYPE`, `PAYLOAD_TOO_LARGE`, ...).
   */
  upload(file: Blob | Uint8Array, options?: UploadOptions): Promise<FileMeta>;
  /** Asks for a download link and fetches it: the content. Throws a TaskvaultError on failure. */
  download(id: string, options?: DownloadOptions): Promise<Blob>;
};

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

export function createClient(options: ClientOptions): TaskvaultClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof globalThis.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const store = options.tokens ?? memoryTokenStore();
  const cookieMode = options.refreshTransport === 'cookie';
  const autoRefresh = options.getAccessToken === undefined;
  /** The routes that read or set the refresh cookie. */
  const cookieRoutes = new Set<AppRoute>([contract.auth.login, contract.auth.refresh, contract.auth.logout]);

  const accessToken = async (): Promise<string | null> =>
    options.getAccessToken ? ((await options.getAccessToken()) ?? null) : store.getAccess();

  const send = async (args: ApiFetcherArgs, token: string | null): Promise<AnyResponse> => {
    // Undici, given a FormData body and a signal aborted already, rejects and then fails unhandled in its
    // body encoder: an aborted call never reaches fetch.
    args.fetchOptions?.signal?.throwIfAborted();
    const headers = new Headers(args.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    const res = await doFetch(repeatArrayKeys(args.path), {
      ...args.fetchOptions,
      ...(cookieMode && cookieRoutes.has(args.route) ? { credentials: 'include' as const } : {}),
      method: args.method,
      headers,
      body: args.body ?? null,
    });
    return { status: res.status, body: await readBody(res), headers: res.headers };
  };

  // Defined below; the fetcher only calls it after the raw client exists.
  let renewAfter401: (sent: string) => Promise<string | null> = async () => null;

  const api: ApiFetcher = async (args) => {
    // Public routes (login, refresh, register, ...) never get the access token, nor trigger a refresh.
    const token = accessOf(args.route) === 'public' ? null : await accessToken();
    const res = await send(args, token);
    if (res.status !== 401 || !token || !autoRefresh) return res;
    const renewed = await renewAfter401(token);
    // FormData and strings are re-sendable: the retry sends the same body.
    return renewed ? send(args, renewed) : res;
  };
  const raw = rawClient(baseUrl, api);

  // ---- refresh: at most one in flight; every 401 waiting on it gets its outcome ----
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
        ? await raw.auth.refresh({ body: {}, headers: { 'x-taskvault-csrf': '1' } })
        : await raw.auth.refresh({ body: { refresh: refresh!, refreshTransport: 'body' } });
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

  renewAfter401 = async (sent) => {
    const current = store.getAccess();
    // The session ended while the call was out (logout, or a refresh the server refused): nothing to renew.
    if (current === null) return null;
    // Another call refreshed meanwhile: use its token.
    if (current !== sent) return current;
    const outcome = await refreshOnce();
    if (outcome.kind === 'refreshed') return outcome.access;
    if (outcome.kind === 'refused' && !outcome.notified) {
      outcome.notified = true;
      options.onSessionExpired?.();
    }
    return null;
  };

  const ok = async <R extends AnyResponse>(res: R | PromiseLike<R>): Promise<SuccessData<R>> =>
    orThrow(await res);

  const session: SessionClient = {
    login: async (body) => {
      const pair = orThrow(
        await raw.auth.login({ body: { ...body, refreshTransport: cookieMode ? 'cookie' : 'body' } }),
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
          return (await raw.auth.logout({ body: {}, headers: { 'x-taskvault-csrf': '1' } })).status === 200;
        const refresh = store.getRefresh();
        if (!refresh) return true;
        return (await raw.auth.logout({ body: { refresh } })).status === 200;
      } catch {
        return false;
      } finally {
        store.clear();
      }
    },
    isSignedIn: () => store.getAccess() !== null,
  };

  // ---- files: the content goes as multipart (upload) or comes from a signed link (download) ----
  const uploadUrl = `${baseUrl}${contract.files.upload.path}`;

  const xhrUpload = (
    form: FormData,
    token: string | null,
    size: number,
    onProgress: (sent: number, total: number) => void,
    signal: AbortSignal | undefined,
  ) =>
    // The same HTTP answer the ts-rest call would have given, typed as that call's answers.
    new Promise<Awaited<ReturnType<RawClient['files']['upload']>>>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const xhr = new XMLHttpRequest();
      const onAbort = () => xhr.abort();
      const done = () => signal?.removeEventListener('abort', onAbort);
      xhr.open('POST', uploadUrl);
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (e) =>
        onProgress(e.loaded, e.lengthComputable ? e.total : Math.max(e.loaded, size));
      xhr.onload = () => {
        done();
        resolve({
          status: xhr.status,
          body: parseText(xhr.responseText, xhr.getResponseHeader('content-type')),
          headers: headersOf(xhr.getAllResponseHeaders()),
        } as Awaited<ReturnType<RawClient['files']['upload']>>);
      };
      xhr.onerror = () => {
        done();
        reject(new TypeError('The upload failed: the server could not be reached'));
      };
      xhr.onabort = () => {
        done();
        reject(
          (signal?.reason as Error | undefined) ?? new DOMException('The upload was aborted', 'AbortError'),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      xhr.send(form);
    });

  const upload = async (file: Blob | Uint8Array, o: UploadOptions = {}): Promise<FileMeta> => {
    const name = o.name ?? (typeof File !== 'undefined' && file instanceof File ? file.name : undefined);
    if (!name) throw new TypeError('files.upload needs a name (with its extension) for this content');
    const blob =
      file instanceof Blob
        ? file
        : new Blob([
            file.buffer instanceof ArrayBuffer ? (file as Uint8Array<ArrayBuffer>) : new Uint8Array(file),
          ]);
    const form = new FormData();
    if (o.taskId !== undefined) form.append('taskId', o.taskId);
    if (o.description !== undefined) form.append('description', o.description);
    form.append('file', blob, name);

    if (o.onProgress && typeof XMLHttpRequest !== 'undefined') {
      const onProgress = o.onProgress;
      const token = await accessToken();
      let res = await xhrUpload(form, token, blob.size, onProgress, o.signal);
      if (res.status === 401 && token && autoRefresh) {
        const renewed = await renewAfter401(token);
        if (renewed) res = await xhrUpload(form, renewed, blob.size, onProgress, o.signal);
      }
      return orThrow(res);
    }
    // ts-rest sends a FormData body as it is (its own conversion would JSON-encode the text fields).
    const meta = orThrow(
      await raw.files.upload({
        body: form,
        ...(o.signal ? { fetchOptions: { signal: o.signal } } : {}),
      }),
    );
    o.onProgress?.(blob.size, blob.size);
    return meta;
  };

  const download = async (id: string, o: DownloadOptions = {}): Promise<Blob> => {
    const fetchOptions = o.signal ? { signal: o.signal } : {};
    const link = orThrow(await raw.files.downloadLink({ params: { id }, fetchOptions }));
    // The link is signed: it needs no bearer token, and none is sent with it.
    const res = await doFetch(link.url, fetchOptions);
    if (!res.ok)
      throw TaskvaultError.fromResponse({
        status: res.status,
        body: await readBody(res),
        headers: res.headers,
      });
    return res.blob();
  };

  return { ...raw, files: { ...raw.files, upload, download }, session, ok };
}
