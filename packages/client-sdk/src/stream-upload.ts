/**
 * The upload of a file given as a stream. A stream is read once, so it cannot be sent again after a 401:
 * an access token about to expire is refreshed first, and a 401 all the same renews the tokens for the next
 * call and throws.
 */
import type { FileMeta } from '@taskvault/contract';
import { orThrow } from './errors.ts';
import type { UploadOptions } from './files.ts';
import { answerOf } from './http-answer.ts';
import { multipartStream, randomBoundary } from './multipart-stream.ts';
import type { UploadAnswer } from './raw-client.ts';
import type { BearerAuth } from './session.ts';

export type StreamUploadDeps = BearerAuth & {
  uploadUrl: string;
  /** fetch as the caller gave it: a stream body cannot be sent twice, so it is not retried. */
  fetch: typeof globalThis.fetch;
};

/** Whether a JWT's `exp` is past or less than 30 s away (false when the token is not a readable JWT). */
const expiresSoon = (jwt: string): boolean => {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' && payload.exp * 1000 < Date.now() + 30_000;
  } catch {
    return false;
  }
};

export const streamUpload = async (
  { uploadUrl, fetch, accessToken, autoRefresh, renewAfter401 }: StreamUploadDeps,
  file: ReadableStream<Uint8Array>,
  name: string,
  o: UploadOptions,
): Promise<FileMeta> => {
  o.signal?.throwIfAborted();
  let token = await accessToken();
  if (token && autoRefresh && expiresSoon(token)) token = (await renewAfter401(token)) ?? token;
  const boundary = randomBoundary();
  const fields: Array<[string, string]> = [];
  if (o.taskId !== undefined) fields.push(['taskId', o.taskId]);
  if (o.description !== undefined) fields.push(['description', o.description]);
  let sent = 0;
  const headers = new Headers({ 'content-type': `multipart/form-data; boundary=${boundary}` });
  if (token) headers.set('authorization', `Bearer ${token}`);
  // `duplex: 'half'` is what fetch needs for a stream body (Node, Chromium over HTTP/2); not in every RequestInit type yet.
  const init: RequestInit & { duplex: 'half' } = {
    method: 'POST',
    headers,
    body: multipartStream(boundary, fields, name, file, (n) => (sent += n)),
    duplex: 'half',
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const res = await fetch(uploadUrl, init);
  const answer = await answerOf(res);
  if (answer.status === 401 && token && autoRefresh) await renewAfter401(token);
  const meta = orThrow(answer as UploadAnswer);
  o.onProgress?.(sent, sent);
  return meta;
};
