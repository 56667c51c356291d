import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession } from '../../test/api.ts';
import { createProbeApp } from '../../test/fixtures/probe.ts';
import {
  createTestDatabase,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from '../../test/harness.ts';
import { createOrm, type Orm } from '../platform/db/orm.ts';
import { entities } from '../entities.ts';

const LIMIT = 64 * 1024;
const MB = 1024 * 1024;

type Envelope = { success: false; code: string; message: string };
type TrpcError = { error: { data: { httpStatus: number; envelope: Envelope } } };

/** The probe app on a loopback port, keeping each connection's server-side socket to see how much it read. */
async function serveProbe(orm: Orm) {
  const sockets = new Map<number, Socket>();
  const server = createServer(createProbeApp(orm, { JSON_BODY_LIMIT: '64kb' }).express);
  server.on('connection', (s) => sockets.set(s.remotePort!, s));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    /** Bytes the server took off the connection whose client end has `localPort`. */
    bytesRead: (localPort: number) => sockets.get(localPort)?.bytesRead ?? NaN,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

type Partial = {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  written: number;
  localPort: number;
};

/**
 * Writes `bytes` of a body (of `contentLength` if given, chunked otherwise) and never ends it: any answer
 * came before the body was complete. Resolves with the answer and how much the client wrote.
 */
function sendUnfinished(url: string, bytes: number, contentLength?: number): Promise<Partial> {
  // A keep-alive client: a `Connection: close` in the answer is then the server's own decision.
  const agent = new Agent({ keepAlive: true });
  return new Promise<Partial>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        ...(contentLength === undefined ? {} : { 'content-length': String(contentLength) }),
      },
    });
    let answered = false;
    let localPort = 0;
    let written = 0;
    // Only a server still waiting for the rest of the body gets here: a correct one answers in milliseconds.
    const stuck = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer after ${written} bytes of an unfinished body`));
    }, 10_000);
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort!)));
    req.on('error', (err) => {
      // Once answered, the server closing on the rest of the body is expected.
      if (!answered) reject(err);
    });
    req.on('response', (res) => {
      answered = true;
      clearTimeout(stuck);
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: JSON.parse(text),
          written,
          localPort,
        });
        req.destroy();
      });
    });
    req.write('{"title":"');
    const chunk = Buffer.alloc(16 * 1024, 'x');
    for (; written < bytes; written += chunk.length) req.write(chunk);
  }).finally(() => agent.destroy());
}

const probeBody = (title: Buffer) => Buffer.concat([Buffer.from('{"title":"'), title, Buffer.from('"}')]);
const trpcBody = (title: Buffer) =>
  Buffer.concat([
    Buffer.from('{"params":{"groupId":1},"query":{},"body":{"title":"'),
    title,
    Buffer.from('"}}'),
  ]);

const INVALID_UTF8: Array<[string, Buffer]> = [
  ['a stray continuation after a lead byte (C3 28)', Buffer.from([0x61, 0xc3, 0x28, 0x62, 0x63])],
  ['an overlong encoding of "/" (C0 AF)', Buffer.from([0x61, 0x62, 0xc0, 0xaf, 0x63])],
  ['a lone surrogate U+D800 (ED A0 80)', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80, 0x63])],
  ['a sequence cut short (E2 82)', Buffer.from([0x61, 0x62, 0x63, 0xe2, 0x82])],
  ['a byte never valid in UTF-8 (FF)', Buffer.from([0x61, 0xff, 0x62, 0x63])],
];
const VALID_TITLE = '✅ 任务 🚀 Größe';

describe('JSON bodies on the probe app', () => {
  let db: TestDatabase;
  let orm: Orm;
  let http: Awaited<ReturnType<typeof serveProbe>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createOrm({ entities, database: db.database });
    http = await serveProbe(orm);
  });
  afterAll(async () => {
    await http.close();
    await orm.close();
    await db.drop();
  });

  const rest = `/api/v1/probe/groups/1/items`;
  const post = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${http.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  describe('UTF-8', () => {
    it.each(INVALID_UTF8)('REST refuses %s with 400 MALFORMED_JSON', async (_name, bytes) => {
      const res = await post(rest, probeBody(bytes));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        success: false,
        code: 'MALFORMED_JSON',
        message: 'The request body is not valid UTF-8',
      });
    });

    it.each(INVALID_UTF8)('tRPC refuses %s with 400 MALFORMED_JSON', async (_name, bytes) => {
      const res = await post('/trpc/probe.create', trpcBody(bytes));
      expect(res.status).toBe(400);
      const body = (await res.json()) as TrpcError;
      // The same words as over REST, not a generic "could not be parsed".
      expect(body.error.data).toMatchObject({
        httpStatus: 400,
        envelope: { code: 'MALFORMED_JSON', message: 'The request body is not valid UTF-8' },
      });
    });

    it('tRPC refuses it for every call of a batch', async () => {
      const batch = Buffer.concat([Buffer.from('{"0":'), trpcBody(INVALID_UTF8[0]![1]), Buffer.from('}')]);
      const res = await post('/trpc/probe.create?batch=1', batch);
      expect(res.status).toBe(400);
      const body = (await res.json()) as TrpcError[];
      expect(body).toHaveLength(1);
      expect(body[0]!.error.data.envelope.code).toBe('MALFORMED_JSON');
    });

    it('keeps multi-byte characters (emoji, CJK) exactly, over REST and tRPC', async () => {
      const viaRest = await post(rest, JSON.stringify({ title: VALID_TITLE }));
      expect(viaRest.status).toBe(201);
      expect(await viaRest.json()).toMatchObject({ data: { title: VALID_TITLE } });
      const viaTrpc = await post('/trpc/probe.create', trpcBody(Buffer.from(VALID_TITLE)));
      expect(viaTrpc.status).toBe(200);
      expect(await viaTrpc.json()).toMatchObject({ result: { data: { data: { title: VALID_TITLE } } } });
    });

    it('drops a leading BOM, as body-parser did', async () => {
      const res = await post(
        rest,
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), probeBody(Buffer.from('bom'))]),
      );
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ data: { title: 'bom' } });
    });

    it('refuses a charset other than UTF-8 with 415, and accepts utf-8 named in any case', async () => {
      const utf16 = await post(rest, Buffer.from('{"title":"abc"}', 'utf16le'), {
        'content-type': 'application/json; charset=utf-16le',
      });
      expect(utf16.status).toBe(415);
      expect(await utf16.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      const named = await post(rest, '{"title":"abc"}', {
        'content-type': 'application/json; charset=UTF-8',
      });
      expect(named.status).toBe(201);
    });
  });

  describe('what express.json did', () => {
    it('reads application/*+json as JSON', async () => {
      const res = await post(rest, '{"title":"vendor"}', { 'content-type': 'application/vnd.api+json' });
      expect(res.status).toBe(201);
    });

    it('an empty JSON body is an empty object: the route says what is missing', async () => {
      const res = await post(rest, '');
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: { title: expect.any(Array) as unknown },
      });
    });

    it('a bare JSON value is not a body (strict, as body-parser)', async () => {
      const res = await post(rest, '"just a string"');
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'MALFORMED_JSON' });
    });

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const)('inflates a %s body, holding the inflated size to the limit', async (encoding, compress) => {
      const small = await post(rest, compress(probeBody(Buffer.from('packed'))), {
        'content-encoding': encoding,
      });
      expect(small.status).toBe(201);
      expect(await small.json()).toMatchObject({ data: { title: 'packed' } });
      // A few hundred bytes on the wire, 4 × the limit once inflated.
      const bomb = compress(Buffer.from(`{"title":"abc"${' '.repeat(4 * LIMIT)}}`));
      expect(bomb.length).toBeLessThan(LIMIT);
      const big = await post(rest, bomb, { 'content-encoding': encoding });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('a body that does not inflate: 400; an unknown encoding: 415', async () => {
      const broken = await post(rest, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
      expect(broken.status).toBe(400);
      expect(await broken.json()).toMatchObject({ code: 'MALFORMED_JSON' });
      const unknown = await post(rest, '{"title":"abc"}', { 'content-encoding': 'compress' });
      expect(unknown.status).toBe(415);
    });

    it('tRPC takes JSON only: a form body is refused with 415 before it is read', async () => {
      const form = new FormData();
      form.set('title', 'abc');
      const res = await fetch(`${http.baseUrl}/trpc/probe.create`, { method: 'POST', body: form });
      expect(res.status).toBe(415);
      expect(((await res.json()) as TrpcError).error.data.envelope.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('a chunked body within the limit is read, over REST and tRPC', async () => {
      for (const [path, body, status] of [
        [rest, probeBody(Buffer.from('chunked')), 201],
        ['/trpc/probe.create', trpcBody(Buffer.from('chunked')), 200],
      ] as const) {
        const answer = await new Promise<number>((resolve, reject) => {
          const req = request(`${http.baseUrl}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
          req.write(body.subarray(0, 5));
          req.end(body.subarray(5));
        });
        expect(answer, path).toBe(status);
      }
    });
  });

  describe('size: refused before the body is read, the connection closed', () => {
    const tooLarge = (r: Partial) => {
      expect(r.status).toBe(413);
      expect(r.headers.connection).toBe('close');
      return r.body;
    };

    // Less than the limit is sent: only the declared length can tell the server the body is too large.
    it('REST, 100 MB declared: 413 from the headers alone', async () => {
      const r = await sendUnfinished(`${http.baseUrl}${rest}`, LIMIT / 4, 100 * MB);
      expect(tooLarge(r)).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('REST, 100 MB declared with a few MB sent: 413 having read almost none of it', async () => {
      const r = await sendUnfinished(`${http.baseUrl}${rest}`, 4 * MB, 100 * MB);
      expect(tooLarge(r)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(http.bytesRead(r.localPort)).toBeLessThan(MB);
    });

    it('tRPC, 100 MB declared: the same', async () => {
      const r = await sendUnfinished(`${http.baseUrl}/trpc/probe.create`, LIMIT / 4, 100 * MB);
      expect((tooLarge(r) as TrpcError).error.data).toMatchObject({
        httpStatus: 413,
        envelope: { code: 'PAYLOAD_TOO_LARGE' },
      });
    });

    it('REST, chunked: 413 once the limit is passed, not at the end of the body', async () => {
      const r = await sendUnfinished(`${http.baseUrl}${rest}`, 4 * MB);
      expect(tooLarge(r)).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('64 KiB') as unknown,
      });
      expect(http.bytesRead(r.localPort)).toBeGreaterThan(LIMIT);
      expect(http.bytesRead(r.localPort)).toBeLessThan(MB);
    });

    it('tRPC, chunked: the same', async () => {
      const r = await sendUnfinished(`${http.baseUrl}/trpc/probe.create`, 4 * MB);
      expect((tooLarge(r) as TrpcError).error.data.envelope.code).toBe('PAYLOAD_TOO_LARGE');
      expect(http.bytesRead(r.localPort)).toBeGreaterThan(LIMIT);
      expect(http.bytesRead(r.localPort)).toBeLessThan(MB);
    });

    it('keeps serving afterwards', async () => {
      expect((await post(rest, '{"title":"still up"}')).status).toBe(201);
    });
  });
});

