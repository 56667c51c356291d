import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
  type MultipartUpload,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from 'pino';
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

export type S3StorageConfig = Extract<Config['storage'], { engine: 's3' }>;

/** Connecting, and any silence on a request's socket (S3_CONNECT_TIMEOUT_MS, S3_REQUEST_TIMEOUT_MS). */
export type S3Timeouts = Config['dependencies']['s3'];

/**
 * The defaults of S3_CONNECT_TIMEOUT_MS and S3_REQUEST_TIMEOUT_MS, for tools and tests that build a storage
 * themselves.
 */
export const DEFAULT_S3_TIMEOUTS: S3Timeouts = { connectTimeoutMs: 2_000, requestTimeoutMs: 10_000 };

/**
 * Attempts per request, the first included. One retry absorbs a dropped connection or a single 503; more
 * would multiply the time a request waits on a bucket that is down before it can answer 503 itself.
 */
const MAX_ATTEMPTS = 2;

export type S3BlobStorageOptions = {
  logger?: Logger | undefined;
  timeouts?: S3Timeouts | undefined;
  /**
   * Keys per ListObjectsV2 page and uploads per ListMultipartUploads page (at most 1000, S3's own limit);
   * tests lower it to exercise paging.
   */
  listPageSize?: number;
  /** Multipart uploads: bytes per part (at least 5 MiB) and parts in flight. Memory per upload is about their product. */
  partSize?: number;
  queueSize?: number;
};

const TMP = 'tmp/';
const BLOBS = 'blobs/';

const isS3Error = (err: unknown, ...names: string[]): boolean =>
  err instanceof S3ServiceException && names.includes(err.name);

/** Answers that mean "slow down" (the names the SDK's own retry strategy treats as throttling). */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

/** Failures of the connection itself: nothing, or nothing whole, came back. */
const NETWORK_ERRORS = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Why `err` means that the bucket is unavailable (unreachable, silent past a timeout, failing with a 5xx or
 * throttling), or undefined when it is an answer to the request: a missing key, a refusal, a bug of ours.
 */
function unavailability(err: unknown): string | undefined {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    if (THROTTLING.has(err.name) || status === 429) return `throttled: ${status ?? 'no status'} ${err.name}`;
    // S3 waited too long for a request's bytes. Parts and small bodies are sent from memory, so it is the
    // link to the bucket that stalled, not our client.
    if (err.name === 'RequestTimeout') return `answered ${status ?? 'without a status'} ${err.name}`;
    // 501 Not Implemented is a lasting answer of a server without that operation, not an outage.
    if (status !== undefined && status >= 500 && status !== 501) return `answered ${status} ${err.name}`;
    return undefined;
  }
  if (!(err instanceof Error)) return undefined;
  // The request handler's connection and socket timeouts.
  if (err.name === 'TimeoutError') return err.message;
  const { code } = err as NodeJS.ErrnoException;
  if (code !== undefined && NETWORK_ERRORS.has(code)) return err.message || code;
  return undefined;
}

/**
 * The one translation of S3 failures: those that mean the bucket is unavailable become
 * `DependencyUnavailableError('storage')` (answered 503 with Retry-After); any other error is returned as
 * it is, for the callers to turn into `BlobNotFoundError` and the like.
 */
export function asStorageFailure(err: unknown, operation: string): unknown {
  if (err instanceof DependencyUnavailableError) return err;
  const reason = unavailability(err);
  return reason === undefined
    ? err
    : new DependencyUnavailableError('storage', `S3 ${operation} failed: ${reason}`, { cause: err });
}

