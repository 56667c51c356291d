import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../../test/s3-server.ts';
import { createBlobStorage } from './create-storage.ts';
import { DiskBlobStorage } from './disk-storage.ts';
import { S3BlobStorage } from './s3-storage.ts';
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

describe('createBlobStorage', () => {
  it('stores on disk under the configured folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'taskvault-create-'));
    const storage = createBlobStorage({ engine: 'disk', dir });
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
    const storage = createBlobStorage(server.storageConfig);
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
});
