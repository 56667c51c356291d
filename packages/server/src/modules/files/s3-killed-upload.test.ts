/**
 * The real server (`node src/main.ts`) on S3, killed with SIGKILL in the middle of an upload large enough
 * to be a multipart upload: the unfinished multipart upload stays in the bucket, and the start-up sweep of
 * the next start aborts it. The bucket is s3rver with multipart upload listing (see
 * test/s3rver-multipart-uploads.ts); the database is PGlite under a temporary DATA_DIR.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerAndLogin } from '../../../test/api.ts';
import { largeTextFixture } from '../../../test/file-fixtures.ts';
import { rawUpload, waitUntil } from '../../../test/files-api.ts';
import type { S3Server } from '../../../test/s3-server.ts';
import { startS3ServerWithMultipartUploads } from '../../../test/s3rver-multipart-uploads.ts';
import { spawnServer, type SpawnedServer } from '../../../test/spawn-server.ts';

const MiB = 1024 * 1024;

let s3: S3Server;
let admin: S3Client;
let dataDir: string;
const servers: SpawnedServer[] = [];

beforeAll(async () => {
  s3 = await startS3ServerWithMultipartUploads();
  const { region, endpoint, forcePathStyle, credentials } = s3.storageConfig;
  admin = new S3Client({ region, endpoint, forcePathStyle, credentials });
  dataDir = await mkdtemp(path.join(tmpdir(), 'taskvault-killed-upload-'));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  admin?.destroy();
  await s3?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({
  DATA_DIR: dataDir,
  S3_BUCKET: s3.bucket,
  S3_ENDPOINT: s3.endpoint,
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
  S3_FORCE_PATH_STYLE: 'true',
  REQUIRE_EMAIL_VERIFICATION: 'false',
});

async function start(extra: Record<string, string> = {}): Promise<SpawnedServer> {
  const server = await spawnServer({ ...env(), ...extra });
  servers.push(server);
  return server;
}

async function uploadsUnderTmp(): Promise<string[]> {
  const listed = await admin.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'tmp/' }));
  return (listed.Uploads ?? []).map((u) => u.Key ?? '');
}

it('a server killed mid-upload leaves a multipart upload, which the next start sweeps', async () => {
  const first = await start();
  const token = (await registerAndLogin(first.url)).access;
  // Announces 16 MiB and sends a little over one 5 MiB part.
  const request = rawUpload(first.url, token, 16 * MiB);
  const content = largeTextFixture(5 * MiB + 256 * 1024).bytes;
  await request.start;
  await request.write(content);
  await waitUntil(
    'the server has started a multipart upload',
    async () => (await uploadsUnderTmp()).length === 1,
    10_000,
  );

  process.kill(first.pid, 'SIGKILL');
  await first.stop();
  request.req.destroy();
  const [left] = await uploadsUnderTmp();
  expect(left).toMatch(/^tmp\//);

  // A grace period of 0: whatever was left before the start is swept.
  const second = await start({ UPLOAD_SWEEP_GRACE_SECONDS: '0' });
  await waitUntil(
    'the start-up sweep has removed the leftovers',
    () => second.lines.some((l) => l.includes('removed the leftovers of interrupted uploads from storage')),
    10_000,
  );
  const report = JSON.parse(second.lines.find((l) => l.includes('removed the leftovers')) ?? '{}') as {
    temporary?: number;
  };
  expect(report.temporary).toBe(1);
  expect(await uploadsUnderTmp()).toEqual([]);
  const objects = await admin.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  expect((objects.Contents ?? []).map((o) => o.Key)).toEqual([]);
  expect(await second.stop()).toBe(0);
});
