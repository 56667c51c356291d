import { Transform, type TransformCallback, type Readable } from 'node:stream';

/** A byte range of a blob; `end` is inclusive, as in an HTTP `Range: bytes=start-end` header. */
export type ByteRange = { start: number; end: number };

/**
 * Where file contents live. Uploads go through a temporary blob so that the database and the storage never
 * disagree: stream the body into `writeTemp` → validate → `promote` it to its final key → commit the row
 * (and `delete` the final blob if the commit fails). Whatever a crash leaves behind is either a temporary
 * blob or, on S3, an unfinished multipart upload of one (both removed by `sweepTemp`), or a permanent blob
 * without a row (found through `listKeys`, see `deleteOrphanedBlobs`). Implementations: `DiskBlobStorage`
 * and `S3BlobStorage`.
 *
 * Keys are ids the caller chooses (uuids): only letters, digits and dashes are accepted. A storage that
 * cannot be reached (or, on S3, times out, fails or throttles) rejects with
 * `DependencyUnavailableError('storage')`; the errors below are answers about the blobs themselves.
 */
export interface BlobStorage {
  /**
   * Streams `body` into a new temporary blob without holding it in memory. The storage owns `body` from
   * then on: if it errors, or carries more than `maxBytes`, the returned promise rejects (with
   * `BlobTooLargeError` for the latter), `body` is destroyed and no temporary blob is left behind.
   */
  writeTemp(body: Readable, options?: { maxBytes?: number }): Promise<{ tempKey: string; size: number }>;
  /**
   * Moves a temporary blob to its permanent `key` (replacing a blob already there); rejects with
   * `BlobNotFoundError` when the temporary blob is gone (swept, or promoted already).
   */
  promote(tempKey: string, key: string): Promise<void>;
  /**
   * The blob's bytes, or those of `range` (end inclusive; an end past the blob's last byte is clamped).
   * Rejects with `BlobNotFoundError` when there is no such blob, and with `BlobRangeNotSatisfiableError`
   * when the range starts at or after its end.
   */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** The blob's size in bytes, or null when there is no such blob. */
  size(key: string): Promise<number | null>;
  /** Deletes a permanent blob; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes a temporary blob; a missing one is not an error. */
  deleteTemp(tempKey: string): Promise<void>;
  /**
   * Removes what uploads that never finished left before `olderThan`: temporary blobs last modified before
   * it and, on S3, the unfinished multipart uploads of temporary blobs initiated before it. Returns how
   * many it removed. An upload is only safe from it while younger than the cutoff: the sweep's grace
   * period (UPLOAD_SWEEP_GRACE_SECONDS, 1 h by default) must exceed the longest upload, on disk the
   * longest pause within one (a temporary file's time is that of its last write).
   */
  sweepTemp(olderThan: Date): Promise<number>;
  /**
   * The keys of the permanent blobs (never temporary ones), in no particular order; with `modifiedBefore`,
   * only those of blobs last modified (written or promoted) before that date.
   */
  listKeys(options?: { modifiedBefore?: Date }): AsyncIterable<string>;
  /**
   * Whether the storage can be used now, cheaply (readiness): S3 asks for the bucket, disk creates or
   * opens its folder. Rejects with `DependencyUnavailableError('storage')`; it sets no timeout of its
   * own beyond the engine's, so a caller that needs an answer in time bounds it.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** There is no blob under the key (or no temporary blob under the temporary key). */
export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`No blob under ${key}`, options);
    this.key = key;
  }
}

/** The body carried more than the `maxBytes` allowed; nothing was kept. */
export class BlobTooLargeError extends Error {
  override name = 'BlobTooLargeError';
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`The body is larger than ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/** The range starts at or past the end of the blob (an HTTP 416). */
export class BlobRangeNotSatisfiableError extends Error {
  override name = 'BlobRangeNotSatisfiableError';
  readonly key: string;
  readonly range: ByteRange;

  constructor(key: string, range: ByteRange, options?: { cause?: unknown }) {
    super(`The range ${range.start}-${range.end} is not satisfiable for ${key}`, options);
    this.key = key;
    this.range = range;
  }
}

/** A key that is not a plain id: refused before it can reach a path or an object name. */
export class InvalidBlobKeyError extends Error {
  override name = 'InvalidBlobKeyError';
  readonly key: unknown;

  constructor(key: unknown) {
    super(`Invalid blob key: ${JSON.stringify(key)}`);
    this.key = key;
  }
}

const KEY = /^[A-Za-z0-9-]{1,128}$/;

export const isBlobKey = (key: unknown): key is string => typeof key === 'string' && KEY.test(key);

/**
 * Keys become file names and object names, so nothing but letters, digits and dashes gets through: no
 * separator, no dot, nothing empty, nothing longer than a file name may be.
 */
export function assertBlobKey(key: unknown): asserts key is string {
  if (!isBlobKey(key)) throw new InvalidBlobKeyError(key);
}

/** A malformed range is the caller's bug, not the client's: a RangeError, not a 416. */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
}

export function assertMaxBytes(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw new RangeError(`maxBytes must be a whole number of bytes, got ${maxBytes}`);
  }
}

/** `writeTemp` owns its body: when the limit itself is invalid, the body is destroyed before the error is thrown. */
export function checkMaxBytesFor(body: Readable, maxBytes: number | undefined): void {
  try {
    assertMaxBytes(maxBytes);
  } catch (err) {
    body.destroy();
    throw err;
  }
}

/**
 * Passes bytes through, counting them, and fails with `BlobTooLargeError` as soon as there are more than
 * `maxBytes`. It remembers the first error it was destroyed with, whichever stream raised it, so a writer
 * can report the cause rather than whatever failed next (an aborted upload, a closed file).
 */
export class ByteCounter extends Transform {
  bytes = 0;
  failure: Error | undefined;
  readonly #maxBytes: number;

  constructor(maxBytes = Number.POSITIVE_INFINITY) {
    super();
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#maxBytes) callback(new BlobTooLargeError(this.#maxBytes));
    else callback(null, chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error) this.failure ??= error;
    callback(error);
  }
}

/**
 * Finds the permanent blobs the database has no row for and deletes them (the startup sweep). Only blobs
 * last modified before `olderThan` are considered: a younger one may belong to an upload that has been
 * promoted and whose row is about to be committed, on this instance or another. Keys are looked up in
 * batches, so the database answers `where key in (...)` instead of listing every key it knows.
 */
export async function deleteOrphanedBlobs(
  storage: BlobStorage,
  options: {
    /** Of the keys given, those the database has a row for. */
    known: (keys: readonly string[]) => Promise<Iterable<string>>;
    olderThan: Date;
    batchSize?: number;
    /** Stops the sweep between two requests (shutdown); it rejects with the signal's reason. */
    signal?: AbortSignal | undefined;
  },
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let deleted = 0;
  const settle = async (batch: string[]): Promise<void> => {
    options.signal?.throwIfAborted();
    const known = new Set(await options.known(batch));
    for (const key of batch) {
      options.signal?.throwIfAborted();
      if (known.has(key)) continue;
      await storage.delete(key);
      deleted++;
    }
  };
  let batch: string[] = [];
  for await (const key of storage.listKeys({ modifiedBefore: options.olderThan })) {
    batch.push(key);
    if (batch.length >= batchSize) {
      await settle(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await settle(batch);
  return deleted;
}
