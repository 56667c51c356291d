import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withBucket, type S3Server } from './s3-server.ts';

/**
 * s3rver (3.7.1) keeps the multipart uploads it is sent, in `<bucket>/._S3rver_uploads/<uploadId>/` (the
 * key, the metadata, one file per part), but answers ListMultipartUploads with 501 NotImplemented and
 * AbortMultipartUpload with 405 MethodNotAllowed. This test-only extension answers those two requests
 * from that same folder, so that the sweep of unfinished uploads can be tested over HTTP against uploads
 * a real server created (CreateMultipartUpload, UploadPart). What it leaves out: it checks no signature
 * (the two requests are answered before s3rver's authentication), it lists uploads by key then upload
 * id (S3: by key then initiation), and an upload's initiation time is that of its `key` file.
 */

const require = createRequire(import.meta.url);

type Query = Record<string, string | string[] | undefined>;
/** The parts of a Koa context used here. */
type Context = { method: string; path: string; query: Query; status: number; body: unknown };
type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;
type FilesystemStore = {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(name: string): Promise<unknown>;
};
type S3rver = {
  middleware: Middleware[];
  store: FilesystemStore;
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};
type S3rverOptions = { port: number; address: string; silent: boolean; directory: string };
type S3ErrorClass = new (code: string, message?: string, detail?: Record<string, string>) => Error;

const S3rverClass = require('s3rver') as new (options: S3rverOptions) => S3rver;
const S3Error = require('s3rver/lib/models/error') as S3ErrorClass;

type StoredUpload = { key: string; uploadId: string; initiated: Date };

const one = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function storedUploads(store: FilesystemStore, bucket: string): Promise<StoredUpload[]> {
  const root = store.getResourcePath(bucket, undefined, 'uploads');
  let ids: string[];
  try {
    ids = await readdir(root);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const uploads = await Promise.all(
    ids.map(async (uploadId): Promise<StoredUpload | undefined> => {
      const keyFile = path.join(root, uploadId, 'key');
      try {
        const [key, { mtime }] = await Promise.all([readFile(keyFile, 'utf8'), stat(keyFile)]);
        return { key, uploadId, initiated: mtime };
      } catch (err) {
        // Completed or aborted since the folder was read.
        if (isMissing(err)) return undefined;
        throw err;
      }
    }),
  );
  return uploads
    .filter((u): u is StoredUpload => u !== undefined)
    .sort((a, b) => (a.key === b.key ? cmp(a.uploadId, b.uploadId) : cmp(a.key, b.key)));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** After the markers: keys past `key-marker`, and for that key, upload ids past `upload-id-marker`. */
function afterMarkers(uploads: StoredUpload[], query: Query): StoredUpload[] {
  const keyMarker = one(query['key-marker']);
  const uploadIdMarker = one(query['upload-id-marker']);
  if (!keyMarker) return uploads;
  return uploads.filter(
    (u) => u.key > keyMarker || (u.key === keyMarker && !!uploadIdMarker && u.uploadId > uploadIdMarker),
  );
}

async function listMultipartUploads(ctx: Context, store: FilesystemStore, bucket: string): Promise<void> {
  const prefix = one(ctx.query.prefix) ?? '';
  const maxUploads = Math.min(1000, Number(one(ctx.query['max-uploads']) ?? 1000));
  const candidates = afterMarkers(await storedUploads(store, bucket), ctx.query).filter((u) =>
    u.key.startsWith(prefix),
  );
  const page = candidates.slice(0, maxUploads);
  const last = page.at(-1);
  const truncated = candidates.length > page.length && last !== undefined;
  const owner = { ID: '123456789000', DisplayName: 'S3rver' };
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: bucket,
      KeyMarker: one(ctx.query['key-marker']) ?? '',
      UploadIdMarker: one(ctx.query['upload-id-marker']) ?? '',
      ...(truncated && { NextKeyMarker: last.key, NextUploadIdMarker: last.uploadId }),
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      ...(page.length > 0 && {
        Upload: page.map((u) => ({
          Key: u.key,
          UploadId: u.uploadId,
          Initiator: owner,
          Owner: owner,
          StorageClass: 'STANDARD',
          Initiated: u.initiated.toISOString(),
        })),
      }),
    },
  };
}

async function abortMultipartUpload(
  ctx: Context,
  store: FilesystemStore,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  const dir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), path.basename(uploadId));
  let storedKey: string | undefined;
  try {
    storedKey = await readFile(path.join(dir, 'key'), 'utf8');
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  if (storedKey !== key) {
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  }
  await rm(dir, { recursive: true, force: true });
  ctx.status = 204;
}

/** Answers ListMultipartUploads and AbortMultipartUpload; hands every other request to s3rver. */
function multipartUploads(store: FilesystemStore): Middleware {
  return async (ctx, next) => {
    const [bucket = '', ...rest] = ctx.path.split('/').slice(1).map(decodeURIComponent);
    const key = rest.join('/');
    const list = ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query;
    const uploadId = one(ctx.query.uploadId);
    const abort = ctx.method === 'DELETE' && bucket && key && uploadId;
    if (!list && !abort) return next();
    if (!(await store.getBucket(bucket)))
      throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    if (list) await listMultipartUploads(ctx, store, bucket);
    else await abortMultipartUpload(ctx, store, bucket, key, uploadId ?? '');
  };
}

/**
 * s3rver with the extension above, in this process, on a loopback port of its own and with a bucket
 * created; `close` stops it and removes its folder. In this process, a ListObjectsV2 listing must fit on
 * one page: s3rver's continuation tokens need OpenSSL's legacy provider (see s3-server.ts).
 */
export async function startS3ServerWithMultipartUploads(): Promise<S3Server & { directory: string }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'taskvault-s3-uploads-'));
  const server = new S3rverClass({ port: 0, address: '127.0.0.1', silent: true, directory });
  // Koa composes its middleware when it starts listening: placed before the last one, s3rver's router,
  // it runs after s3rver's logging, XML encoding and virtual-host handling.
  server.middleware.splice(server.middleware.length - 1, 0, multipartUploads(server.store));
  const { port } = await server.run();
  const stop = async (): Promise<void> => {
    server.httpServer?.closeAllConnections();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  };
  return { ...(await withBucket(`http://127.0.0.1:${port}`, stop)), directory };
}
