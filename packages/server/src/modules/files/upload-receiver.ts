import { FILE_TYPES, type FileType } from '@taskvault/contract';
import { pipeline, type Readable } from 'node:stream';
import { settledWithin } from '../../platform/settled-within.ts';
import type { BlobStorage } from '../../platform/storage/storage.ts';
import { BlobTooLargeError } from '../../platform/storage/storage.ts';
import { AppError } from '../../core/errors.ts';
import type { ReceivedFile } from '../route-handler.ts';
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
  readonly #track: <T>(work: Promise<T>) => Promise<T>;

  constructor(
    storage: BlobStorage,
    fields: { tempKey: string; size: number; name: string; claimedType: FileType; inspection: Inspection },
    track: <T>(work: Promise<T>) => Promise<T> = (work) => work,
  ) {
    this.#storage = storage;
    this.#track = track;
    this.tempKey = fields.tempKey;
    this.size = fields.size;
    this.name = fields.name;
    this.claimedType = fields.claimedType;
    this.inspection = fields.inspection;
  }

  async discard(): Promise<void> {
    // Should this fail, the temporary blob is swept later (UPLOAD_SWEEP_*).
    await this.#track(this.#storage.deleteTemp(this.tempKey).catch(() => undefined));
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

  /** Uploads being written or discarded right now; shutdown waits for them (see `settled`). */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(deps: { storage: BlobStorage; maxUploadBytes: number; allowedTypes: readonly FileType[] }) {
    this.#storage = deps.storage;
    this.#maxUploadBytes = deps.maxUploadBytes;
    this.#allowedTypes = deps.allowedTypes;
  }

  receive(stream: Readable, info: { filename: string }): Promise<TempUpload> {
    return this.#track(this.#receive(stream, info));
  }

  /**
   * Resolves once no upload is being written or discarded, or after `timeoutMs`. A shutdown that cuts
   * uploads waits here, so their temporary blobs are gone before the process exits (true when they are).
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Again while there are any: discarding a write that failed starts another piece of work.
    while (this.#inFlight.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await settledWithin(Promise.allSettled([...this.#inFlight]), left))) return false;
    }
    return true;
  }

  readonly #track = <T>(work: Promise<T>): Promise<T> => {
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  };

  async #receive(stream: Readable, info: { filename: string }): Promise<TempUpload> {
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
      return new TempUpload(
        this.#storage,
        { tempKey, size, name, claimedType: type, inspection: inspector.result },
        this.#track,
      );
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
