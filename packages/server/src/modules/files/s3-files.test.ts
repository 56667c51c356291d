/**
 * The files API on the S3 engine (s3rver over HTTP): the same answers as on disk, with the bucket holding
 * exactly one object per file (`blobs/<id>`), and nothing at all, temporary objects included, for uploads
 * that were refused or abandoned.
 */
import type { FileMeta, FileType } from '@taskvault/contract';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError, jsonClient, signUpVerifiedUser, type Ok } from '../../../test/api.ts';
import {
  largeTextFixture,
  rejectedFixtures,
  sha256,
  validFixtures,
  type Fixture,
} from '../../../test/file-fixtures.ts';
import { downloadLink, fetchBytes, rawUpload, upload, waitUntil } from '../../../test/files-api.ts';
import { startTestServer, type TestServer } from '../../../test/harness.ts';
import { startS3Server, type S3Server } from '../../../test/s3-server.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { S3BlobStorage } from '../../platform/storage/s3-storage.ts';
import { StoredFile } from './stored-file.entity.ts';

const MiB = 1024 * 1024;
// Above the 5 MiB multipart part size, so that large uploads (and refusals) go through multipart uploads.
const MAX_UPLOAD = 6 * MiB;

let s3: S3Server | undefined;
let sink: SmtpSink | undefined;
let srv: TestServer;
/** The same bucket as the server's, through the storage's own view of it and through a plain client. */
let storage: S3BlobStorage | undefined;
let admin: S3Client | undefined;

beforeAll(async () => {
  s3 = await startS3Server();
  sink = await startSmtpSink();
  const { bucket, endpoint, region, credentials } = s3.storageConfig;
  srv = await startTestServer({
    SMTP_URL: sink.url,
    S3_BUCKET: bucket,
    S3_ENDPOINT: endpoint ?? s3.endpoint,
    S3_REGION: region,
    S3_ACCESS_KEY_ID: credentials?.accessKeyId ?? 'S3RVER',
    S3_SECRET_ACCESS_KEY: credentials?.secretAccessKey ?? 'S3RVER',
    S3_FORCE_PATH_STYLE: 'true',
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    LOGIN_IP_MAX_ATTEMPTS: '10000',
  });
  storage = new S3BlobStorage(s3.storageConfig);
  admin = new S3Client({ region, endpoint, forcePathStyle: true, credentials });
});

afterAll(async () => {
  await srv?.close();
  await storage?.close();
  admin?.destroy();
  await sink?.close();
  await s3?.close();
});

const mail = (): SmtpSink => {
  if (!sink) throw new Error('the SMTP sink is not running');
  return sink;
};
const blobs = (): S3BlobStorage => {
  if (!storage) throw new Error('beforeAll has not run');
  return storage;
};

/** Every object in the bucket, temporary (`tmp/…`) and permanent (`blobs/…`), sorted. */
async function objects(): Promise<string[]> {
  if (!s3 || !admin) throw new Error('beforeAll has not run');
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await admin.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, ...(token && { ContinuationToken: token }) }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function permanentKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobs().listKeys()) keys.push(key);
  return keys.sort();
}

/** A refused upload's temporary object is deleted when the request ends: wait until the bucket is back. */
async function expectBucketBackTo(before: string[]): Promise<void> {
  await waitUntil(
    'no temporary object is left',
    async () => !(await objects()).some((k) => k.startsWith('tmp/')),
  );
  expect(await objects()).toEqual(before);
}

const user = () => signUpVerifiedUser(srv, mail());
const uploadAs = (token: string, file: Fixture) => upload(srv.baseUrl, { token, file });

