import { initContract } from '@ts-rest/core';
import { authenticated } from '../common/common-responses.ts';
import { ErrorEnvelopeSchema, successEnvelope } from '../common/envelope.ts';
import { pageOf } from '../common/pagination.ts';
import { routeMeta } from '../common/route-meta.ts';
import {
  DownloadHeadersSchema,
  DownloadLinkSchema,
  DownloadQuerySchema,
  FileIdParamsSchema,
  FileRulesSchema,
  FileSchema,
  ListFilesQuerySchema,
  UpdateFileBodySchema,
  UploadFileBodySchema,
} from './files.schemas.ts';

const c = initContract();
const One = successEnvelope(FileSchema);
/**
 * File content: bytes, not JSON. The server answers with a stream (a Node readable is an async iterable);
 * what a client holds depends on how it reads the response.
 */
export type BinaryContent = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
// `*/*`: the content goes out with its own type (the file type's mimeType, text with `charset=utf-8`), so the
// document must not promise application/octet-stream, which a client checking the answer's type would refuse.
const Content = c.otherResponse({ contentType: '*/*', body: c.type<BinaryContent>() });

export const uploadRoute = {
  method: 'POST',
  path: '/files',
  contentType: 'multipart/form-data',
  body: UploadFileBodySchema,
  responses: authenticated({ 201: One }),
  summary: 'Upload a file',
  description:
    'Multipart form: one `file` part, optional `taskId` and `description`. The content is streamed to storage, ' +
    'never held in memory. It is accepted only when its name has an allowed extension and its content is of ' +
    'that type (magic bytes for binary types; UTF-8 without NUL bytes for text types); otherwise 400 ' +
    '`UNSUPPORTED_FILE_TYPE`. Larger than the upload limit: 413 `PAYLOAD_TOO_LARGE`; over your storage quota: ' +
    '413 `QUOTA_EXCEEDED`. No file part, two, or an empty file: 400.',
  metadata: routeMeta('user', { restOnly: true }),
} as const;

export const listRoute = {
  method: 'GET',
  path: '/files',
  query: ListFilesQuerySchema,
  responses: authenticated({ 200: successEnvelope(pageOf(FileSchema)) }),
  summary: 'List files',
  description:
    'Your files (an administrator may pass `scope=all`), newest first by default. Filters: `taskId`, `type`, ' +
    '`search` (name). Pages as for tasks: `limit` and `cursor` (or `offset`).',
  metadata: routeMeta('user'),
} as const;

export const downloadLinkRoute = {
  method: 'POST',
  path: '/files/:id/download-link',
  pathParams: FileIdParamsSchema,
  body: c.noBody(),
  responses: authenticated({ 200: successEnvelope(DownloadLinkSchema), 404: ErrorEnvelopeSchema }),
  summary: 'Make a download link',
  description:
    'A signed link to the content, usable without a bearer token (a browser, another service) until it ' +
    'expires (5 minutes by default).',
  metadata: routeMeta('user'),
} as const;

export const filesContract = c.router({
  upload: uploadRoute,
  list: listRoute,
  rules: {
    method: 'GET',
    path: '/files/rules',
    responses: authenticated({ 200: successEnvelope(FileRulesSchema) }),
    summary: 'What uploads are accepted',
    description: 'The allowed types, the size limit and your quota, to check a file before uploading it.',
    metadata: routeMeta('user'),
  },
  get: {
    method: 'GET',
    path: '/files/:id',
    pathParams: FileIdParamsSchema,
    responses: authenticated({ 200: One, 404: ErrorEnvelopeSchema }),
    summary: "A file's metadata",
    description: "One of your files (any file for an administrator). Someone else's file: 404.",
    metadata: routeMeta('user'),
  },
  update: {
    method: 'PATCH',
    path: '/files/:id',
    pathParams: FileIdParamsSchema,
    body: UpdateFileBodySchema,
    responses: authenticated({ 200: One, 404: ErrorEnvelopeSchema }),
    summary: 'Attach, detach or describe a file',
    description:
      "`taskId` attaches the file to one of its owner's tasks (null detaches it); `description` replaces the " +
      'description. An unknown task: 400 naming `taskId`.',
    metadata: routeMeta('user'),
  },
  remove: {
    method: 'DELETE',
    path: '/files/:id',
    pathParams: FileIdParamsSchema,
    body: c.noBody(),
    responses: authenticated({ 204: c.noBody(), 404: ErrorEnvelopeSchema }),
    summary: 'Delete a file',
    description: 'Deletes the file and its content; links made for it stop working.',
    metadata: routeMeta('user'),
  },
  downloadLink: downloadLinkRoute,
  download: {
    method: 'GET',
    path: '/files/:id/content',
    pathParams: FileIdParamsSchema,
    query: DownloadQuerySchema,
    headers: DownloadHeadersSchema,
    responses: {
      200: Content,
      206: Content,
      403: ErrorEnvelopeSchema,
      404: ErrorEnvelopeSchema,
      410: ErrorEnvelopeSchema,
      416: ErrorEnvelopeSchema,
    },
    summary: 'Download (signed link)',
    description:
      'Where a download link points; needs no bearer token. Streams the content with its type, ' +
      '`Content-Disposition: attachment`, `Content-Length` and its SHA-256 as `ETag`. One `Range` gives 206 ' +
      '(416 when it starts past the end); `HEAD` gives the headers alone. A link that was altered: 403 ' +
      '`INVALID_SIGNATURE`; an expired one: 410 `LINK_EXPIRED`; a deleted file: 404.',
    metadata: routeMeta('public', { restOnly: true }),
  },
});
