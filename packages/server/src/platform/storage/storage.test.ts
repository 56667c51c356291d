import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import {
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
  type MultipartUpload,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../test/files-api.ts';
import { s3rverStorageConfig, startS3Server, type S3Server } from '../../../test/s3-server.ts';
import { startS3ServerWithMultipartUploads } from '../../../test/s3rver-multipart-uploads.ts';
import { DependencyUnavailableError } from '../dependency.ts';
import { createLogger } from '../logger.ts';
import { createBlobStorage } from './create-storage.ts';
import { DiskBlobStorage } from './disk-storage.ts';
import { S3BlobStorage, type S3StorageConfig } from './s3-storage.ts';
import {
  BlobNotFoundError,
  BlobRangeNotSatisfiableError,
  BlobTooLargeError,
  deleteOrphanedBlobs,
  InvalidBlobKeyError,
  type BlobStorage,
} from './storage.ts';

const MiB = 1024 * 1024;

/** A storage of its own for one test, and everything its backend holds, as `tmp/<key>` and `blobs/<key>`. */
type Opened = { storage: BlobStorage; contents: () => Promise<string[]> };

type Engine = {
  name: string;
  setup: () => Promise<void>;
  teardown: () => Promise<void>;
  open: () => Promise<Opened>;
};

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Each storage in a folder of its own, which it has to create. */
function diskEngine(): Engine {
  let root = '';
  let opened = 0;
  return {
    name: 'disk',
    setup: async () => {
      root = await mkdtemp(path.join(tmpdir(), 'taskvault-storage-'));
    },
    teardown: () => rm(root, { recursive: true, force: true }),
    open: async () => {
      const dir = path.join(root, `store-${++opened}`);
      return { storage: new DiskBlobStorage({ engine: 'disk', dir }), contents: () => filesUnder(dir) };
    },
  };
}

/**
 * s3rver over HTTP, each storage on a bucket of its own; listings two keys a page, so that any listing
 * of more than two objects pages.
 */
function s3Engine(): Engine {
  let server: S3Server | undefined;
  let admin: S3Client | undefined;
  let opened = 0;
  const running = () => {
    if (!server || !admin) throw new Error('setup has not run');
    return { server, admin };
  };
  return {
    name: 's3',
    setup: async () => {
      server = await startS3Server();
      const { region, endpoint, forcePathStyle, credentials } = server.storageConfig;
      admin = new S3Client({ region, endpoint, forcePathStyle, credentials });
    },
    teardown: async () => {
      admin?.destroy();
      await server?.close();
    },
    open: async () => {
      const { server, admin } = running();
      const bucket = `taskvault-test-${++opened}`;
      const storage = new S3BlobStorage({ ...server.storageConfig, bucket }, { listPageSize: 2 });
      await storage.ensureBucket();
      const contents = async () => {
        const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
        return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
      };
      return { storage, contents };
    },
  };
}

/**
 * `size` random bytes from a generator, in chunks; with `failAt`, it throws `failWith` once that many have
 * gone. `sha256` is that of the bytes produced so far.
 */
function generated(
  size: number,
  options: { chunkSize?: number; failAt?: number; failWith?: Error } = {},
): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  const chunkSize = options.chunkSize ?? 64 * 1024;
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size;) {
      if (options.failAt !== undefined && sent >= options.failAt)
        throw options.failWith ?? new Error('failed');
      const chunk = randomBytes(Math.min(chunkSize, size - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), sha256: () => hash.copy().digest('hex') };
}

const bodyOf = (bytes: Buffer): Readable => Readable.from([bytes]);
const readAll = async (stream: Readable): Promise<Buffer> => buffer(stream);

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all.sort();
}

/** Writes and promotes `bytes`; returns the new key. */
async function store(storage: BlobStorage, bytes: Buffer): Promise<string> {
  const { tempKey } = await storage.writeTemp(bodyOf(bytes));
  const key = randomUUID();
  await storage.promote(tempKey, key);
  return key;
}

const inAMinute = (): Date => new Date(Date.now() + 60_000);
const aMinuteAgo = (): Date => new Date(Date.now() - 60_000);