async function uploaded(token: string, file: Fixture): Promise<FileMeta> {
  const res = await uploadAs(token, file);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

describe('uploads and downloads on S3', () => {
  const types: FileType[] = ['pdf', 'png', 'jpeg', 'docx', 'zip', 'txt', 'json'];

  it.each(types)('a %s file: one object under blobs/, downloaded byte for byte', async (type) => {
    const { tokens } = await user();
    const fixture = validFixtures[type];
    const before = await objects();
    const file = await uploaded(tokens.access, fixture);
    expect(file).toMatchObject({ type, size: fixture.bytes.length, sha256: sha256(fixture.bytes) });
    // The temporary object was copied to its key and deleted.
    expect(await objects()).toEqual([...before, `blobs/${file.id}`].sort());
    expect(await blobs().size(file.id)).toBe(fixture.bytes.length);

    const link = await downloadLink(srv.baseUrl, tokens.access, file.id);
    expect(link.status).toBe(200);
    const content = await fetchBytes(link.local);
    expect(content.status).toBe(200);
    expect(sha256(content.bytes)).toBe(sha256(fixture.bytes));
    expect(content.headers.get('content-length')).toBe(String(fixture.bytes.length));
    expect(content.headers.get('etag')).toBe(`"${file.sha256}"`);
  });

  it('a file larger than one multipart part arrives whole', async () => {
    const { tokens } = await user();
    const fixture = largeTextFixture(5 * MiB + 123_457);
    const file = await uploaded(tokens.access, fixture);
    expect(await blobs().size(file.id)).toBe(fixture.bytes.length);
    const content = await fetchBytes((await downloadLink(srv.baseUrl, tokens.access, file.id)).local);
    expect(content.status).toBe(200);
    expect(content.bytes.length).toBe(fixture.bytes.length);
    expect(sha256(content.bytes)).toBe(sha256(fixture.bytes));
  });

  it('Range: 206 with exactly the bytes asked for; past the end: 416', async () => {
    const { tokens } = await user();
    const fixture = validFixtures.pdf;
    const size = fixture.bytes.length;
    const file = await uploaded(tokens.access, fixture);
    const { local } = await downloadLink(srv.baseUrl, tokens.access, file.id);

    const cases: [range: string, start: number, end: number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=0-0', 0, 0],
      ['bytes=100-199', 100, 199],
      ['bytes=-5', size - 5, size - 1],
      [`bytes=${size - 3}-`, size - 3, size - 1],
      [`bytes=10-${size + 1000}`, 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const part = await fetchBytes(local, { headers: { range } });
      expect(part.status, range).toBe(206);
      expect(part.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(part.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect(part.bytes.equals(fixture.bytes.subarray(start, end + 1)), range).toBe(true);
    }

    const past = await fetchBytes(local, { headers: { range: `bytes=${size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(JSON.parse(past.bytes.toString())).toMatchObject({
      success: false,
      code: 'RANGE_NOT_SATISFIABLE',
    });
  });

  it('HEAD: the headers of the download without its bytes', async () => {
    const { tokens } = await user();
    const fixture = validFixtures.png;
    const file = await uploaded(tokens.access, fixture);
    const { local } = await downloadLink(srv.baseUrl, tokens.access, file.id);
    const head = await fetchBytes(local, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.bytes.length).toBe(0);
    expect(head.headers.get('content-length')).toBe(String(fixture.bytes.length));
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(head.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
  });

  it('DELETE removes the object; its link answers 404', async () => {
    const { tokens } = await user();
    const file = await uploaded(tokens.access, validFixtures.docx);
    const { local } = await downloadLink(srv.baseUrl, tokens.access, file.id);
    expect(await permanentKeys()).toContain(file.id);

    const res = await jsonClient(srv.baseUrl).delete(`/api/v1/files/${file.id}`, { token: tokens.access });
    expect(res.status).toBe(204);
    expect(await blobs().size(file.id)).toBeNull();
    expect(await permanentKeys()).not.toContain(file.id);
    expect(await objects()).not.toContain(`blobs/${file.id}`);
    expect((await fetchBytes(local)).status).toBe(404);
  });
});

describe('what S3 keeps of uploads that did not succeed: nothing', () => {
  it('content refused after it was stored: 400, and its temporary object is deleted', async () => {
    const { user: owner, tokens } = await user();
    const before = await objects();
    for (const file of [rejectedFixtures.elfAsPng, rejectedFixtures.pngAsJpg, rejectedFixtures.textWithNul]) {
      expectError(await uploadAs(tokens.access, file), 400, 'UNSUPPORTED_FILE_TYPE');
      await expectBucketBackTo(before);
    }
    expect(await srv.orm.em.fork().count(StoredFile, { owner: owner.id })).toBe(0);
  });

  it('a file over MAX_UPLOAD_BYTES, past the first multipart part: 413, and no object', async () => {
    const { user: owner, tokens } = await user();
    const before = await objects();
    expectError(await uploadAs(tokens.access, largeTextFixture(MAX_UPLOAD + 1)), 413, 'PAYLOAD_TOO_LARGE');
    await expectBucketBackTo(before);
    expect(await srv.orm.em.fork().count(StoredFile, { owner: owner.id })).toBe(0);
  });

  it('a client that goes away mid-upload leaves no object and no row', async () => {
    const { user: owner, tokens } = await user();
    const before = await objects();
    // Watch the server's storage: when the upload starts, and how it ends.
    const writes: Array<{ settled: boolean; failed?: unknown }> = [];
    const server = srv.platform.storage;
    const writeTemp = server.writeTemp.bind(server);
    const spy = vi.spyOn(server, 'writeTemp').mockImplementation((body, options) => {
      const write: { settled: boolean; failed?: unknown } = { settled: false };
      writes.push(write);
      const result = writeTemp(body, options);
      result.then(
        () => (write.settled = true),
        (err: unknown) => Object.assign(write, { settled: true, failed: err }),
      );
      return result;
    });
    try {
      const request = rawUpload(srv.baseUrl, tokens.access, MAX_UPLOAD);
      const content = largeTextFixture(5 * MiB + 64 * 1024).bytes;
      await request.start;
      await request.write(content.subarray(0, 64 * 1024));
      await waitUntil('the server starts storing the upload', () => writes.length === 1);
      // More than one 5 MiB part, so that a multipart upload is under way on S3.
      await request.write(content.subarray(64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(request.outcome.response).toBeUndefined();
      request.req.destroy();

      await waitUntil('the storage gives up on the upload', () => writes[0]!.settled);
      // It failed because the client went away, not for some other reason.
      expect(writes[0]!.failed).toMatchObject({ name: 'ClientGoneError' });
      await expectBucketBackTo(before);
      expect(await srv.orm.em.fork().count(StoredFile, { owner: owner.id })).toBe(0);
      expect(request.outcome.response).toBeUndefined();
    } finally {
      spy.mockRestore();
    }

    // The server carries on.
    const next = await uploaded(tokens.access, validFixtures.gif);
    const list = await jsonClient(srv.baseUrl).get<Ok<{ items: FileMeta[] }>>('/api/v1/files', {
      token: tokens.access,
    });
    expect(list.body.data.items.map((f) => f.id)).toEqual([next.id]);
  });
});
