import type { Logger } from 'pino';
import type { Config } from '../../config/env.ts';
import { DiskBlobStorage } from './disk-storage.ts';
import { S3BlobStorage } from './s3-storage.ts';
import type { BlobStorage } from './storage.ts';

/**
 * The storage the configuration names: a folder (`DATA_DIR/files` by default) or an S3-compatible bucket
 * (`S3_BUCKET` set). An S3 bucket is not created here; call `S3BlobStorage.ensureBucket()` at startup where
 * the app is allowed to create it.
 */
export function createBlobStorage(
  config: Config['storage'],
  options: { logger?: Logger | undefined } = {},
): BlobStorage {
  switch (config.engine) {
    case 'disk':
      return new DiskBlobStorage(config);
    case 's3':
      return new S3BlobStorage(config, { logger: options.logger });
  }
}