describe.each([diskEngine(), s3Engine()])('BlobStorage on $name', (engine) => {
  let storage: BlobStorage;
  let contents: () => Promise<string[]>;
  beforeAll(engine.setup);
  afterAll(engine.teardown);
  beforeEach(async () => {
    ({ storage, contents } = await engine.open());
  });
  afterEach(async () => storage.close());

  it('writes a body to a temporary blob, promotes it to its key and reads the same bytes back', async () => {
    const bytes = randomBytes(5_000);
    const { tempKey, size } = await storage.writeTemp(bodyOf(bytes));
    expect(size).toBe(5_000);
    expect(await contents()).toEqual([`tmp/${tempKey}`]);

    const key = randomUUID();
    await storage.promote(tempKey, key);
    expect(await contents()).toEqual([`blobs/${key}`]);
    expect(await readAll(await storage.read(key))).toEqual(bytes);
    expect(await storage.size(key)).toBe(5_000);
  });

  it('streams a multi-MiB body from a generator and reads back the same bytes', async () => {
    const size = 12 * MiB + 12_345;
    const body = generated(size);
    const { tempKey, size: written } = await storage.writeTemp(body.stream);
    expect(written).toBe(size);
    const key = randomUUID();
    await storage.promote(tempKey, key);
    expect(await storage.size(key)).toBe(size);
    expect(await sha256Of(await storage.read(key))).toBe(body.sha256());
  });

  it('stores an empty body', async () => {
    const { tempKey, size } = await storage.writeTemp(Readable.from([]));
    expect(size).toBe(0);
    const key = randomUUID();
    await storage.promote(tempKey, key);
    expect(await storage.size(key)).toBe(0);
    expect((await readAll(await storage.read(key))).length).toBe(0);
    // No byte to start a range at.
    await expect(storage.read(key, { start: 0, end: 0 })).rejects.toBeInstanceOf(
      BlobRangeNotSatisfiableError,
    );
  });

  it('reads byte ranges, end inclusive: first byte, middle, last byte, whole, and an end past the last byte', async () => {
    const bytes = randomBytes(3_000);
    const key = await store(storage, bytes);
    const range = async (start: number, end: number) => readAll(await storage.read(key, { start, end }));

    expect(await range(0, 0)).toEqual(bytes.subarray(0, 1));
    expect(await range(1_000, 1_999)).toEqual(bytes.subarray(1_000, 2_000));
    expect(await range(2_999, 2_999)).toEqual(bytes.subarray(2_999));
    expect(await range(0, 2_999)).toEqual(bytes);
    expect(await range(2_990, 10_000)).toEqual(bytes.subarray(2_990));
  });

  it('refuses a range that starts past the last byte (416), and a malformed one (a bug)', async () => {
    const key = await store(storage, randomBytes(100));
    await expect(storage.read(key, { start: 100, end: 100 })).rejects.toMatchObject({
      name: 'BlobRangeNotSatisfiableError',
      key,
      range: { start: 100, end: 100 },
    });
    await expect(storage.read(key, { start: 500, end: 600 })).rejects.toBeInstanceOf(
      BlobRangeNotSatisfiableError,
    );
    for (const bad of [
      { start: 5, end: 4 },
      { start: -1, end: 4 },
      { start: 0.5, end: 4 },
      { start: 0, end: Number.NaN },
    ]) {
      await expect(storage.read(key, bad)).rejects.toThrow(RangeError);
    }
  });

  it('tells the size of a blob, and null for a key with no blob', async () => {
    const key = await store(storage, randomBytes(1_234));
    expect(await storage.size(key)).toBe(1_234);
    expect(await storage.size(randomUUID())).toBeNull();
  });

  it('rejects the read of a missing blob with BlobNotFoundError', async () => {
    const missing = randomUUID();
    await expect(storage.read(missing)).rejects.toMatchObject({ name: 'BlobNotFoundError', key: missing });
    await expect(storage.read(missing, { start: 0, end: 10 })).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('deletes a blob; deleting it again, or a key that never had one, is not an error', async () => {
    const key = await store(storage, randomBytes(100));
    const other = await store(storage, randomBytes(100));
    await storage.delete(key);
    await storage.delete(key);
    await storage.delete(randomUUID());
    expect(await storage.size(key)).toBeNull();
    await expect(storage.read(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await contents()).toEqual([`blobs/${other}`]);
  });

  it('deletes a temporary blob, idempotently, after which it cannot be promoted', async () => {
    const { tempKey } = await storage.writeTemp(bodyOf(randomBytes(100)));
    await storage.deleteTemp(tempKey);
    await storage.deleteTemp(tempKey);
    await storage.deleteTemp(randomUUID());
    expect(await contents()).toEqual([]);
    await expect(storage.promote(tempKey, randomUUID())).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await contents()).toEqual([]);
  });

  it('refuses to promote a temporary blob twice', async () => {
    const { tempKey } = await storage.writeTemp(bodyOf(randomBytes(100)));
    const key = randomUUID();
    await storage.promote(tempKey, key);
    await expect(storage.promote(tempKey, randomUUID())).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await contents()).toEqual([`blobs/${key}`]);
  });

  it('accepts a body of exactly maxBytes', async () => {
    expect((await storage.writeTemp(bodyOf(randomBytes(4_096)), { maxBytes: 4_096 })).size).toBe(4_096);
    expect((await storage.writeTemp(Readable.from([]), { maxBytes: 0 })).size).toBe(0);
  });

  it('rejects a body over maxBytes with BlobTooLargeError, destroys it and keeps nothing', async () => {
    const body = bodyOf(randomBytes(5_000));
    await expect(storage.writeTemp(body, { maxBytes: 4_096 })).rejects.toMatchObject({
      name: 'BlobTooLargeError',
      maxBytes: 4_096,
    });
    expect(body.destroyed).toBe(true);
    expect(await contents()).toEqual([]);
    expect(await storage.sweepTemp(inAMinute())).toBe(0);
  });

  it('rejects a body found to be over maxBytes only after several MiB, and keeps nothing', async () => {
    // On S3 the first 5 MiB part is already uploaded when the limit is crossed.
    const body = generated(16 * MiB, { chunkSize: 256 * 1024 });
    await expect(storage.writeTemp(body.stream, { maxBytes: 6 * MiB })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(body.stream.destroyed).toBe(true);
    expect(await contents()).toEqual([]);
    expect(await storage.sweepTemp(inAMinute())).toBe(0);
  });

  it('rejects with the source error when the body fails half-way, and keeps nothing', async () => {
    const broken = new Error('connection reset by the client');
    const body = generated(14 * MiB, { failAt: 7 * MiB, failWith: broken });
    await expect(storage.writeTemp(body.stream)).rejects.toBe(broken);
    expect(body.stream.destroyed).toBe(true);
    expect(await contents()).toEqual([]);
    expect(await storage.sweepTemp(inAMinute())).toBe(0);
  });

  it('refuses a maxBytes that is not a whole number of bytes', async () => {
    for (const maxBytes of [-1, 1.5, Number.NaN]) {
      const body = bodyOf(randomBytes(10));
      await expect(storage.writeTemp(body, { maxBytes })).rejects.toThrow(RangeError);
      expect(body.destroyed).toBe(true);
    }
    expect(await contents()).toEqual([]);
  });

  it('sweeps a temporary blob never promoted: kept with a cutoff before it, removed with one after', async () => {
    const kept = await store(storage, randomBytes(100));
    const { tempKey } = await storage.writeTemp(bodyOf(randomBytes(100)));

    expect(await storage.sweepTemp(aMinuteAgo())).toBe(0);
    expect(await contents()).toEqual([`blobs/${kept}`, `tmp/${tempKey}`].sort());

    expect(await storage.sweepTemp(inAMinute())).toBe(1);
    expect(await contents()).toEqual([`blobs/${kept}`]);
    await expect(storage.promote(tempKey, randomUUID())).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await storage.sweepTemp(inAMinute())).toBe(0);
  });

  it('sweeps many temporary blobs, page after page', async () => {
    for (let i = 0; i < 5; i++) await storage.writeTemp(bodyOf(randomBytes(10)));
    expect(await storage.sweepTemp(inAMinute())).toBe(5);
    expect(await contents()).toEqual([]);
  });

  it('lists the keys of permanent blobs only, page after page', async () => {
    expect(await collect(storage.listKeys())).toEqual([]);
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push(await store(storage, randomBytes(10)));
    await storage.writeTemp(bodyOf(randomBytes(10)));

    expect(await collect(storage.listKeys())).toEqual(keys.sort());
    expect(await collect(storage.listKeys({ modifiedBefore: inAMinute() }))).toEqual(keys);
    expect(await collect(storage.listKeys({ modifiedBefore: aMinuteAgo() }))).toEqual([]);
  });

  it('deletes the permanent blobs the database does not know, if older than the cutoff', async () => {
    const known = [await store(storage, randomBytes(10)), await store(storage, randomBytes(10))];
    const orphans = [await store(storage, randomBytes(10)), await store(storage, randomBytes(10))];
    const { tempKey } = await storage.writeTemp(bodyOf(randomBytes(10)));
    const asked: string[][] = [];
    const lookup = async (keys: readonly string[]) => {
      asked.push([...keys]);
      return keys.filter((k) => known.includes(k));
    };

    // Too recent: they may belong to uploads whose rows are being committed.
    expect(await deleteOrphanedBlobs(storage, { known: lookup, olderThan: aMinuteAgo() })).toBe(0);
    expect(await collect(storage.listKeys())).toEqual([...known, ...orphans].sort());

    asked.length = 0;
    expect(await deleteOrphanedBlobs(storage, { known: lookup, olderThan: inAMinute(), batchSize: 3 })).toBe(
      2,
    );
    expect(asked.map((batch) => batch.length)).toEqual([3, 1]);
    expect(await contents()).toEqual([...known.map((k) => `blobs/${k}`), `tmp/${tempKey}`].sort());
  });

  it('answers a ping', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it('refuses keys that are not plain ids, touching nothing', async () => {
    const key = await store(storage, randomBytes(10));
    const { tempKey } = await storage.writeTemp(bodyOf(randomBytes(10)));
    const before = await contents();
    const refused = ['../x', 'a/b', '', '..', '.', `../blobs/${key}`, 'a.b', 'a b', 'é', 'x'.repeat(129)];
    for (const bad of refused) {
      await expect(storage.read(bad)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.size(bad)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.delete(bad)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.deleteTemp(bad)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.promote(tempKey, bad)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.promote(bad, randomUUID())).rejects.toBeInstanceOf(InvalidBlobKeyError);
    }
    expect(await contents()).toEqual(before);
    expect(await storage.size(key)).toBe(10);
  });
});

describe('DiskBlobStorage', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'taskvault-disk-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('creates its folders on first use, 0700, with files 0600', async () => {
    const dir = path.join(root, 'first-use', 'files');
    const storage = new DiskBlobStorage({ engine: 'disk', dir });
    expect(await collect(storage.listKeys())).toEqual([]);
    expect(await storage.sweepTemp(inAMinute())).toBe(0);
    const mode = async (p: string) => (await stat(p)).mode & 0o777;

    const { tempKey } = await storage.writeTemp(bodyOf(randomBytes(10)));
    expect(await mode(path.join(dir, 'tmp'))).toBe(0o700);
    expect(await mode(path.join(dir, 'tmp', tempKey))).toBe(0o600);
    const key = randomUUID();
    await storage.promote(tempKey, key);
    expect(await mode(path.join(dir, 'blobs'))).toBe(0o700);
    expect(await mode(path.join(dir, 'blobs', key))).toBe(0o600);
  });

  it('ignores files in its folders that it did not name', async () => {
    const dir = path.join(root, 'strays');
    const storage = new DiskBlobStorage({ engine: 'disk', dir });
    const key = await store(storage, randomBytes(10));
    await writeFile(path.join(dir, 'blobs', '.DS_Store'), 'x');
    expect(await collect(storage.listKeys())).toEqual([key]);
  });

  it('keeps memory flat while streaming 64 MiB', async () => {
    const storage = new DiskBlobStorage({ engine: 'disk', dir: path.join(root, 'memory') });
    // The body cycles through 1 MiB of chunks made beforehand: fresh chunks would be garbage that the
    // collector frees whenever it likes, which makes RSS too noisy to measure anything by.
    const pool = Array.from({ length: 16 }, () => randomBytes(64 * 1024));
    const hash = createHash('sha256');
    const before = process.memoryUsage.rss();
    let peak = before;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage.rss());
    };
    const sampler = setInterval(sample, 5);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 1_024; i++) {
        const chunk = pool[i % pool.length] as Buffer;
        hash.update(chunk);
        sample();
        yield chunk;
      }
    }
    try {
      const { tempKey, size } = await storage.writeTemp(Readable.from(chunks(), { objectMode: false }));
      sample();
      expect(size).toBe(64 * MiB);
      // Holding the body, or a copy of it, would take at least 64 MiB more.
      expect(peak - before).toBeLessThan(48 * MiB);
      const key = randomUUID();
      await storage.promote(tempKey, key);
      expect(await sha256Of(await storage.read(key))).toBe(hash.digest('hex'));
      await storage.delete(key);
    } finally {
      clearInterval(sampler);
    }
  });
});