describe('JSON bodies on the real application: a refused body stores nothing', () => {
  let srv: TestServer;
  let token: string;
  beforeAll(async () => {
    srv = await startTestServer();
    token = (await adminSession(srv)).tokens.access;
  });
  afterAll(async () => srv.close());

  const send = (path: string, body: Buffer) =>
    fetch(`${srv.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
  const titles = async () => {
    const res = await fetch(`${srv.baseUrl}/api/v1/tasks?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { items: Array<{ title: string }> } }).data.items.map(
      (t) => t.title,
    );
  };
  const taskBody = (title: Buffer) => Buffer.concat([Buffer.from('{"title":"'), title, Buffer.from('"}')]);

  it('invalid UTF-8 in a task title: 400 over REST and tRPC, and no task', async () => {
    const before = await titles();
    for (const [, bytes] of INVALID_UTF8) {
      const viaRest = await send('/api/v1/tasks', taskBody(bytes));
      expect(viaRest.status).toBe(400);
      expect(await viaRest.json()).toMatchObject({ code: 'MALFORMED_JSON' });
      const viaTrpc = await send(
        '/trpc/tasks.create',
        Buffer.concat([Buffer.from('{"body":'), taskBody(bytes), Buffer.from('}')]),
      );
      expect(viaTrpc.status).toBe(400);
      expect(((await viaTrpc.json()) as TrpcError).error.data.envelope.code).toBe('MALFORMED_JSON');
    }
    expect(await titles()).toEqual(before);
  });

  it('a multi-byte title is stored exactly', async () => {
    const res = await send('/api/v1/tasks', Buffer.from(JSON.stringify({ title: VALID_TITLE })));
    expect(res.status).toBe(201);
    expect(await titles()).toContain(VALID_TITLE);
  });
});
