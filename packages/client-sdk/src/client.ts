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
  /**
   * How many times a GET or HEAD that failed on the network (fetch rejected with a TypeError: offline, reset,
   * DNS) is sent again, after 100 ms, 400 ms, 1.6 s, ... (each ±25% at random). Default 2; 0 turns it off.
   * Other methods are never retried, nor a call whose signal has aborted.
   */
  retries?: number;
};

/** What `session.login` takes: email or username, and the password (the transport comes from the client). */
export type LoginInput = Omit<z.input<typeof LoginBodySchema>, 'refreshTransport'>;

/** What `files.upload` sends: a Blob or File, bytes (a Buffer is a Uint8Array), or a web stream of bytes. */
export type UploadContent = Blob | Uint8Array | ReadableStream<Uint8Array>;

export type UploadOptions = {
  /**
   * The file's name, with its extension (the server checks the content against it). A File's own name by
   * default; required for anything else.
   */
  name?: string;
  /** Attach the file to this task. */
  taskId?: string;
  description?: string;
  /**
   * Progress of the request body, in bytes. In a browser the upload goes through XMLHttpRequest and this is
   * called as bytes leave; elsewhere (and for a stream) it is called once, when the upload is done.
   */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
};

export type DownloadOptions = {
  signal?: AbortSignal;
  /** `'blob'` (default): the whole content in a Blob. `'stream'`: the response's body, to read as it arrives. */
  as?: 'blob' | 'stream';
};

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

/** Whether a failed fetch may be sent again: a network failure (fetch rejects with a TypeError), not an abort. */
const isNetworkError = (error: unknown, signal: AbortSignal | null | undefined): boolean =>
  error instanceof TypeError && !signal?.aborted;

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
const sleep = (ms: number, signal: AbortSignal | null | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The wait before retry number `attempt` (0-based): 100 ms, 400 ms, 1.6 s, ..., each ±25% at random. */
const backoff = (attempt: number) => 100 * 4 ** attempt * (0.75 + Math.random() / 2);

/** Whether a JWT's `exp` is past or less than 30 s away (false when the token is not a readable JWT). */
const expiresSoon = (jwt: string): boolean => {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' && payload.exp * 1000 < Date.now() + 30_000;
  } catch {
    return false;
  }
};

const isStream = (file: UploadContent): file is ReadableStream<Uint8Array> =>
  typeof (file as { getReader?: unknown }).getReader === 'function';

/**
 * A multipart/form-data body as a stream: the text fields, then the file part's headers, the bytes of
 * `file` as they come, and the closing boundary. Names are escaped the way browsers encode FormData.
 */
