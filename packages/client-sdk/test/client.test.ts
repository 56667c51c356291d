import { createHash, randomUUID } from 'node:crypto';
import {
  createClient,
  isTaskvaultError,
  memoryTokenStore,
  orThrow,
  TaskvaultError,
  type ClientOptions,
  type DownloadOptions,
  type FileMeta,
  type Task,
} from '@taskvault/sdk';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { validFixtures } from '../../server/test/file-fixtures.ts';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { FakeXMLHttpRequest } from './fake-xhr.ts';
import {
  cookieJarFetch,
  expiredAccessToken,
  recordingFetch,
  registerThroughSdk,
  sdkServerOverrides,
} from './helpers.ts';

// The built SDK (`@taskvault/sdk` resolves to dist/) against the real server over HTTP.
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer(sdkServerOverrides);
});
afterAll(async () => {
  await srv?.close();
});

/** A client with its own memory store and a fetch that records requests; signed in when `login` is true. */
async function signedIn(options: Partial<ClientOptions> = {}) {
  const identity = await registerThroughSdk(srv.baseUrl);
  const recorder = recordingFetch(options.fetch);
  const tokens = options.tokens ?? memoryTokenStore();
  const onSessionExpired = vi.fn();
  const client = createClient({
    baseUrl: srv.baseUrl,
    onSessionExpired,
    ...options,
    tokens,
    fetch: recorder.fetch,
  });
  const pair = await client.session.login({ email: identity.email, password: identity.password });
  return { client, tokens, pair, identity, recorder, onSessionExpired };
}

const statusOf = (res: { status: number }) => res.status;

