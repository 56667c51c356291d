/**
 * An HTTP answer as the client's calls resolve to it, `{ status, body, headers }`, with the body read by its
 * content type: built from a fetch Response, or from an XMLHttpRequest (the upload that reports progress).
 */
import type { AnyResponse } from './errors.ts';

/** The body of `res`: JSON parsed, text as a string, anything else as a Blob; undefined when empty. */
const readBody = async (res: Response): Promise<unknown> => {
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return res.json();
  if (type.startsWith('text/')) return res.text();
  return res.blob();
};

const parseText = (text: string, type: string | null): unknown => {
  if (!text) return undefined;
  if (type?.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
};

const headersOf = (raw: string): Headers => {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
};

/** The answer a fetch Response stands for (its body read). */
export const answerOf = async (res: Response): Promise<AnyResponse> => ({
  status: res.status,
  body: await readBody(res),
  headers: res.headers,
});

/** The answer a finished XMLHttpRequest stands for. */
export const answerOfXhr = (xhr: XMLHttpRequest): AnyResponse => ({
  status: xhr.status,
  body: parseText(xhr.responseText, xhr.getResponseHeader('content-type')),
  headers: headersOf(xhr.getAllResponseHeaders()),
});
