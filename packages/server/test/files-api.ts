import type { DownloadLink, FileMeta } from '@taskvault/contract';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Ok, Res } from './api.ts';
import type { Fixture } from './file-fixtures.ts';

/** What an upload sends: a file part (or none), and any text fields. */
export type UploadInput = {
  file?: Fixture | undefined;
  fields?: Record<string, string>;
  token?: string | undefined;
  /** Defaults to `/api/v1/files`; the legacy `/api/upload/` takes the same form. */
  path?: string;
};

/** A multipart upload over real HTTP, as a browser's FormData sends it. */
export async function upload(baseUrl: string, input: UploadInput): Promise<Res<Ok<FileMeta>>> {
  const form = new FormData();
  for (const [k, v] of Object.entries(input.fields ?? {})) form.append(k, v);
  if (input.file) form.append('file', new Blob([new Uint8Array(input.file.bytes)]), input.file.name);
  const res = await fetch(`${baseUrl}${input.path ?? '/api/v1/files'}`, {
    method: 'POST',
    body: form,
    headers: input.token ? { authorization: `Bearer ${input.token}` } : {},
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as Ok<FileMeta>,
    headers: res.headers,
  };
}

/** Asks for a download link; `url` points at the server's PUBLIC_URL, `local` at the test server. */
export async function downloadLink(
  baseUrl: string,
  token: string,
  fileId: string,
): Promise<Res<Ok<DownloadLink>> & { local: string }> {
  const res = await fetch(`${baseUrl}/api/v1/files/${fileId}/download-link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as Ok<DownloadLink>;
  const local = res.status === 200 ? localUrl(baseUrl, body.data.url) : '';
  return { status: res.status, body, headers: res.headers, local };
}

/** The same link on the test server's own address (the link names PUBLIC_URL, which nobody listens on). */
export const localUrl = (baseUrl: string, url: string): string => {
  const u = new URL(url);
  return `${baseUrl}${u.pathname}${u.search}`;
};

/** Follows a link without any credentials: the bytes, the status and the headers. */
export async function fetchBytes(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** Polls `check` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A multipart upload over a raw connection that sends only what it is told to: the headers announce
 * `announcedBytes`, the body starts with the file part's headers, and the test writes the rest (or not).
 */
export function rawUpload(baseUrl: string, token: string, announcedBytes: number) {
  const boundary = `----taskvault-${randomUUID()}`;
  const url = new URL('/api/v1/files', baseUrl);
  const req = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(announcedBytes),
    },
  });
  const outcome: { response?: number; error?: Error } = {};
  req.on('response', (res) => {
    outcome.response = res.statusCode;
    res.resume();
  });
  // The test destroys the request itself: the error that follows is expected.
  req.on('error', (err) => (outcome.error = err));
  const write = (chunk: Buffer | string) => new Promise<void>((resolve) => req.write(chunk, () => resolve()));
  const start = write(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n` +
        'Content-Type: text/plain\r\n\r\n',
    ),
  );
  return { req, outcome, start, write };
}