describe('sessions: login, refresh on 401, logout', () => {
  it('login stores the pair; calls then carry the access token', async () => {
    const { client, tokens, pair, identity, recorder } = await signedIn();
    expect(pair).toMatchObject({ tokenType: 'Bearer', user: { email: identity.email } });
    expect(tokens.getAccess()).toBe(pair.access);
    expect(tokens.getRefresh()).toBe(pair.refresh);
    expect(pair.refresh).toEqual(expect.any(String));
    expect(client.session.isSignedIn()).toBe(true);

    const task = await client.ok(client.tasks.create({ body: { title: 'Write the SDK' } }));
    expectTypeOf(task).toEqualTypeOf<Task>();
    expect(task.title).toBe('Write the SDK');
    expect(recorder.to('/api/v1/tasks').at(-1)!.headers.get('authorization')).toBe(`Bearer ${pair.access}`);
    // The login itself went without a token, and asked for the refresh token in the body.
    const login = recorder.to('/auth/login')[0]!;
    expect(login.headers.get('authorization')).toBeNull();
    expect(JSON.parse(login.body!)).toMatchObject({ refreshTransport: 'body' });
  });

  it('an expired access token: one refresh for three concurrent calls, each retried once, all succeed', async () => {
    const { client, tokens, pair, recorder, onSessionExpired } = await signedIn();
    const expired = expiredAccessToken(srv, pair);
    tokens.set({ access: expired, refresh: pair.refresh });
    const before = recorder.sent.length;

    const [list, stats, profile] = await Promise.all([
      client.tasks.list({ query: {} }),
      client.tasks.stats({ query: {} }),
      client.auth.profile(),
    ]);
    expect([list, stats, profile].map(statusOf)).toEqual([200, 200, 200]);
    const sent = recorder.sent.slice(before);
    expect(sent.filter((r) => r.url.pathname.endsWith('/auth/refresh'))).toHaveLength(1);
    // 3 calls with the expired token, 1 refresh, 3 retries with the new one.
    expect(sent).toHaveLength(7);
    expect(sent.filter((r) => r.headers.get('authorization') === `Bearer ${expired}`)).toHaveLength(3);
    expect(tokens.getAccess()).not.toBe(expired);
    expect(tokens.getRefresh()).not.toBe(pair.refresh);
    expect(
      sent.filter((r) => r.headers.get('authorization') === `Bearer ${tokens.getAccess()}`),
    ).toHaveLength(3);
    expect(onSessionExpired).not.toHaveBeenCalled();

    // The refresh token the client started with is spent: the rotation really happened on the server.
    const replay = await createClient({ baseUrl: srv.baseUrl }).auth.refresh({
      body: { refresh: pair.refresh! },
    });
    expect(replay.status).toBe(401);
  });

  it('a call that gets a 401 after another call refreshed retries with the new token, without a second refresh', async () => {
    const { client, tokens, pair, recorder } = await signedIn();
    tokens.set({ access: expiredAccessToken(srv, pair), refresh: pair.refresh });
    expect((await client.auth.profile()).status).toBe(200);
    tokens.set({ access: expiredAccessToken(srv, pair), refresh: tokens.getRefresh() });
    const [a, b] = await Promise.all([client.tasks.list({ query: {} }), client.auth.profile()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(recorder.to('/auth/refresh')).toHaveLength(2);
  });

  it('a refused refresh: the original 401 comes back, the store is cleared, onSessionExpired is called once', async () => {
    const { client, tokens, pair, recorder, onSessionExpired } = await signedIn();
    // The sign-in ends elsewhere (another device logs it out): the refresh token no longer works.
    expect(
      (await createClient({ baseUrl: srv.baseUrl }).auth.logout({ body: { refresh: pair.refresh! } })).status,
    ).toBe(200);
    tokens.set({ access: 'not-a-jwt', refresh: pair.refresh });

    const results = await Promise.all([
      client.tasks.list({ query: {} }),
      client.auth.profile(),
      client.files.list({ query: {} }),
    ]);
    for (const res of results) {
      expect(res.status).toBe(401);
      if (res.status === 401) expect(res.body.code).toBe('UNAUTHENTICATED');
    }
    expect(recorder.to('/auth/refresh')).toHaveLength(1);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(tokens.getAccess()).toBeNull();
    expect(tokens.getRefresh()).toBeNull();
    expect(client.session.isSignedIn()).toBe(false);

    // Signed out now: a call goes without a token, gets its 401, and nothing else happens.
    expect((await client.auth.profile()).status).toBe(401);
    expect(recorder.to('/auth/refresh')).toHaveLength(1);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('session.refresh(): true with new tokens, false (and cleared) once the sign-in is gone', async () => {
    const { client, tokens, pair, onSessionExpired } = await signedIn();
    expect(await client.session.refresh()).toBe(true);
    expect(tokens.getRefresh()).not.toBe(pair.refresh);
    expect(tokens.getAccess()).not.toBe(pair.access);
    tokens.set({ access: tokens.getAccess()!, refresh: pair.refresh });
    expect(await client.session.refresh()).toBe(false);
    expect(client.session.isSignedIn()).toBe(false);
    // An explicit refresh reports through its result: onSessionExpired is for sessions lost in use.
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('session.logout() ends the sign-in on the server and clears the store', async () => {
    const { client, tokens, pair } = await signedIn();
    expect(await client.session.logout()).toBe(true);
    expect(tokens.getAccess()).toBeNull();
    const anon = createClient({ baseUrl: srv.baseUrl });
    expect((await anon.auth.refresh({ body: { refresh: pair.refresh! } })).status).toBe(401);
    expect(
      (await createClient({ baseUrl: srv.baseUrl, tokens: memoryTokenStore(pair) }).auth.profile()).status,
    ).toBe(401);
  });

  it('the plain auth routes keep the store in step too: login and refresh fill it, logout-all empties it', async () => {
    const identity = await registerThroughSdk(srv.baseUrl);
    const tokens = memoryTokenStore();
    const client = createClient({ baseUrl: srv.baseUrl, tokens });
    const login = await client.auth.login({ body: { email: identity.email, password: identity.password } });
    expect(login.status).toBe(200);
    if (login.status !== 200) return;
    expect(tokens.getAccess()).toBe(login.body.data.access);
    expect(tokens.getRefresh()).toBe(login.body.data.refresh);
    expect((await client.auth.profile()).status).toBe(200);

    const refreshed = await client.auth.refresh({ body: { refresh: tokens.getRefresh()! } });
    expect(refreshed.status).toBe(200);
    if (refreshed.status !== 200) return;
    expect(tokens.getAccess()).toBe(refreshed.body.data.access);
    expect(tokens.getRefresh()).not.toBe(login.body.data.refresh);

    expect((await client.auth.logoutAll()).status).toBe(200);
    expect(tokens.getAccess()).toBeNull();
    expect(tokens.getRefresh()).toBeNull();
  });

  it('session.logout() clears the store even when the server cannot be reached', async () => {
    const tokens = memoryTokenStore({ access: 'a', refresh: 'r' });
    const client = createClient({
      baseUrl: srv.baseUrl,
      tokens,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    expect(await client.session.logout()).toBe(false);
    expect(tokens.getAccess()).toBeNull();
    expect(tokens.getRefresh()).toBeNull();
  });

  it('with getAccessToken the caller manages tokens: a 401 is returned as it is, no refresh', async () => {
    const { pair } = await signedIn();
    const recorder = recordingFetch();
    const client = createClient({
      baseUrl: srv.baseUrl,
      getAccessToken: () => 'garbage',
      fetch: recorder.fetch,
    });
    expect((await client.auth.profile()).status).toBe(401);
    expect(recorder.sent).toHaveLength(1);
    const ok = createClient({ baseUrl: srv.baseUrl, getAccessToken: async () => pair.access });
    expect((await ok.auth.profile()).status).toBe(200);
  });
});

describe('cookie mode (browsers): the refresh token is an HttpOnly cookie', () => {
  it('login sets the cookie; refresh and logout use it with the CSRF header and no token in the body', async () => {
    const { fetch: jarFetch, jar } = cookieJarFetch();
    const { client, tokens, pair, recorder, onSessionExpired } = await signedIn({
      refreshTransport: 'cookie',
      fetch: jarFetch,
    });
    expect(pair.refresh).toBeNull();
    expect(tokens.getRefresh()).toBeNull();
    expect(JSON.parse(recorder.to('/auth/login')[0]!.body!)).toMatchObject({ refreshTransport: 'cookie' });
    const cookie = jar.get('tv_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, path: '/api/v1/auth' });

    // An expired access token is renewed through the cookie.
    tokens.set({ access: expiredAccessToken(srv, pair), refresh: null });
    const [a, b, c] = await Promise.all([
      client.tasks.list({ query: {} }),
      client.tasks.stats({ query: {} }),
      client.auth.profile(),
    ]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    const refreshes = recorder.to('/auth/refresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.headers.get('x-taskvault-csrf')).toBe('1');
    expect(JSON.parse(refreshes[0]!.body ?? '{}')).not.toHaveProperty('refresh');
    // The cookie was rotated with the refresh token.
    expect(jar.get('tv_refresh')!.value).not.toBe(cookie!.value);

    // A new page (a new client, empty store) picks the sign-in up from the cookie.
    const reloaded = createClient({ baseUrl: srv.baseUrl, refreshTransport: 'cookie', fetch: jarFetch });
    expect(reloaded.session.isSignedIn()).toBe(false);
    expect(await reloaded.session.refresh()).toBe(true);
    expect((await reloaded.auth.profile()).status).toBe(200);

    expect(await reloaded.session.logout()).toBe(true);
    expect(reloaded.session.isSignedIn()).toBe(false);
    expect(jar.has('tv_refresh')).toBe(false);
    // The first page's sign-in was the same one: it is over too.
    tokens.set({ access: 'expired', refresh: null });
    expect((await client.auth.profile()).status).toBe(401);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('without the cookie, refresh reports false', async () => {
    const client = createClient({
      baseUrl: srv.baseUrl,
      refreshTransport: 'cookie',
      fetch: cookieJarFetch().fetch,
    });
    expect(await client.session.refresh()).toBe(false);
  });
});

describe('the throwing form', () => {
  it('client.ok gives the data of a 2xx answer, typed from the contract', async () => {
    const { client } = await signedIn();
    await client.ok(client.tasks.create({ body: { title: 'one', priority: 'high' } }));
    const page = await client.ok(client.tasks.list({ query: { limit: 10 } }));
    expectTypeOf(page.items).toEqualTypeOf<Task[]>();
    expect(page.items.map((t) => t.title)).toEqual(['one']);
    expect(page.page).toMatchObject({ total: 1, nextCursor: null });

    // A 204 gives undefined.
    const removed = await client.ok(client.tasks.remove({ params: { id: page.items[0]!.id } }));
    expectTypeOf(removed).toEqualTypeOf<undefined>();
    expect(removed).toBeUndefined();
  });

  it('list filters given as arrays reach the server as repeated keys', async () => {
    const { client } = await signedIn();
    for (const status of ['pending', 'in_progress', 'completed'] as const)
      await client.ok(client.tasks.create({ body: { title: `a ${status} task`, status } }));
    const page = await client.ok(client.tasks.list({ query: { status: ['pending', 'completed'] } }));
    expect(page.items.map((t) => t.status).sort()).toEqual(['completed', 'pending']);
  });

  it('a refusal throws a TaskvaultError with the status, code, field errors and request id', async () => {
    const { client } = await signedIn();
    const error = await client.ok(client.tasks.create({ body: { title: '' } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskvaultError);
    expect(isTaskvaultError(error)).toBe(true);
    expect(isTaskvaultError(error, 'VALIDATION_FAILED')).toBe(true);
    expect(isTaskvaultError(error, 'NOT_FOUND')).toBe(false);
    if (!isTaskvaultError(error)) throw new Error('unreachable');
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', name: 'TaskvaultError' });
    expect(Object.keys(error.errors ?? {})).toEqual(['title']);
    expect(error.requestId).toMatch(/.+/);
    expect(error.message.length).toBeGreaterThan(0);

    // orThrow works on an answer already in hand.
    const missing = await client.tasks.get({ params: { id: randomUUID() } });
    expect(() => orThrow(missing)).toThrow(expect.objectContaining({ status: 404, code: 'NOT_FOUND' }));
    expect(isTaskvaultError(new Error('plain'))).toBe(false);
  });

  it('session.login throws on wrong credentials', async () => {
    const identity = await registerThroughSdk(srv.baseUrl);
    const client = createClient({ baseUrl: srv.baseUrl });
    await expect(
      client.session.login({ email: identity.email, password: 'wrong wrong wrong' }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
    });
    expect(client.session.isSignedIn()).toBe(false);
  });

  it('an AbortSignal passes through to fetch', async () => {
    const { client } = await signedIn();
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.tasks.list({ query: {}, fetchOptions: { signal: controller.signal } }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('retries: a GET that failed on the network is sent again', () => {
  /** A fetch whose next `failures` requests (of `method`, if given) reject with a TypeError, as fetch does offline. */
  function flakyFetch() {
    let failures = 0;
    let only: string | undefined;
    const calls: string[] = [];
    const flaky: typeof fetch = async (input, init) => {
      const method = init?.method ?? 'GET';
      calls.push(method);
      if (failures > 0 && (only === undefined || method === only)) {
        failures--;
        init?.signal?.throwIfAborted();
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    return {
      fetch: flaky,
      calls,
      failNext: (n: number, method?: string) => {
        failures = n;
        only = method;
        calls.length = 0;
      },
    };
  }

  it('a GET is retried after 100 ms and 400 ms (with jitter) and succeeds', async () => {
    const flaky = flakyFetch();
    const { client } = await signedIn({ fetch: flaky.fetch });
    flaky.failNext(2);
    const started = performance.now();
    const res = await client.tasks.list({ query: {} });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(flaky.calls).toEqual(['GET', 'GET', 'GET']);
    // 100 ms and 400 ms, each ±25%.
    expect(elapsed).toBeGreaterThanOrEqual(370);
    expect(elapsed).toBeLessThan(2000);
  });

  it('gives up after `retries` retries with the network error; retries: 0 sends once', async () => {
    const flaky = flakyFetch();
    const { client, tokens } = await signedIn({ fetch: flaky.fetch });
    flaky.failNext(3);
    await expect(client.auth.profile()).rejects.toThrow(TypeError);
    expect(flaky.calls).toEqual(['GET', 'GET', 'GET']);

    const once = createClient({ baseUrl: srv.baseUrl, tokens, fetch: flaky.fetch, retries: 0 });
    flaky.failNext(1);
    await expect(once.auth.profile()).rejects.toThrow('fetch failed');
    expect(flaky.calls).toEqual(['GET']);
    expect(() => createClient({ baseUrl: srv.baseUrl, retries: -1 })).toThrow(RangeError);
  });

  it('a POST is not retried', async () => {
    const flaky = flakyFetch();
    const { client } = await signedIn({ fetch: flaky.fetch });
    flaky.failNext(1, 'POST');
    await expect(client.tasks.create({ body: { title: 'once at most' } })).rejects.toThrow(TypeError);
    expect(flaky.calls).toEqual(['POST']);
    expect((await client.ok(client.tasks.list({ query: {} }))).items).toEqual([]);
  });

  it('an aborted GET is not retried, whether it aborted in flight or while waiting to retry', async () => {
    const flaky = flakyFetch();
    const { client } = await signedIn({ fetch: flaky.fetch });

    // The network failed as the caller aborted: the failure comes back, nothing is sent again.
    const inFlight = new AbortController();
    let sent = 0;
    const aborting: typeof fetch = async () => {
      sent++;
      inFlight.abort();
      throw new TypeError('fetch failed');
    };
    const aborted = createClient({ baseUrl: srv.baseUrl, fetch: aborting });
    await expect(aborted.system.health({ fetchOptions: { signal: inFlight.signal } })).rejects.toThrow(
      TypeError,
    );
    expect(sent).toBe(1);

    // Aborted during the backoff: no further attempt, the abort reason comes back.
    const waiting = new AbortController();
    flaky.failNext(5);
    const call = client.tasks.list({ query: {}, fetchOptions: { signal: waiting.signal } });
    setTimeout(() => waiting.abort(), 30);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(flaky.calls).toEqual(['GET']);
  });
});

describe('files: upload and download', () => {
  const png = validFixtures.png;

  const expectSameBytes = async (blob: Blob, bytes: Uint8Array) =>
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

  it('uploads bytes with a task and a description, and downloads the same bytes', async () => {
    const { client } = await signedIn();
    const task = await client.ok(client.tasks.create({ body: { title: 'with a file' } }));
    const progress: Array<[number, number]> = [];
    const meta = await client.files.upload(png.bytes, {
      name: 'pixel.png',
      taskId: task.id,
      description: 'one blue pixel',
      onProgress: (sent, total) => progress.push([sent, total]),
    });
    expectTypeOf(meta).toEqualTypeOf<FileMeta>();
    expect(meta).toMatchObject({
      name: 'pixel.png',
      type: 'png',
      size: png.bytes.length,
      taskId: task.id,
      description: 'one blue pixel',
    });
    // No XMLHttpRequest here: fetch, and one progress call at the end.
    expect(progress).toEqual([[png.bytes.length, png.bytes.length]]);

    const blob = await client.files.download(meta.id);
    expect(blob.type).toBe('image/png');
    await expectSameBytes(blob, png.bytes);

    // A File keeps its own name; a Blob needs one.
    const file = await client.files.upload(new File([new Uint8Array(validFixtures.txt.bytes)], 'notes.txt'));
    expect(file.name).toBe('notes.txt');
    await expectSameBytes(await client.files.download(file.id), validFixtures.txt.bytes);
    await expect(client.files.upload(new Blob([new Uint8Array(validFixtures.txt.bytes)]))).rejects.toThrow(
      /name/,
    );
  });

  it('a refused upload or download throws a TaskvaultError', async () => {
    const { client } = await signedIn();
    await expect(client.files.upload(png.bytes, { name: 'pixel.txt' })).rejects.toMatchObject({
      status: 400,
      code: 'UNSUPPORTED_FILE_TYPE',
    });
    await expect(client.files.download(randomUUID())).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it('an upload with an expired access token is refreshed and sent again (the form is re-sendable)', async () => {
    const { client, tokens, pair, recorder } = await signedIn();
    tokens.set({ access: expiredAccessToken(srv, pair), refresh: pair.refresh });
    const meta = await client.files.upload(png.bytes, { name: 'again.png' });
    expect(meta.size).toBe(png.bytes.length);
    expect(recorder.to('/api/v1/files').map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(recorder.to('/auth/refresh')).toHaveLength(1);
    await expectSameBytes(await client.files.download(meta.id), png.bytes);
  });

  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  /** A web stream of `bytes`, in chunks of `size` bytes, each produced when the reader asks for it. */
  const chunked = (bytes: Buffer, size: number) => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(new Uint8Array(bytes.subarray(at, (at += size))));
      },
    });
  };

  /** Reads a web stream to its end: its bytes, and how many chunks they came in. */
  const readAll = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    return { bytes: Buffer.concat(chunks), chunks: chunks.length };
  };

  it('uploads a ReadableStream (multipart framed as a stream) and downloads it as a stream', async () => {
    const { client, recorder } = await signedIn();
    const task = await client.ok(client.tasks.create({ body: { title: 'streamed' } }));
    const big = Buffer.concat([validFixtures.txt.bytes, Buffer.alloc(300_000, 'z')]);
    const progress: Array<[number, number]> = [];
    const meta = await client.files.upload(chunked(big, 64 * 1024), {
      name: 'stream "quoted".txt',
      taskId: task.id,
      description: 'sent as it was read',
      onProgress: (sent, total) => progress.push([sent, total]),
    });
    expect(meta).toMatchObject({
      type: 'txt',
      size: big.length,
      taskId: task.id,
      description: 'sent as it was read',
    });
    expect(meta.name).toMatch(/^stream .*quoted.*\.txt$/);
    expect(progress).toEqual([[big.length, big.length]]);
    const posted = recorder.to('/api/v1/files').at(-1)!;
    expect(posted.method).toBe('POST');
    expect(posted.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=----taskvault/);

    // The default is still a Blob; `as: 'stream'` hands over the response's body.
    const stream = await client.files.download(meta.id, { as: 'stream' });
    expectTypeOf(stream).toEqualTypeOf<ReadableStream<Uint8Array>>();
    expect(stream).toBeInstanceOf(ReadableStream);
    const read = await readAll(stream);
    expect(read.bytes.length).toBe(big.length);
    expect(sha256(read.bytes)).toBe(sha256(big));
    const blob = await client.files.download(meta.id);
    expectTypeOf(blob).toEqualTypeOf<Blob>();
    const either = (await client.files.download(meta.id, { as: 'blob' } as DownloadOptions)) as Blob;
    expect(sha256(new Uint8Array(await either.arrayBuffer()))).toBe(sha256(big));
    expect(sha256(new Uint8Array(await blob.arrayBuffer()))).toBe(sha256(big));

    // A stream has no name of its own.
    await expect(client.files.upload(chunked(big, 1024))).rejects.toThrow(/name/);
  });

  it('a stream upload with an expired access token refreshes first (a stream cannot be sent twice)', async () => {
    const { client, tokens, pair, recorder } = await signedIn();
    tokens.set({ access: expiredAccessToken(srv, pair), refresh: pair.refresh });
    const meta = await client.files.upload(chunked(png.bytes, 16), { name: 'pixel.png' });
    expect(meta).toMatchObject({ type: 'png', size: png.bytes.length });
    expect(recorder.to('/auth/refresh')).toHaveLength(1);
    const posts = recorder.to('/api/v1/files');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers.get('authorization')).toBe(`Bearer ${tokens.getAccess()}`);

    // A token the client cannot read as expiring gets its 401: the tokens are renewed for the next call.
    tokens.set({ access: 'not-a-jwt', refresh: tokens.getRefresh() });
    await expect(client.files.upload(chunked(png.bytes, 16), { name: 'again.png' })).rejects.toMatchObject({
      status: 401,
    });
    expect(recorder.to('/auth/refresh')).toHaveLength(2);
    expect(await client.files.upload(chunked(png.bytes, 16), { name: 'again.png' })).toMatchObject({
      size: png.bytes.length,
    });
  });

  it('an aborted upload or download rejects with the abort reason', async () => {
    const { client } = await signedIn();
    await expect(
      client.files.upload(png.bytes, { name: 'a.png', signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const meta = await client.files.upload(png.bytes, { name: 'b.png' });
    await expect(client.files.download(meta.id, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  describe('in a browser (XMLHttpRequest) with onProgress', () => {
    beforeAll(() => {
      vi.stubGlobal('XMLHttpRequest', FakeXMLHttpRequest);
    });
    afterAll(() => {
      vi.unstubAllGlobals();
    });

    it('reports progress as the body goes out, refreshes on 401 and retries', async () => {
      const { client, tokens, pair, recorder } = await signedIn();
      const expired = expiredAccessToken(srv, pair);
      tokens.set({ access: expired, refresh: pair.refresh });
      const big = Buffer.concat([validFixtures.txt.bytes, Buffer.alloc(100_000, 'a')]);
      const progress: Array<[number, number]> = [];
      const before = FakeXMLHttpRequest.sent.length;

      const meta = await client.files.upload(big, {
        name: 'big.txt',
        onProgress: (sent, total) => progress.push([sent, total]),
      });
      expect(meta).toMatchObject({ name: 'big.txt', size: big.length, type: 'txt' });
      expect(FakeXMLHttpRequest.sent.slice(before).map((s) => s.authorization)).toEqual([
        `Bearer ${expired}`,
        `Bearer ${tokens.getAccess()}`,
      ]);
      expect(recorder.to('/auth/refresh')).toHaveLength(1);
      // Several progress events per attempt, growing to the whole body.
      const total = progress.at(-1)![1];
      expect(total).toBeGreaterThan(big.length);
      expect(progress.at(-1)![0]).toBe(total);
      expect(progress.filter(([, t]) => t === total).length).toBeGreaterThan(4);
      await expectSameBytes(await client.files.download(meta.id), big);
    });

    it('aborting stops the upload', async () => {
      const { client } = await signedIn();
      const controller = new AbortController();
      const upload = client.files.upload(Buffer.alloc(200_000, 'b'), {
        name: 'stopped.txt',
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
      const listed = await client.ok(client.files.list({ query: {} }));
      expect(listed.items).toEqual([]);
    });
  });
});
