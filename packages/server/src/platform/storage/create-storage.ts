import type { Config } from '../../config/env.ts';
import type { Logger } from '../logger.ts';
import { DiskBlobStorage } from './disk-storage.ts';
import { S3BlobStorage } from './s3-storage.ts';
import type { BlobStorage } from './storage.ts';

/**
 * The storage the configuration names: a folder (`DATA_DIR/files` by default) or an S3-compatible bucket
 * (`S3_BUCKET` set), with the S3 timeouts of `dependencies.s3`. An S3 bucket is not created here; call
 * `S3BlobStorage.ensureBucket()` at startup where the app is allowed to create it.
 */
export function createBlobStorage(
  config: { storage: Config['storage']; dependencies: Pick<Config['dependencies'], 's3'> },
  options: { logger?: Logger | undefined } = {},
): BlobStorage {
  const { storage } = config;
  switch (storage.engine) {
    case 'disk':
      return new DiskBlobStorage(storage);
    case 's3':
      return new S3BlobStorage(storage, { logger: options.logger, timeouts: config.dependencies.s3 });
  }
}