describe('S3BlobStorage', () => {
  let server: S3Server;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(() => server.close());

  it('creates its bucket when missing, and leaves an existing one alone', async () => {
    const storage = new S3BlobStorage({ ...server.storageConfig, bucket: 'taskvault-ensure' });
    const { region, endpoint, forcePathStyle, credentials } = server.storageConfig;
    const admin = new S3Client({ region, endpoint, forcePathStyle, credentials });
    try {
      await expect(admin.send(new HeadBucketCommand({ Bucket: 'taskvault-ensure' }))).rejects.toThrow();
      await storage.ensureBucket();
      const key = await store(storage, Buffer.from('kept'));
      await storage.ensureBucket();
      expect((await readAll(await storage.read(key))).toString()).toBe('kept');
    } finally {
      admin.destroy();
      await storage.close();
    }
  });

  it('pings: a missing bucket is unavailable storage', async () => {
    const storage = new S3BlobStorage({ ...server.storageConfig, bucket: 'taskvault-missing' });
    try {
      await expectUnavailable(storage.ping(), /the bucket does not exist/);
    } finally {
      await storage.close();
    }
  });

  it('sweeps temporary objects on a server that cannot list multipart uploads, and says so once', async () => {
    // s3rver itself answers ListMultipartUploads with 501 NotImplemented.
    const { logger, lines } = capturingLogger();
    const storage = new S3BlobStorage(
      { ...server.storageConfig, bucket: 'taskvault-no-listing' },
      { logger },
    );
    try {
      await storage.ensureBucket();
      await storage.writeTemp(bodyOf(randomBytes(10)));
      expect(await storage.sweepTemp(inAMinute())).toBe(1);
      expect(await storage.sweepTemp(inAMinute())).toBe(0);
      const warnings = lines.filter((l) => /cannot list multipart uploads/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe(40);
    } finally {
      await storage.close();
    }
  });

  it('fails plainly when the bucket does not exist', async () => {
    const storage = new S3BlobStorage({ ...server.storageConfig, bucket: 'taskvault-missing' });
    try {
      const body = bodyOf(randomBytes(10));
      await expect(storage.writeTemp(body)).rejects.toMatchObject({ name: 'NoSuchBucket' });
      expect(body.destroyed).toBe(true);
      await expect(storage.read(randomUUID())).rejects.toMatchObject({ name: 'NoSuchBucket' });
    } finally {
      await storage.close();
    }
  });
});

/** A TCP server on loopback that accepts connections, reads whatever comes, and never answers. */
async function startSilentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (just released by a server that had it). */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An HTTP server that answers every request with `status` and an S3 error document of `code`. */
async function startFailingServer(
  status: number,
  code: string,
): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: HttpServer = createHttpServer((req, res) => {
    requests++;
    req.resume();
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`;
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    // HEAD answers carry no body.
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Collects what a pino logger writes, as parsed lines. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = createLogger('debug', {
    write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]),
  });
  return { logger, lines };
}

/** `work` rejects with DependencyUnavailableError('storage'), its message matching `message`. */
async function expectUnavailable(work: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DependencyUnavailableError);
  expect((error as DependencyUnavailableError).dependency).toBe('storage');
  expect((error as Error).message).toMatch(message);
}

/** How long `work` took to settle, and its rejection (undefined when it resolved). */
async function timed(work: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work;
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('S3BlobStorage when the bucket cannot be reached', () => {
  // Two attempts of at most one timeout each, and the SDK's back-off between them (at most 200 ms).
  const TIMEOUT = 300;
  const BOUND = 3 * TIMEOUT + 1_000;
  const timeouts = { connectTimeoutMs: TIMEOUT, requestTimeoutMs: TIMEOUT };

  describe('a server that accepts connections and never answers', () => {
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    let storage: S3BlobStorage;
    beforeAll(async () => {
      silent = await startSilentServer();
      storage = new S3BlobStorage(s3rverStorageConfig(`http://127.0.0.1:${silent.port}`), { timeouts });
    });
    afterAll(async () => {
      await storage.close();
      await silent.close();
    });

    it.each([
      ['writeTemp', () => storage.writeTemp(bodyOf(randomBytes(10_000)))],
      ['read', () => storage.read(randomUUID())],
      ['read of a range', () => storage.read(randomUUID(), { start: 0, end: 9 })],
      ['size', () => storage.size(randomUUID())],
      ['ping', () => storage.ping()],
      ['promote', () => storage.promote(randomUUID(), randomUUID())],
      ['delete', () => storage.delete(randomUUID())],
      ['sweepTemp', () => storage.sweepTemp(new Date())],
      ['listKeys', () => collect(storage.listKeys())],
    ])(
      '%s rejects with DependencyUnavailableError(storage) within its timeouts',
      async (_name, operation) => {
        const started = Date.now();
        await expectUnavailable(operation(), /timed out/);
        const ms = Date.now() - started;
        expect(ms).toBeLessThan(BOUND);
        // Retried once, not given up on at the first timeout.
        expect(ms).toBeGreaterThanOrEqual(2 * TIMEOUT - 50);
      },
    );

    it('destroys the body of a write it could not store', async () => {
      const body = bodyOf(randomBytes(10_000));
      await expect(storage.writeTemp(body)).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(body.destroyed).toBe(true);
    });

    it('reports a body that fails as the body failing, not as the storage', async () => {
      const broken = new Error('the client went away');
      const body = generated(1 * MiB, { failAt: 256 * 1024, failWith: broken });
      await expect(storage.writeTemp(body.stream)).rejects.toBe(broken);
    });
  });

  it('a closed port: DependencyUnavailableError at once', async () => {
    const storage = new S3BlobStorage(s3rverStorageConfig(`http://127.0.0.1:${await closedPort()}`), {
      timeouts,
    });
    try {
      for (const operation of [
        () => storage.ping(),
        () => storage.size(randomUUID()),
        () => storage.writeTemp(bodyOf(randomBytes(100))),
        () => storage.read(randomUUID()),
      ]) {
        const { ms, error } = await timed(operation());
        expect(error).toBeInstanceOf(DependencyUnavailableError);
        expect((error as Error).message).toMatch(/ECONNREFUSED/);
        expect(ms).toBeLessThan(TIMEOUT + 500);
      }
    } finally {
      await storage.close();
    }
  });

  it.each([
    [503, 'SlowDown'],
    [503, 'ServiceUnavailable'],
    [500, 'InternalError'],
  ])('a server answering %i %s: DependencyUnavailableError, after one retry', async (status, code) => {
    const failing = await startFailingServer(status, code);
    const storage = new S3BlobStorage(s3rverStorageConfig(`http://127.0.0.1:${failing.port}`), { timeouts });
    try {
      const error = await storage.read(randomUUID()).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as Error).message).toContain(String(status));
      expect(failing.requests()).toBe(2);
      await expect(storage.size(randomUUID())).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(storage.writeTemp(bodyOf(randomBytes(100)))).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    } finally {
      await storage.close();
      await failing.close();
    }
  });

  it('a refusal (403 AccessDenied) is an answer, not an outage; a ping reports it as unavailable', async () => {
    const refusing = await startFailingServer(403, 'AccessDenied');
    const storage = new S3BlobStorage(s3rverStorageConfig(`http://127.0.0.1:${refusing.port}`), { timeouts });
    try {
      const error = await storage.read(randomUUID()).catch((err: unknown) => err);
      expect(error).not.toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ name: 'AccessDenied' });
      await expectUnavailable(storage.ping(), /access to the bucket is denied/);
    } finally {
      await storage.close();
      await refusing.close();
    }
  });
});

