/**
 * Whether files stream through the server rather than sit in its memory, and what that costs: a 1 GiB text
 * file is uploaded (`POST /api/v1/files`, multipart framed by hand around a file stream, with a computed
 * Content-Length, over node:http) and downloaded again (`POST /api/v1/files/:id/download-link`, then a GET
 * of the link, written to a file with `flush`), on a server spawned from `node src/main.ts` with disk
 * storage. The baseline is a plain copy of the same file on the same disk in this process
 * (createReadStream → createWriteStream with `flush`, the way disk storage writes). Every file involved
 * lives under one temporary folder, the server's DATA_DIR included, so all three write to the same disk;
 * all three read a file that was just written, so from the page cache.
 *
 * The server's memory is read from /proc/<pid>/status (Linux only): VmRSS every 50 ms while a transfer
 * runs, and VmHWM before and after it, so a peak between two samples still counts. Growth is the peak
 * minus the RSS measured after a small warm-up upload and download (which loads the code those routes
 * use); the RSS right after login is printed too. Each transfer is timed from its first byte sent to its
 * last byte written (the upload until the server has answered 201; the download until the file is closed);
 * the download is then hashed, untimed, and checked against the source. MB/s counts 10^6 bytes.
 *
 * Prints a table and whether the growth stays within 64 MiB; asserts only that the bytes come back
 * unchanged (size and SHA-256, on upload and download) and that no request fails.
 *
 * `npm run bench:upload`. BENCH_UPLOAD_BYTES sets the size (default 1073741824); TMPDIR chooses the disk,
 * which needs about 3 times the size free. DATABASE_URL runs the server on PostgreSQL instead of PGlite:
 * the bench deletes its files at the end but leaves its user there, so point it at a scratch database.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { spawnServer, type SpawnedServer } from '../packages/server/test/spawn-server.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const growthLimit = 64 * MiB;
const sampleMs = 50;
const warmupBytes = 256 * 1024;
const size = Number(process.env.BENCH_UPLOAD_BYTES ?? GiB); // eslint-disable-line no-restricted-properties -- the caller's choice of size
if (!Number.isSafeInteger(size) || size < 1)
  throw new Error(`BENCH_UPLOAD_BYTES: a positive integer, not ${size}`);
const databaseUrl = process.env.DATABASE_URL; // eslint-disable-line no-restricted-properties -- the caller's choice of database

type Envelope<T> = { success: boolean; message: string; data: T };
type FileMeta = { id: string; name: string; size: number; sha256: string };
type Timed<T> = { value: T; seconds: number };
type Memory = { rss: number; hwm: number };
type Measured<T> = Timed<T> & { peakRss: number; samples: number };

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const rate = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const found = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!found) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(found[1]) * 1024;
  };
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const timed = async <T>(work: () => Promise<T>): Promise<Timed<T>> => {
  const start = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
};

/** Times `work` while sampling the server's memory; the peak includes VmHWM if it rose meanwhile. */
async function measured<T>(pid: number, work: () => Promise<T>): Promise<Measured<T>> {
  const before = memoryOf(pid);
  let peak = before.rss;
  let samples = 1;
  const sample = () => {
    try {
      peak = Math.max(peak, memoryOf(pid).rss);
      samples++;
    } catch {
      // The server is gone; the request that needed it fails and says so.
    }
  };
  const timer = setInterval(sample, sampleMs);
  try {
    const result = await timed(work);
    sample();
    const after = memoryOf(pid);
    if (after.hwm > before.hwm) peak = Math.max(peak, after.hwm);
    return { ...result, peakRss: peak, samples };
  } finally {
    clearInterval(timer);
  }
}

