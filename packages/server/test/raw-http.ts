import net from 'node:net';

export type RawRequest = {
  method: string;
  /** The request target as it goes on the wire: path and query, already percent-encoded. */
  target: string;
  headers?: Array<[string, string]>;
  body?: Buffer | undefined;
};

export type RawResponse = {
  status: number;
  /** Lower-case names; a repeated header's values joined with `, ` (set-cookie's with `\n`). */
  headers: Record<string, string>;
  body: Buffer;
};

/**
 * One HTTP/1.1 request on a connection of its own, written byte for byte. fetch and node:http refuse to send
 * a header value with a control character; a client that wants to hurt the server does not ask, so tests of
 * what the server answers to one need a client that sends whatever it is given. Header values go out as
 * latin1 (one byte per character, as HTTP defines them).
 */
export function rawRequest(baseUrl: string, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = req.body;
  const head =
    `${req.method} ${req.target} HTTP/1.1\r\n` +
    `host: ${url.host}\r\n` +
    'connection: close\r\n' +
    (req.headers ?? []).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    (body !== undefined ? `content-length: ${body.length}\r\n` : '') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      // The server may answer and close before reading all of a body it refuses (413, 415): what it said counts.
      const parsed = parseResponse(data, req.method);
      if (parsed) resolve(parsed);
      else reject(err ?? new Error(`no complete HTTP response (${data.length} bytes)`));
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish());
    socket.on('error', (err) => finish(err));
    socket.write(Buffer.from(head, 'latin1'));
    if (body !== undefined && body.length > 0) socket.write(body);
  });
}

function parseResponse(data: Buffer, method: string): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] =
      headers[name] === undefined ? value : `${headers[name]}${name === 'set-cookie' ? '\n' : ', '}${value}`;
  }
  let body = data.subarray(end + 4);
  if (method === 'HEAD' || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const decoded = dechunk(body);
    if (!decoded) return undefined;
    body = decoded;
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (body.length < length) return undefined;
    body = body.subarray(0, length);
  }
  return { status, headers, body };
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