const multipartStream = (
  boundary: string,
  fields: Array<[string, string]>,
  name: string,
  file: ReadableStream<Uint8Array>,
  onBytes: (n: number) => void,
): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  const escape = (v: string) => v.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
  const head =
    fields
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escape(name)}"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  const reader = file.getReader();
  return new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(encoder.encode(head)),
    pull: async (controller) => {
      const { done, value } = await reader.read();
      if (done) {
        controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
        controller.close();
      } else {
        onBytes(value.byteLength);
        controller.enqueue(value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
};

const accessOf = (route: AppRoute): string | undefined =>
  (route.metadata as { access?: string } | undefined)?.access;

/** The ts-rest client of the whole contract, over `api`. */
const rawClient = (baseUrl: string, api: ApiFetcher) =>
  initClient(contract, { baseUrl, baseHeaders: {}, api });
type RawClient = ReturnType<typeof rawClient>;

export type FilesClient = Omit<RawClient['files'], 'upload' | 'download'> & {
  /**
   * Uploads `file` (a Blob, a File, bytes: a Buffer is a Uint8Array, or a ReadableStream of bytes, sent as it
   * is read) and answers with its metadata. Throws a TaskvaultError when the server refuses it
   * (`UNSUPPORTED_FILE_TYPE`, `PAYLOAD_TOO_LARGE`, ...).
   */
  upload(file: UploadContent, options?: UploadOptions): Promise<FileMeta>;
  /**
   * Asks for a download link and fetches it: the content, as a Blob, or with `as: 'stream'` as the response's
   * body stream. Throws a TaskvaultError on failure.
   */
  download(id: string, options: DownloadOptions & { as: 'stream' }): Promise<ReadableStream<Uint8Array>>;
  download(id: string, options?: DownloadOptions & { as?: 'blob' }): Promise<Blob>;
  download(id: string, options?: DownloadOptions): Promise<Blob | ReadableStream<Uint8Array>>;
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
  const retries = options.retries ?? 2;
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`retries: a whole number, 0 or more, not ${retries}`);
  const autoRefresh = options.getAccessToken === undefined;
  /** The routes that read or set the refresh cookie. */
  const cookieRoutes = new Set<AppRoute>([contract.auth.login, contract.auth.refresh, contract.auth.logout]);

  /** fetch, with a GET or HEAD sent again (up to `retries` times, after a backoff) when the network failed. */
  const fetchRetrying: typeof globalThis.fetch = async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const idempotent = method === 'GET' || method === 'HEAD';
    for (let attempt = 0; ; attempt++) {
      try {
        return await doFetch(input, init);
      } catch (error) {
        if (!idempotent || attempt >= retries || !isNetworkError(error, init?.signal)) throw error;
        await sleep(backoff(attempt), init?.signal);
      }
    }
  };

  const accessToken = async (): Promise<string | null> =>
    options.getAccessToken ? ((await options.getAccessToken()) ?? null) : store.getAccess();

  const send = async (args: ApiFetcherArgs, token: string | null): Promise<AnyResponse> => {
    // Undici, given a FormData body and a signal aborted already, rejects and then fails unhandled in its
    // body encoder: an aborted call never reaches fetch.
    args.fetchOptions?.signal?.throwIfAborted();
    const headers = new Headers(args.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    const res = await fetchRetrying(repeatArrayKeys(args.path), {
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

  /** Routes whose answer starts or ends a sign-in: called directly too, they keep the token store in step. */
  const issuing = new Set<AppRoute>([contract.auth.login, contract.auth.refresh, contract.legacy.login]);
  const ending = new Set<AppRoute>([contract.auth.logout, contract.auth.logoutAll]);
  const track = (route: AppRoute, res: AnyResponse) => {
    if (!autoRefresh || res.status < 200 || res.status > 299) return;
    const data = (res.body as { data?: { access?: unknown; refresh?: unknown } } | undefined)?.data;
    if (issuing.has(route) && typeof data?.access === 'string')
      store.set({ access: data.access, refresh: typeof data.refresh === 'string' ? data.refresh : null });
    else if (ending.has(route)) store.clear();
  };

  const api: ApiFetcher = async (args) => {
    // Public routes (login, refresh, register, ...) never get the access token, nor trigger a refresh.
    const token = accessOf(args.route) === 'public' ? null : await accessToken();
    const res = await send(args, token);
    track(args.route, res);
    if (res.status !== 401 || !token || !autoRefresh) return res;
    const renewed = await renewAfter401(token);
    if (!renewed) return res;
    // FormData and strings are re-sendable: the retry sends the same body.
    const retried = await send(args, renewed);
    track(args.route, retried);
    return retried;
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

  /**
   * A stream is read once, so it cannot be sent again after a 401: an access token about to expire is
   * refreshed first, and a 401 all the same renews the tokens for the next call and throws.
   */
  const streamUpload = async (
    file: ReadableStream<Uint8Array>,
    name: string,
    o: UploadOptions,
  ): Promise<FileMeta> => {
    o.signal?.throwIfAborted();
    let token = await accessToken();
    if (token && autoRefresh && expiresSoon(token)) token = (await renewAfter401(token)) ?? token;
    // Not crypto.randomUUID: browsers only have it in secure contexts. A boundary need only be unlikely in the content.
    const boundary = `----taskvault${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const fields: Array<[string, string]> = [];
    if (o.taskId !== undefined) fields.push(['taskId', o.taskId]);
    if (o.description !== undefined) fields.push(['description', o.description]);
    let sent = 0;
    const headers = new Headers({ 'content-type': `multipart/form-data; boundary=${boundary}` });
    if (token) headers.set('authorization', `Bearer ${token}`);
    // `duplex: 'half'` is what fetch needs for a stream body (Node, Chromium over HTTP/2); not in every RequestInit type yet.
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers,
      body: multipartStream(boundary, fields, name, file, (n) => (sent += n)),
      duplex: 'half',
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const res = await doFetch(uploadUrl, init);
    const answer = { status: res.status, body: await readBody(res), headers: res.headers };
    if (answer.status === 401 && token && autoRefresh) await renewAfter401(token);
    const meta = orThrow(answer as Awaited<ReturnType<RawClient['files']['upload']>>);
    o.onProgress?.(sent, sent);
    return meta;
  };

  const upload = async (file: UploadContent, o: UploadOptions = {}): Promise<FileMeta> => {
    const name = o.name ?? (typeof File !== 'undefined' && file instanceof File ? file.name : undefined);
    if (!name) throw new TypeError('files.upload needs a name (with its extension) for this content');
    if (isStream(file)) return streamUpload(file, name, o);
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

  async function download(
    id: string,
    o: DownloadOptions & { as: 'stream' },
  ): Promise<ReadableStream<Uint8Array>>;
  async function download(id: string, o?: DownloadOptions & { as?: 'blob' }): Promise<Blob>;
  async function download(id: string, o?: DownloadOptions): Promise<Blob | ReadableStream<Uint8Array>>;
  async function download(id: string, o: DownloadOptions = {}): Promise<Blob | ReadableStream<Uint8Array>> {
    const fetchOptions = o.signal ? { signal: o.signal } : {};
    const link = orThrow(await raw.files.downloadLink({ params: { id }, fetchOptions }));
    // The link is signed: it needs no bearer token, and none is sent with it. A GET: retried on network errors.
    const res = await fetchRetrying(link.url, fetchOptions);
    if (!res.ok)
      throw TaskvaultError.fromResponse({
        status: res.status,
        body: await readBody(res),
        headers: res.headers,
      });
    if (o.as === 'stream') return res.body ?? new Blob([]).stream();
    return res.blob();
  }

  return { ...raw, files: { ...raw.files, upload, download }, session, ok };
}