/** `bytes` of ASCII lines written with flush; returns the SHA-256 of what was written. */
async function writeText(file: string, bytes: number): Promise<string> {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < MiB; i++) {
    const line = `Taskvault upload benchmark, line ${String(i).padStart(6, '0')}: the quick brown fox jumps over the lazy dog.\n`;
    lines.push(line);
    length += line.length;
  }
  const block = Buffer.from(lines.join('')).subarray(0, MiB);
  const hash = createHash('sha256');
  await pipeline(
    async function* () {
      for (let left = bytes; left > 0; left -= block.length) {
        const chunk = left >= block.length ? block : block.subarray(0, left);
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(file, { flush: true }),
  );
  return hash.digest('hex');
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function postJson<T>(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Envelope<T> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Envelope<T> };
  } catch {
    throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 500)}`);
  }
}

/**
 * One `file` part around a stream of the file, never more than a read buffer of it in memory. Resolves
 * with the server's answer once it has come whole; a failed answer ends the request even if the body is
 * still being sent.
 */
async function upload(server: SpawnedServer, token: string, file: string, name: string): Promise<FileMeta> {
  const bytes = statSync(file).size;
  const boundary = `taskvault-bench-${randomBytes(16).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: text/plain\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request(new URL('/api/v1/files', server.url), {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + bytes + tail.length),
    },
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  const sent = pipeline(async function* () {
    yield head;
    yield* createReadStream(file);
    yield tail;
  }, req).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  let res: IncomingMessage;
  try {
    res = await answered;
  } catch (err) {
    const failed = await sent;
    throw new Error(`upload ${name}: no answer${failed ? ` (sending the body: ${failed.message})` : ''}`, {
      cause: err,
    });
  }
  const text = await readBody(res);
  if (res.statusCode !== 201) {
    req.destroy();
    throw new Error(`upload ${name}: ${res.statusCode} ${text.slice(0, 500)}`);
  }
  const failed = await sent;
  if (failed) throw new Error(`upload ${name}: sending the body failed`, { cause: failed });
  return (JSON.parse(text) as Envelope<FileMeta>).data;
}

/** A link for the file, resolved against the server's real address (its PUBLIC_URL knows no port here). */
async function downloadLink(server: SpawnedServer, token: string, id: string): Promise<URL> {
  const res = await postJson<{ url: string }>(
    `${server.url}/api/v1/files/${id}/download-link`,
    undefined,
    token,
  );
  if (res.status !== 200) throw new Error(`download-link: ${res.status} ${JSON.stringify(res.body)}`);
  const link = new URL(res.body.data.url);
  return new URL(`${link.pathname}${link.search}`, server.url);
}

/** GETs the link into `file` (flushed before it is closed); resolves with the response headers that matter. */
async function download(
  link: URL,
  file: string,
): Promise<{ length: string | undefined; etag: string | undefined }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(link, { agent: false }, resolve).once('error', reject).end();
  });
  if (res.statusCode !== 200)
    throw new Error(`download: ${res.statusCode} ${(await readBody(res)).slice(0, 500)}`);
  await pipeline(res, createWriteStream(file, { flush: true }));
  return { length: res.headers['content-length'], etag: res.headers.etag };
}

