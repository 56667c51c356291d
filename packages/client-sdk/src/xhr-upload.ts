/**
 * An upload through XMLHttpRequest, the one browser API that reports upload progress (fetch does not).
 * It answers as the ts-rest upload call would, so the caller handles both the same way.
 */
import { answerOfXhr } from './http-answer.ts';
import type { UploadAnswer } from './raw-client.ts';

/**
 * POSTs `form` to `url` with the bearer `token`, reporting the bytes sent (`size` is the total when the
 * browser cannot tell). Rejects with a TypeError when the server cannot be reached, with the signal's reason
 * when it aborts.
 */
export const xhrUpload = (
  url: string,
  form: FormData,
  token: string | null,
  size: number,
  onProgress: (sent: number, total: number) => void,
  signal: AbortSignal | undefined,
) =>
  new Promise<UploadAnswer>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) =>
      onProgress(e.loaded, e.lengthComputable ? e.total : Math.max(e.loaded, size));
    xhr.onload = () => {
      done();
      resolve(answerOfXhr(xhr) as UploadAnswer);
    };
    xhr.onerror = () => {
      done();
      reject(new TypeError('The upload failed: the server could not be reached'));
    };
    xhr.onabort = () => {
      done();
      reject(
        (signal?.reason as Error | undefined) ?? new DOMException('The upload was aborted', 'AbortError'),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(form);
  });
