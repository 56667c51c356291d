import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv?.close());

/** Sends raw bytes (fetch refuses to send what these tests need) and reads the whole answer. */
function rawRequest(
  head: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { port } = new URL(srv.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [rawHead = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = rawHead.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(head);
  });
}

const request = (headerLines: string[]) =>
  rawRequest(
    [`PATCH /api/v1/tasks/${crypto.randomUUID()} HTTP/1.1`, 'Host: localhost', ...headerLines, '', ''].join(
      '\r\n',
    ),
  );

describe('requests that Node’s HTTP parser refuses', () => {
  // The declared headers of the contract: the CSRF header of cookie-mode routes, If-Match, If-Range.
  it.each(['X-Taskvault-CSRF', 'If-Match', 'If-Range'])(
    'a control character in %s: 400 MALFORMED_REQUEST in the JSON envelope',
    async (name) => {
      const res = await request([`${name}: "abc\u0001def"`]);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.connection).toBe('close');
      expect(JSON.parse(res.body)).toEqual({
        success: false,
        code: 'MALFORMED_REQUEST',
        message: 'The request could not be parsed: a header has an invalid character',
      });
    },
  );

  it('headers over the size limit: 431 HEADERS_TOO_LARGE in the envelope', async () => {
    const res = await request([`X-Padding: ${'a'.repeat(20 * 1024)}`]);
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, code: 'HEADERS_TOO_LARGE' });
  });

  it('a broken request line: 400 in the envelope', async () => {
    const res = await rawRequest('GET /api/v1/health HTTP/9.9 extra\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, code: 'MALFORMED_REQUEST' });
  });

  it('keeps serving afterwards', async () => {
    expect((await fetch(`${srv.baseUrl}/api/v1/health`)).status).toBe(200);
  });
});