/** What a ping reports when the bucket answered, but not with a yes. */
function refusal(err: unknown): string {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    if (status === 404) return 'the bucket does not exist';
    if (status === 403) return 'access to the bucket is denied';
    return `answered ${status ?? 'without a status'} ${err.name}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** HeadObject and HeadBucket answer without a body, so a missing object is only a 404 there. */
const isNotFound = (err: unknown): boolean =>
  isS3Error(err, 'NoSuchKey', 'NotFound') ||
  (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404 && err.name !== 'NoSuchBucket');

/** `bytes 0-99/1234` → its numbers; undefined when absent or not in that form. */
function parseContentRange(
  header: string | undefined,
): { start: number; end: number; total?: number } | undefined {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header) : null;
  if (!match) return undefined;
  const [, start, end, total] = match;
  return { start: Number(start), end: Number(end), ...(total !== '*' && { total: Number(total) }) };
}

/** `length` bytes of `source` after the first `skip`; the source is let go as soon as they have passed. */
async function* slice(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let offset = 0;
  // Leaving the loop early destroys the source.
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const from = Math.max(0, skip - offset);
    const to = Math.min(chunk.length, skip + length - offset);
    offset += chunk.length;
    if (to > from) yield chunk.subarray(from, to);
    if (offset >= skip + length) return;
  }
}

/**
 * Blobs as objects in an S3(-compatible) bucket: `tmp/<random>` while uploading, `blobs/<key>` once
 * promoted. Promoting is a server-side CopyObject and a DeleteObject; the copy is what counts, so a
 * temporary object that fails to be deleted afterwards is only left for `sweepTemp`.
 *
 * Every request has a connection timeout and a socket idle timeout and is retried once; what still fails
 * because the bucket is unreachable, silent, failing (5xx) or throttling rejects with
 * `DependencyUnavailableError('storage')` (see `asStorageFailure`).
 */
export class S3BlobStorage implements BlobStorage {
  readonly bucket: string;
  readonly #client: S3Client;
  readonly #region: string;
  readonly #logger: Logger | undefined;
  readonly #listPageSize: number;
  readonly #partSize: number | undefined;
  readonly #queueSize: number | undefined;
  #uploadListingUnsupported = false;

  constructor(config: S3StorageConfig, options: S3BlobStorageOptions = {}) {
    this.bucket = config.bucket;
    this.#region = config.region;
    this.#logger = options.logger;
    this.#listPageSize = options.listPageSize ?? 1000;
    this.#partSize = options.partSize;
    this.#queueSize = options.queueSize;
    const timeouts = options.timeouts ?? DEFAULT_S3_TIMEOUTS;
    const clientConfig: S3ClientConfig = {
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.credentials && { credentials: config.credentials }),
      maxAttempts: MAX_ATTEMPTS,
      // The options of the SDK's NodeHttpHandler. Its `requestTimeout` only warns unless told to throw,
      // and is cleared once the headers arrive; `socketTimeout` is the idle timeout S3_REQUEST_TIMEOUT_MS
      // means, and it also covers a response body that stops flowing.
      requestHandler: {
        connectionTimeout: timeouts.connectTimeoutMs,
        socketTimeout: timeouts.requestTimeoutMs,
      },
    };
    if (config.endpoint) {
      clientConfig.endpoint = config.endpoint;
      // S3-compatible servers vary in their support for the checksums the SDK now adds to every request
      // by default; send them only where the API requires them (as it did before SDK 3.729).
      clientConfig.requestChecksumCalculation = 'WHEN_REQUIRED';
      clientConfig.responseChecksumValidation = 'WHEN_REQUIRED';
    }
    this.#client = new S3Client(clientConfig);
    // Outermost, so that it sees what is left once the retries are spent; every request goes through it,
    // those of lib-storage's Upload included.
    this.#client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (err) {
          throw asStorageFailure(err, (context.commandName ?? 'request').replace(/Command$/, ''));
        }
      },
      { step: 'initialize', priority: 'high', name: 'taskvaultStorageUnavailable' },
    );
  }

  /** Whether the bucket answers (HeadBucket); any failure is a DependencyUnavailableError. */
  async ping(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if (err instanceof DependencyUnavailableError) throw err;
      throw new DependencyUnavailableError('storage', `S3 bucket ${this.bucket}: ${refusal(err)}`, {
        cause: err,
      });
    }
  }

  /** Creates the bucket unless it exists (startup, tests). */
  async ensureBucket(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err) && !isS3Error(err, 'NoSuchBucket')) throw err;
    }
    try {
      await this.#client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that refuses to be named here.
          ...(this.#region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: this.#region as BucketLocationConstraint },
          }),
        }),
      );
    } catch (err) {
      // Created meanwhile, by another instance.
      if (!isS3Error(err, 'BucketAlreadyOwnedByYou')) throw err;
    }
  }

  async writeTemp(
    body: Readable,
    options: { maxBytes?: number } = {},
  ): Promise<{ tempKey: string; size: number }> {
    checkMaxBytesFor(body, options.maxBytes);
    const tempKey = randomUUID();
    const counter = new ByteCounter(options.maxBytes);
    // An error of either stream destroys both, and the counter keeps it; settled at once, so a failure
    // that comes before the upload notices is never an unhandled rejection.
    const piped = pipeline(body, counter).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error('The body stream failed', { cause: err })),
    );
    try {
      const upload = new Upload({
        client: this.#client,
        params: { Bucket: this.bucket, Key: TMP + tempKey, Body: counter },
        ...(this.#partSize !== undefined && { partSize: this.#partSize }),
        ...(this.#queueSize !== undefined && { queueSize: this.#queueSize }),
      });
      // The upload is stopped by failing its body rather than by upload.abort(): abort() settles at once,
      // while a part or a PutObject may still be in flight; a failed body settles done() only after every
      // request has, a multipart upload having been aborted.
      await upload.done();
      const failure = await piped;
      if (failure) throw failure;
    } catch (err) {
      counter.destroy();
      await piped;
      // Nothing should have landed, but a temporary object left here would only wait for the sweep. A
      // bucket that could not be reached would not delete it either: the sweep will, and the caller hears
      // of the outage without waiting for another round of timeouts.
      if (!(err instanceof DependencyUnavailableError)) {
        await this.#deleteObject(TMP + tempKey).catch((cleanupError: unknown) =>
          this.#logger?.warn({ err: cleanupError, tempKey }, 'could not delete a failed temporary blob'),
        );
      }
      // The cause rather than a consequence (an upload aborted because its body failed, or the failed
      // abort of that upload).
      throw counter.failure ?? err;
    }
    return { tempKey, size: counter.bytes };
  }

  async promote(tempKey: string, key: string): Promise<void> {
    assertBlobKey(tempKey);
    assertBlobKey(key);
    try {
      // Single-request copy: objects up to 5 GiB.
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: BLOBS + key,
          CopySource: `${this.bucket}/${TMP}${tempKey}`,
        }),
      );
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(TMP + tempKey, { cause: err });
      throw err;
    }
    try {
      await this.#deleteObject(TMP + tempKey);
    } catch (err) {
      this.#logger?.warn(
        { err, tempKey },
        'promoted a temporary blob but could not delete it; the sweep will',
      );
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertBlobKey(key);
    if (range) assertByteRange(range);
    let answer;
    try {
      answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: BLOBS + key,
          ...(range && { Range: `bytes=${range.start}-${range.end}` }),
        }),
      );
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key, { cause: err });
      if (range && isS3Error(err, 'InvalidRange'))
        throw new BlobRangeNotSatisfiableError(key, range, { cause: err });
      throw err;
    }
    const body = answer.Body;
    if (!(body instanceof Readable)) throw new Error('Expected the object body as a Node stream');
    if (!range) return body;
    // Servers differ at the edges: some ignore a range (200 with the whole object), some serve a longer
    // one than asked (s3rver turns `bytes=0-0` into the whole object) or an empty one of an empty object.
    // Whatever came, the caller gets exactly the bytes of the range, or the same refusal as on disk.
    const served = parseContentRange(answer.ContentRange) ?? { start: 0, end: undefined, total: undefined };
    const total = served.total ?? (answer.ContentRange ? undefined : answer.ContentLength);
    if (total !== undefined && range.start >= total) {
      body.destroy();
      throw new BlobRangeNotSatisfiableError(key, range);
    }
    if (served.start > range.start) {
      body.destroy();
      throw new Error(`Asked for bytes ${range.start}-${range.end}, got ${answer.ContentRange}`);
    }
    const length = range.end - range.start + 1;
    if (
      served.start === range.start &&
      answer.ContentLength !== undefined &&
      answer.ContentLength <= length
    ) {
      return body;
    }
    return Readable.from(slice(body, range.start - served.start, length), { objectMode: false });
  }

  async size(key: string): Promise<number | null> {
    assertBlobKey(key);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: BLOBS + key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.#deleteObject(BLOBS + key);
  }

  async deleteTemp(tempKey: string): Promise<void> {
    assertBlobKey(tempKey);
    await this.#deleteObject(TMP + tempKey);
  }

  /**
   * Deletes the temporary objects last modified before `olderThan`, and aborts the multipart uploads under
   * `tmp/` initiated before it: lib-storage's Upload sends a body of more than one part as a multipart
   * upload, which a process killed mid-upload never completes nor aborts, and whose parts are kept (and
   * billed) until something does. An upload still running after the grace period is aborted too: its
   * next part fails, and so does its request.
   */
  async sweepTemp(olderThan: Date): Promise<number> {
    const deleted = await this.#deleteTemporaryObjects(olderThan);
    return deleted + (await this.#abortUploads(olderThan));
  }

  async #deleteTemporaryObjects(olderThan: Date): Promise<number> {
    let deleted = 0;
    // A page at a time: deleting what a page listed does not disturb the listing of the next ones.
    for await (const page of this.#pages(TMP)) {
      const stale = page.filter((o) => o.lastModified !== undefined && o.lastModified < olderThan);
      if (stale.length === 0) continue;
      const answer = await this.#client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: stale.map((o) => ({ Key: TMP + o.name })), Quiet: true },
        }),
      );
      const errors = answer.Errors ?? [];
      deleted += stale.length - errors.length;
      const [first] = errors;
      if (first) {
        throw new Error(
          `Could not delete ${errors.length} temporary blob(s), ${first.Key}: ${first.Code} ${first.Message}`,
        );
      }
    }
    return deleted;
  }

  /** Aborts the unfinished multipart uploads under `tmp/` initiated before `olderThan`; how many it aborted. */
  async #abortUploads(olderThan: Date): Promise<number> {
    let aborted = 0;
    try {
      // Aborting what a page listed does not disturb the next pages, which start after its last upload.
      for await (const page of this.#uploadPages()) {
        for (const { Key, UploadId, Initiated } of page) {
          if (!Key?.startsWith(TMP) || !UploadId || Initiated === undefined || Initiated >= olderThan)
            continue;
          if (await this.#abortUpload(Key, UploadId)) aborted++;
        }
      }
    } catch (err) {
      if (!isS3Error(err, 'NotImplemented')) throw err;
      // Some S3-compatible servers (s3rver among them) cannot list uploads; said once, not at every sweep.
      if (!this.#uploadListingUnsupported) {
        this.#uploadListingUnsupported = true;
        this.#logger?.warn(
          { err, bucket: this.bucket },
          'this S3 server cannot list multipart uploads: unfinished ones are not swept (a lifecycle rule with AbortIncompleteMultipartUpload on the bucket removes them)',
        );
      }
    }
    return aborted;
  }

  /** False when the upload was gone already (completed, or aborted by another instance's sweep). */
  async #abortUpload(objectKey: string, uploadId: string): Promise<boolean> {
    try {
      await this.#client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId: uploadId }),
      );
      return true;
    } catch (err) {
      if (isS3Error(err, 'NoSuchUpload')) return false;
      throw err;
    }
  }

  async *listKeys(options: { modifiedBefore?: Date } = {}): AsyncIterable<string> {
    const { modifiedBefore } = options;
    for await (const page of this.#pages(BLOBS)) {
      for (const { name, lastModified } of page) {
        if (!isBlobKey(name)) continue;
        if (modifiedBefore !== undefined && (lastModified === undefined || lastModified >= modifiedBefore))
          continue;
        yield name;
      }
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  /** The objects under `prefix`, a ListObjectsV2 page at a time, named without the prefix. */
  async *#pages(prefix: string): AsyncGenerator<{ name: string; lastModified: Date | undefined }[]> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: this.#listPageSize,
          ...(token && { ContinuationToken: token }),
        }),
      );
      yield (page.Contents ?? [])
        .filter((o) => o.Key?.startsWith(prefix))
        .map((o) => ({ name: (o.Key ?? '').slice(prefix.length), lastModified: o.LastModified }));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The multipart uploads under `tmp/`, a ListMultipartUploads page at a time. */
  async *#uploadPages(): AsyncGenerator<MultipartUpload[]> {
    let marker: { key: string; uploadId: string | undefined } | undefined;
    do {
      const page = await this.#client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: TMP,
          MaxUploads: this.#listPageSize,
          ...(marker && { KeyMarker: marker.key }),
          ...(marker?.uploadId && { UploadIdMarker: marker.uploadId }),
        }),
      );
      yield page.Uploads ?? [];
      const next =
        page.IsTruncated && page.NextKeyMarker
          ? { key: page.NextKeyMarker, uploadId: page.NextUploadIdMarker }
          : undefined;
      // A server that says there is more without moving on would have this loop forever.
      if (next && marker && next.key === marker.key && next.uploadId === marker.uploadId)
        throw new Error(`ListMultipartUploads repeated its page after ${next.key} ${next.uploadId}`);
      marker = next;
    } while (marker);
  }

  async #deleteObject(objectKey: string): Promise<void> {
    // S3 answers 204 whether or not the object existed.
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
  }
}
