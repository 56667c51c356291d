import { FILE_TYPES, type FileType } from '@taskvault/contract';
import { pipeline, type Readable } from 'node:stream';
import type { BlobStorage } from '../../platform/storage/storage.ts';
import { BlobTooLargeError } from '../../platform/storage/storage.ts';
import { AppError } from '../../transport/errors.ts';
import type { ReceivedFile } from '../../transport/multipart.ts';
import { ContentInspector, type Inspection } from './content-inspector.ts';
import { cleanFileName } from './file-names.ts';
import { claimedType } from './file-type-check.ts';

export const formatBytes = (n: number): string => {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n} ${units[i]}`;
};

/**
 * An upload held as a temporary blob: not visible to anyone until `FilesService.create` promotes it and
 * commits its row. Discarded when the request ends, which is a no-op once it has been promoted.
 */
export class TempUpload implements ReceivedFile {
  readonly #storage: BlobStorage;
  readonly tempKey: string;
  readonly size: number;
  /** The client's name, cleaned. */
  readonly name: string;
  /** The type the name claims; the content is checked against it before the file is kept. */
  readonly claimedType: FileType;
  readonly inspection: Inspection;

  constructor(
    storage: BlobStorage,
    fields: { tempKey: string; size: number; name: string; claimedType: FileType; inspection: Inspection },
  ) {
    this.#storage = storage;
    this.tempKey = fields.tempKey;
    this.size = fields.size;
    this.name = fields.name;
    this.claimedType = fields.claimedType;
    this.inspection = fields.inspection;
  }

  async discard(): Promise<void> {
    // Should this fail, the temporary blob is swept at the next start.
    await this.#storage.deleteTemp(this.tempKey).catch(() => undefined);
  }
}

/**
 * Streams an upload's file part into a temporary blob, inspecting it on the way. A name without an allowed
 * extension is refused before a byte is stored; more than `maxUploadBytes` stops the upload with 413.
 */
export class UploadReceiver {
  readonly #storage: BlobStorage;
  readonly #maxUploadBytes: number;
  readonly #allowedTypes: readonly FileType[];

  constructor(deps: { storage: BlobStorage; maxUploadBytes: number; allowedTypes: readonly FileType[] }) {
    this.#storage = deps.storage;
    this.#maxUploadBytes = deps.maxUploadBytes;
    this.#allowedTypes = deps.allowedTypes;
  }

  async receive(stream: Readable, info: { filename: string }): Promise<TempUpload> {
    const name = cleanFileName(info.filename);
    let type: FileType;
    try {
      type = claimedType(name, this.#allowedTypes);
    } catch (err) {
      stream.destroy();
      throw err;
    }
    const inspector = new ContentInspector({ checkText: FILE_TYPES[type].kind === 'text' });
    // pipeline: an error on either side (the client going away, the limit) destroys both.
    const body = pipeline(stream, inspector, () => undefined);
    try {
      const { tempKey, size } = await this.#storage.writeTemp(body, { maxBytes: this.#maxUploadBytes });
      return new TempUpload(this.#storage, {
        tempKey,
        size,
        name,
        claimedType: type,
        inspection: inspector.result,
      });
    } catch (err) {
      if (err instanceof BlobTooLargeError)
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `The file is larger than the upload limit of ${formatBytes(this.#maxUploadBytes)}`,
        );
      throw err;
    }
  }
}
