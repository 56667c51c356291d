/**
 * `files.upload` and `files.download`, the two routes whose content is not JSON: the upload goes as
 * multipart (through XMLHttpRequest when progress is wanted in a browser, as a stream for a stream), the
 * download comes from the signed link the API hands out.
 */
import type { FileMeta } from '@taskvault/contract';
import { orThrow, TaskvaultError } from './errors.ts';
import { answerOf } from './http-answer.ts';
import type { RawClient } from './raw-client.ts';
import { streamUpload, type StreamUploadDeps } from './stream-upload.ts';
import { xhrUpload } from './xhr-upload.ts';

/** What `files.upload` sends: a Blob or File, bytes (a Buffer is a Uint8Array), or a web stream of bytes. */
export type UploadContent = Blob | Uint8Array | ReadableStream<Uint8Array>;

export type UploadOptions = {
  /**
   * The file's name, with its extension (the server checks the content against it). A File's own name by
   * default; required for anything else.
   */
  name?: string;
  /** Attach the file to this task. */
  taskId?: string;
  description?: string;
  /**
   * Progress of the request body, in bytes. In a browser the upload goes through XMLHttpRequest and this is
   * called as bytes leave; elsewhere (and for a stream) it is called once, when the upload is done.
   */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
};

export type DownloadOptions = {
  signal?: AbortSignal;
  /** `'blob'` (default): the whole content in a Blob. `'stream'`: the response's body, to read as it arrives. */
  as?: 'blob' | 'stream';
};

export type FilesClient = Omit<RawClient['files'], 'upload' | 'download'> & {
  /**
   * Uploads `file` (a Blob, a File, bytes: a Buffer is a Uint8Array, or a ReadableStream of bytes, sent as it
   * is read) and answers with its metadata. Throws a TaskvaultError when the server refuses it
   * (`UNSUPPORTED_FILE_TYPE`, `PAYLOAD_TOO_LARGE`, ...).
   */
  upload(file: UploadContent, options?: UploadOptions): Promise<FileMeta>;
  /**
   * Asks for a download link and fetches it: the content, as a Blob, or with `as: 'stream'` as the response's
   * body stream. Throws a TaskvaultError on failure.
   */
  download(id: string, options: DownloadOptions & { as: 'stream' }): Promise<ReadableStream<Uint8Array>>;
  download(id: string, options?: DownloadOptions & { as?: 'blob' }): Promise<Blob>;
  download(id: string, options?: DownloadOptions): Promise<Blob | ReadableStream<Uint8Array>>;
};

export type FilesDeps = StreamUploadDeps & {
  /** The files routes, through the client's fetcher. */
  files: RawClient['files'];
  /** fetch, with its retries on network failures (the download of the content is a GET). */
  fetchRetrying: typeof globalThis.fetch;
};

const isStream = (file: UploadContent): file is ReadableStream<Uint8Array> =>
  typeof (file as { getReader?: unknown }).getReader === 'function';

/** The files routes, with `upload` and `download` that move the content. */
export function createFiles(deps: FilesDeps): FilesClient {
  const { files, uploadUrl, fetchRetrying, accessToken, autoRefresh, renewAfter401 } = deps;

  const upload = async (file: UploadContent, o: UploadOptions = {}): Promise<FileMeta> => {
    const name = o.name ?? (typeof File !== 'undefined' && file instanceof File ? file.name : undefined);
    if (!name) throw new TypeError('files.upload needs a name (with its extension) for this content');
    if (isStream(file)) return streamUpload(deps, file, name, o);
    const blob =
      file instanceof Blob
        ? file
        : new Blob([
            file.buffer instanceof ArrayBuffer ? (file as Uint8Array<ArrayBuffer>) : new Uint8Array(file),
          ]);
    const form = new FormData();
    if (o.taskId !== undefined) form.append('taskId', o.taskId);
    if (o.description !== undefined) form.append('description', o.description);
    form.append('file', blob, name);

    if (o.onProgress && typeof XMLHttpRequest !== 'undefined') {
      const onProgress = o.onProgress;
      const token = await accessToken();
      let res = await xhrUpload(uploadUrl, form, token, blob.size, onProgress, o.signal);
      if (res.status === 401 && token && autoRefresh) {
        const renewed = await renewAfter401(token);
        if (renewed) res = await xhrUpload(uploadUrl, form, renewed, blob.size, onProgress, o.signal);
      }
      return orThrow(res);
    }
    // ts-rest sends a FormData body as it is (its own conversion would JSON-encode the text fields).
    const meta = orThrow(
      await files.upload({
        body: form,
        ...(o.signal ? { fetchOptions: { signal: o.signal } } : {}),
      }),
    );
    o.onProgress?.(blob.size, blob.size);
    return meta;
  };

  async function download(
    id: string,
    o: DownloadOptions & { as: 'stream' },
  ): Promise<ReadableStream<Uint8Array>>;
  async function download(id: string, o?: DownloadOptions & { as?: 'blob' }): Promise<Blob>;
  async function download(id: string, o?: DownloadOptions): Promise<Blob | ReadableStream<Uint8Array>>;
  async function download(id: string, o: DownloadOptions = {}): Promise<Blob | ReadableStream<Uint8Array>> {
    const fetchOptions = o.signal ? { signal: o.signal } : {};
    const link = orThrow(await files.downloadLink({ params: { id }, fetchOptions }));
    // The link is signed: it needs no bearer token, and none is sent with it. A GET: retried on network errors.
    const res = await fetchRetrying(link.url, fetchOptions);
    if (!res.ok) throw TaskvaultError.fromResponse(await answerOf(res));
    if (o.as === 'stream') return res.body ?? new Blob([]).stream();
    return res.blob();
  }

  return { ...files, upload, download };
}
