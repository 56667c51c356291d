import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3StorageConfig } from '../../src/platform/storage/s3-storage.ts';
import { ensureBucket, s3rverArguments, s3rverStorageConfig } from '../s3-server.ts';
import { childEnv, launchProcess, type ControlledProcess } from './processes.ts';

export type { ControlledProcess };

export type S3Process = ControlledProcess & {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  port: number;
  /** Created on the first start; it lives in `directory`, so it is still there after any restart. */
  bucket: string;
  /** The configuration `loadConfig` would build for this server and bucket (path-style, s3rver's keys). */
  storageConfig: S3StorageConfig;
  /** Where s3rver keeps its buckets and objects. */
  directory: string;
};

/** Whether it answers an HTTP request now, whatever the answer (an unsigned request is refused). */
function answersHttp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    // No agent: a pooled connection would outlive the probe.
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/**
 * s3rver in a child process of its own (see s3-server.ts for why a child) on a free loopback port, with a
 * bucket; its objects stay in its folder across stop, kill and start, which reuse the port.
 */
export async function startS3Process(): Promise<S3Process> {
  const directory = await mkdtemp(path.join(tmpdir(), 'taskvault-s3-'));
  const control = await launchProcess({
    name: 's3rver',
    command: process.execPath,
    args: (port) => s3rverArguments(directory, port),
    env: childEnv(),
    // The child ends when its stdin closes, so it gets a pipe that stays open while it runs.
    stdin: 'pipe',
    stopSignal: 'SIGTERM',
    probe: answersHttp,
    directory,
  });
  const endpoint = `http://127.0.0.1:${control.port}`;
  const storageConfig = s3rverStorageConfig(endpoint);
  try {
    await ensureBucket(storageConfig);
  } catch (err) {
    await control.destroy();
    throw err;
  }
  return Object.assign(control, { endpoint, bucket: storageConfig.bucket, storageConfig, directory });
}
