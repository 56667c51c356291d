import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { S3BlobStorage, type S3StorageConfig } from '../src/platform/storage/s3-storage.ts';

export type S3Server = {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  /** A bucket created on start. */
  bucket: string;
  /** The configuration `loadConfig` would build for this server and bucket (path-style, s3rver's keys). */
  storageConfig: S3StorageConfig;
  close(): Promise<void>;
};

const require = createRequire(import.meta.url);

/**
 * Runs in the child process: s3rver on a loopback port (the given one, else one of its own), announced on
 * stdout, until stdin closes (which it also does when the test process dies).
 */
const SERVER = `
const [, modulePath, directory, port = '0'] = process.argv;
const S3rver = require(modulePath);
new S3rver({ port: Number(port), address: '127.0.0.1', silent: true, directory }).run().then(
  (address) => {
    process.stdout.write(JSON.stringify({ port: address.port }) + '\\n');
    process.stdin.on('end', () => process.exit(0)).resume();
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
`;

/**
 * A real S3-compatible server (s3rver, over HTTP on loopback) keeping its objects in a temporary folder, with
 * a bucket created; `close` stops it and removes the folder.
 *
 * It runs in a child process started with --openssl-legacy-provider: s3rver encrypts its ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 only offers through that provider, so in this process any
 * truncated listing (paging) would fail with a 500.
 */
export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'taskvault-s3-'));
  const child = spawn(process.execPath, s3rverArguments(directory), { stdio: ['pipe', 'pipe', 'inherit'] });
  // Settled either way, so a child that fails to spawn is not also an unhandled rejection.
  const exited = once(child, 'exit').catch(() => undefined);
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`s3rver exited early (code ${code})`)));
      createInterface({ input: child.stdout }).once('line', (line) => {
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
  } catch (err) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw err;
  }

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  };

  return withBucket(`http://127.0.0.1:${port}`, stop);
}

/**
 * The running s3rver at `endpoint` once its bucket exists; when the bucket cannot be made, the server is
 * stopped (`stop`) and the error thrown. `close` stops it once, however often it is called.
 */
export async function withBucket(endpoint: string, stop: () => Promise<void>): Promise<S3Server> {
  const storageConfig = s3rverStorageConfig(endpoint);
  try {
    await ensureBucket(storageConfig);
  } catch (err) {
    await stop();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return { endpoint, bucket: storageConfig.bucket, storageConfig, close: () => (closing ??= stop()) };
}

/**
 * The Node arguments of a child running s3rver on `port` (0: one of its own) with its objects in
 * `directory`; it ends when its stdin closes.
 */
export const s3rverArguments = (directory: string, port = 0): string[] => [
  '--openssl-legacy-provider',
  '-e',
  SERVER,
  require.resolve('s3rver'),
  directory,
  String(port),
];

/** The configuration `loadConfig` would build for s3rver at `endpoint` (path-style, s3rver's keys). */
export const s3rverStorageConfig = (endpoint: string): S3StorageConfig => ({
  engine: 's3',
  bucket: 'taskvault-test',
  region: 'us-east-1',
  endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});

/** Creates the configured bucket unless it exists. */
export async function ensureBucket(storageConfig: S3StorageConfig): Promise<void> {
  const storage = new S3BlobStorage(storageConfig);
  try {
    await storage.ensureBucket();
  } finally {
    await storage.close();
  }
}
