import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, opendir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config/env.ts';
import { DependencyUnavailableError } from '../dependency.ts';
import {
  assertBlobKey,
  assertByteRange,
  checkMaxBytesFor,
  BlobNotFoundError,
  BlobRangeNotSatisfiableError,
  ByteCounter,
  isBlobKey,
  type BlobStorage,
  type ByteRange,
} from './storage.ts';

export type DiskStorageConfig = Extract<Config['storage'], { engine: 'disk' }>;

const isErrno = (err: unknown, code: string): boolean =>
  err instanceof Error && (err as NodeJS.ErrnoException).code === code;

/**
 * Blobs as files under one folder: `tmp/<random>` while uploading, `blobs/<key>` once promoted. Both live
 * on the same filesystem, so promoting is a rename: atomic, and never a copy. Files are 0600 and folders
 * 0700, created on first use.
 */
export class DiskBlobStorage implements BlobStorage {
  readonly dir: string;
  readonly #tmp: string;
  readonly #blobs: string;

  constructor(config: DiskStorageConfig | { dir: string }) {
    this.dir = path.resolve(config.dir);
    this.#tmp = path.join(this.dir, 'tmp');
    this.#blobs = path.join(this.dir, 'blobs');
  }

  async writeTemp(
    body: Readable,
    options: { maxBytes?: number } = {},
  ): Promise<{ tempKey: string; size: number }> {
    checkMaxBytesFor(body, options.maxBytes);
    const tempKey = randomUUID();
    const file = path.join(this.#tmp, tempKey);
    const counter = new ByteCounter(options.maxBytes);
    try {
      await mkdir(this.#tmp, { recursive: true, mode: 0o700 });
      // The file exists before a byte is read, so removing it after a failure cannot race its creation.
      const handle = await open(file, 'wx', 0o600);
      // flush: the data reaches the disk before the file is closed, and so before it can be promoted and
      // a row committed for it.
      await pipeline(body, counter, handle.createWriteStream({ flush: true }));
    } catch (err) {
      body.destroy();
      // Should this fail too, the file is a temporary blob like any other: the next sweep removes it.
      await rm(file, { force: true }).catch(() => {});
      throw counter.failure ?? err;
    }
    return { tempKey, size: counter.bytes };
  }

  async promote(tempKey: string, key: string): Promise<void> {
    assertBlobKey(tempKey);
    assertBlobKey(key);
    await mkdir(this.#blobs, { recursive: true, mode: 0o700 });
    try {
      await rename(path.join(this.#tmp, tempKey), path.join(this.#blobs, key));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new BlobNotFoundError(`tmp/${tempKey}`, { cause: err });
      throw err;
    }
    // A rename keeps the time of the last write; promotion counts as a modification (see `listKeys`), so a
    // long upload promoted just now is not taken for an old orphan while its row is being committed.
    const now = new Date();
    await utimes(path.join(this.#blobs, key), now, now);
    // The rename itself must survive a crash too: a committed row must not find its blob back in tmp/,
    // where the next sweep would delete it.
    const folder = await open(this.#blobs, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertBlobKey(key);
    if (range) assertByteRange(range);
    let handle;
    try {
      handle = await open(path.join(this.#blobs, key), 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new BlobNotFoundError(key, { cause: err });
      throw err;
    }
    if (!range) return handle.createReadStream();
    try {
      const { size } = await handle.stat();
      if (range.start >= size) throw new BlobRangeNotSatisfiableError(key, range);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return handle.createReadStream({ start: range.start, end: range.end });
  }

  async size(key: string): Promise<number | null> {
    assertBlobKey(key);
    try {
      return (await stat(path.join(this.#blobs, key))).size;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await rm(path.join(this.#blobs, key), { force: true });
  }

  async deleteTemp(tempKey: string): Promise<void> {
    assertBlobKey(tempKey);
    await rm(path.join(this.#tmp, tempKey), { force: true });
  }

  /**
   * A process killed mid-upload leaves its partial file in tmp/, with the time of its last write: it is
   * swept like any other temporary blob once older than the cutoff.
   */
  async sweepTemp(olderThan: Date): Promise<number> {
    let deleted = 0;
    for await (const { name, mtime } of this.#files(this.#tmp, true)) {
      if (mtime === undefined || mtime >= olderThan) continue;
      try {
        await unlink(path.join(this.#tmp, name));
        deleted++;
      } catch (err) {
        // Promoted or deleted since it was listed.
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return deleted;
  }

  async *listKeys(options: { modifiedBefore?: Date } = {}): AsyncIterable<string> {
    const { modifiedBefore } = options;
    for await (const { name, mtime } of this.#files(this.#blobs, modifiedBefore !== undefined)) {
      if (!isBlobKey(name)) continue;
      if (modifiedBefore !== undefined && (mtime === undefined || mtime >= modifiedBefore)) continue;
      yield name;
    }
  }

  /**
   * Its folder exists (created if need be) and can be listed and written to. Root passes the permission
   * checks, but not a read-only filesystem nor a path that runs through a file.
   */
  async ping(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await access(this.dir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (err) {
      const reason =
        (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      throw new DependencyUnavailableError('storage', `the folder ${this.dir} cannot be used (${reason})`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {}

  /** The regular files in a folder (none when it does not exist yet), with their mtime if asked. */
  async *#files(folder: string, withMtime: boolean): AsyncGenerator<{ name: string; mtime?: Date }> {
    let entries;
    try {
      entries = await opendir(folder);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    for await (const entry of entries) {
      if (!entry.isFile()) continue;
      if (!withMtime) {
        yield { name: entry.name };
        continue;
      }
      try {
        yield { name: entry.name, mtime: (await stat(path.join(folder, entry.name))).mtime };
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
  }
}