/** The downloaded file must be the source, byte for byte; so must the headers that describe it. */
async function checkDownload(
  file: string,
  headers: { length: string | undefined; etag: string | undefined },
  expected: { size: number; sha256: string },
) {
  const got = { size: statSync(file).size, sha256: await sha256Of(file) };
  if (got.size !== expected.size || got.sha256 !== expected.sha256)
    throw new Error(`download differs: ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  if (headers.length !== undefined && Number(headers.length) !== expected.size)
    throw new Error(`download: Content-Length ${headers.length}, expected ${expected.size}`);
  if (headers.etag !== undefined && headers.etag.replace(/^(W\/)?"|"$/g, '') !== expected.sha256)
    throw new Error(`download: ETag ${headers.etag}, expected "${expected.sha256}"`);
}

function checkUpload(meta: FileMeta, expected: { size: number; sha256: string }) {
  if (meta.size !== expected.size || meta.sha256 !== expected.sha256)
    throw new Error(
      `upload stored ${JSON.stringify({ size: meta.size, sha256: meta.sha256 })}, expected ${JSON.stringify(expected)}`,
    );
}

const width = 28;
const printHeader = () =>
  console.log(
    'transfer'.padEnd(width),
    'MB/s'.padStart(8),
    'seconds'.padStart(8),
    'RSS +MiB'.padStart(9),
    'vs copy'.padStart(8),
  );
const printRow = (label: string, bytes: number, seconds: number, growth: number | undefined, copy: number) =>
  console.log(
    label.padEnd(width),
    rate(bytes, seconds).toFixed(0).padStart(8),
    seconds.toFixed(2).padStart(8),
    (growth === undefined ? '-' : mib(growth)).padStart(9),
    `${(rate(bytes, seconds) / copy).toFixed(2)}x`.padStart(8),
  );

const work = mkdtempSync(path.join(tmpdir(), 'taskvault-bench-upload-'));
const dataDir = path.join(work, 'data');
const source = path.join(work, 'source.txt');
const copy = path.join(work, 'copy.txt');
const downloaded = path.join(work, 'download.txt');
const warmup = path.join(work, 'warmup.txt');
let server: SpawnedServer | undefined;
try {
  memoryOf(process.pid); // Linux only: fail now, not after writing a gigabyte.
  mkdirSync(dataDir);
  const expected = { size, sha256: await writeText(source, size) };
  const warm = { size: warmupBytes, sha256: await writeText(warmup, warmupBytes) };

  server = await spawnServer({
    DATA_DIR: dataDir,
    REQUIRE_EMAIL_VERIFICATION: 'false',
    MAX_UPLOAD_BYTES: String(Math.max(2 * GiB, size)),
    USER_QUOTA_BYTES: String(Math.max(4 * GiB, 2 * (size + warmupBytes))),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const running = server;
  const { pid } = running;

  const tag = randomBytes(4).toString('hex');
  const user = {
    email: `bench-${tag}@example.com`,
    username: `bench_${tag}`,
    password: 'correct horse battery staple 42',
  };
  const registered = await postJson(`${server.url}/api/v1/auth/register`, user);
  if (registered.status !== 201)
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await postJson<{ access: string }>(`${server.url}/api/v1/auth/login`, {
    email: user.email,
    password: user.password,
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.data.access;
  const afterLogin = memoryOf(pid).rss;

  // Warm-up: the same routes once on a small file, so that the baseline includes the code they load.
  const warmMeta = await upload(server, token, warmup, 'warmup.txt');
  checkUpload(warmMeta, warm);
  const warmHeaders = await download(await downloadLink(server, token, warmMeta.id), downloaded);
  await checkDownload(downloaded, warmHeaders, warm);
  rmSync(downloaded);

  const plain = await timed(() =>
    pipeline(createReadStream(source), createWriteStream(copy, { flush: true })),
  );
  rmSync(copy);

  const baseline = memoryOf(pid);
  const up = await measured(pid, () => upload(running, token, source, 'bench.txt'));
  checkUpload(up.value, expected);
  const afterUpload = memoryOf(pid).rss;

  const link = await downloadLink(server, token, up.value.id);
  const down = await measured(pid, () => download(link, downloaded));
  await checkDownload(downloaded, down.value, expected);
  rmSync(downloaded);

  const copyRate = rate(size, plain.seconds);
  const growth = { up: up.peakRss - baseline.rss, down: down.peakRss - baseline.rss };
  console.log(
    `Taskvault upload and download: ${mib(size)} MiB of text, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}, disk storage under ${work}, Node ${process.version}`,
  );
  printHeader();
  printRow('plain copy (same disk)', size, plain.seconds, undefined, copyRate);
  printRow('upload via server', size, up.seconds, growth.up, copyRate);
  printRow('download via server', size, down.seconds, growth.down, copyRate);
  console.log(
    `server RSS: ${mib(afterLogin)} MiB after login, ${mib(baseline.rss)} MiB after warm-up (baseline; VmHWM ${mib(baseline.hwm)}), ` +
      `peak ${mib(up.peakRss)} MiB during upload (${up.samples} samples), ${mib(afterUpload)} MiB after it, ` +
      `peak ${mib(down.peakRss)} MiB during download (${down.samples} samples)`,
  );
  const worst = Math.max(growth.up, growth.down);
  console.log(
    `peak RSS growth ${mib(worst)} MiB over the baseline (${mib(Math.max(up.peakRss, down.peakRss) - afterLogin)} MiB over the RSS after login): ` +
      (worst <= growthLimit ? `within ${mib(growthLimit)} MiB` : `OVER ${mib(growthLimit)} MiB`),
  );
  console.log(
    `bytes: upload and download match the source (${expected.size} bytes, sha256 ${expected.sha256})`,
  );

  for (const id of [warmMeta.id, up.value.id]) {
    const res = await fetch(`${running.url}/api/v1/files/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 204) throw new Error(`delete ${id}: ${res.status} ${await res.text()}`);
  }
} finally {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
}