const storageModule = (file: string): string => pathToFileURL(path.join(import.meta.dirname, file)).href;

/**
 * A child process that streams `bytes` into `writeTemp` of a storage of its own (`className` from
 * `file`, built from `config`), then stalls with the upload unfinished, for the test to SIGKILL.
 */
function uploadInChild(file: string, className: string, config: unknown, bytes: number): ChildProcess {
  const script = `
const [moduleUrl, className, config, bytes] = process.argv.slice(1);
const { Readable } = await import('node:stream');
const storage = new (await import(moduleUrl))[className](JSON.parse(config));
let sent = 0;
const body = new Readable({
  read() {
    if (sent >= Number(bytes)) return; // and never end
    const n = Math.min(64 * 1024, Number(bytes) - sent);
    sent += n;
    this.push(Buffer.alloc(n, 120));
  },
});
storage.writeTemp(body).then(
  () => process.exit(3),
  (err) => { console.error(err); process.exit(4); },
);
setInterval(() => {}, 60_000);
`;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      storageModule(file),
      className,
      JSON.stringify(config),
      String(bytes),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('what a process killed mid-upload leaves behind', () => {
  it('on disk: a partial temporary file, kept while younger than the cutoff, then swept', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'taskvault-killed-'));
    const child = uploadInChild('disk-storage.ts', 'DiskBlobStorage', { dir }, 1 * MiB);
    try {
      const tmp = path.join(dir, 'tmp');
      await waitUntil('the child has written its bytes', async () => {
        const [file] = await filesUnder(tmp);
        return file !== undefined && (await stat(path.join(tmp, file))).size === 1 * MiB;
      });
      expect(child.exitCode).toBeNull();
      await kill9(child);
      expect(child.signalCode).toBe('SIGKILL');

      const storage = new DiskBlobStorage({ dir });
      expect(await storage.sweepTemp(aMinuteAgo())).toBe(0);
      expect(await filesUnder(tmp)).toHaveLength(1);
      expect(await storage.sweepTemp(inAMinute())).toBe(1);
      expect(await filesUnder(dir)).toEqual([]);
    } finally {
      await kill9(child);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('S3BlobStorage: unfinished multipart uploads (s3rver with multipart upload listing)', () => {
  let server: S3Server;
  let admin: S3Client;
  let opened = 0;
  beforeAll(async () => {
    server = await startS3ServerWithMultipartUploads();
    const { region, endpoint, forcePathStyle, credentials } = server.storageConfig;
    admin = new S3Client({ region, endpoint, forcePathStyle, credentials });
  });
  afterAll(async () => {
    admin?.destroy();
    await server?.close();
  });

  /** A bucket of its own for one test, and its storage; listings two a page, so that they page. */
  async function open(): Promise<{ storage: S3BlobStorage; config: S3StorageConfig }> {
    const config = { ...server.storageConfig, bucket: `taskvault-uploads-${++opened}` };
    const storage = new S3BlobStorage(config, { listPageSize: 2 });
    await storage.ensureBucket();
    return { storage, config };
  }

  async function uploads(bucket: string): Promise<MultipartUpload[]> {
    return (await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  }

  /** Starts a multipart upload with one part, as lib-storage's Upload does, and leaves it unfinished. */
  async function unfinishedUpload(bucket: string, key: string): Promise<string> {
    const { UploadId } = await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await admin.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(1_000) }),
    );
    return UploadId ?? '';
  }

  it('aborts those under tmp/ initiated before the cutoff, page after page; keeps younger ones and others', async () => {
    const { storage, config } = await open();
    try {
      const ours = [];
      for (let i = 0; i < 5; i++) ours.push(await unfinishedUpload(config.bucket, `tmp/${randomUUID()}`));
      const notOurs = await unfinishedUpload(config.bucket, `elsewhere/${randomUUID()}`);

      expect(await storage.sweepTemp(aMinuteAgo())).toBe(0);
      expect((await uploads(config.bucket)).map((u) => u.UploadId).sort()).toEqual([...ours, notOurs].sort());

      expect(await storage.sweepTemp(inAMinute())).toBe(5);
      expect((await uploads(config.bucket)).map((u) => u.UploadId)).toEqual([notOurs]);
      expect(await storage.sweepTemp(inAMinute())).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it('counts temporary objects and unfinished uploads together', async () => {
    const { storage, config } = await open();
    try {
      await storage.writeTemp(bodyOf(randomBytes(100)));
      await unfinishedUpload(config.bucket, `tmp/${randomUUID()}`);
      expect(await storage.sweepTemp(inAMinute())).toBe(2);
      expect(await uploads(config.bucket)).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('a writeTemp killed after its first part: the multipart upload is left, then aborted by the sweep', async () => {
    const { storage, config } = await open();
    // More than one 5 MiB part: lib-storage starts a multipart upload and sends the first part.
    const child = uploadInChild('s3-storage.ts', 'S3BlobStorage', config, 5 * MiB + 64 * 1024);
    try {
      await waitUntil(
        'the child has started a multipart upload',
        async () => (await uploads(config.bucket)).length === 1,
        10_000,
      );
      expect(child.exitCode).toBeNull();
      await kill9(child);
      const [left] = await uploads(config.bucket);
      expect(left?.Key).toMatch(/^tmp\//);

      expect(await storage.sweepTemp(aMinuteAgo())).toBe(0);
      expect(await uploads(config.bucket)).toHaveLength(1);
      expect(await storage.sweepTemp(inAMinute())).toBe(1);
      expect(await uploads(config.bucket)).toEqual([]);
      const listed = await admin.send(new ListObjectsV2Command({ Bucket: config.bucket }));
      expect(listed.Contents ?? []).toEqual([]);
    } finally {
      await kill9(child);
      await storage.close();
    }
  });

  it('leaves an upload in progress alone when it is younger than the cutoff: it completes', async () => {
    const { storage } = await open();
    try {
      // A body that pauses after its first part, until the sweep has run.
      let resume: () => void = () => {};
      const paused = new Promise<void>((resolve) => (resume = resolve));
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 6; i++) yield randomBytes(1 * MiB);
        await paused;
        yield randomBytes(1 * MiB);
      }
      const writing = storage.writeTemp(Readable.from(chunks(), { objectMode: false }));
      await waitUntil('the upload has started', async () => (await uploads(storage.bucket)).length === 1);

      expect(await storage.sweepTemp(aMinuteAgo())).toBe(0);
      resume();
      const { tempKey, size } = await writing;
      expect(size).toBe(7 * MiB);
      const key = randomUUID();
      await storage.promote(tempKey, key);
      expect(await storage.size(key)).toBe(7 * MiB);
    } finally {
      await storage.close();
    }
  });
});

describe('createBlobStorage', () => {
  const timeouts = { connectTimeoutMs: 300, requestTimeoutMs: 300 };
  const configOf = (storage: Parameters<typeof createBlobStorage>[0]['storage']) => ({
    storage,
    dependencies: { s3: timeouts },
  });

  it('stores on disk under the configured folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'taskvault-create-'));
    const storage = createBlobStorage(configOf({ engine: 'disk', dir }));
    try {
      expect(storage).toBeInstanceOf(DiskBlobStorage);
      const key = await store(storage, Buffer.from('on disk'));
      expect(await filesUnder(dir)).toEqual([`blobs/${key}`]);
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores in the configured S3 bucket', async () => {
    const server = await startS3Server();
    const storage = createBlobStorage(configOf(server.storageConfig));
    try {
      expect(storage).toBeInstanceOf(S3BlobStorage);
      expect((storage as S3BlobStorage).bucket).toBe(server.bucket);
      const key = await store(storage, Buffer.from('in the bucket'));
      expect((await readAll(await storage.read(key))).toString()).toBe('in the bucket');
    } finally {
      await storage.close();
      await server.close();
    }
  });

  it('gives the S3 storage the configured timeouts', async () => {
    const silent = await startSilentServer();
    const storage = createBlobStorage(configOf(s3rverStorageConfig(`http://127.0.0.1:${silent.port}`)));
    try {
      const started = Date.now();
      await expect(storage.ping()).rejects.toBeInstanceOf(DependencyUnavailableError);
      // The default socket timeout is 10 s.
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await storage.close();
      await silent.close();
    }
  });
});
