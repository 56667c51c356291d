import { FILE_TYPES, type Contract } from '@taskvault/contract';
import { Readable } from 'node:stream';
import { type RequestContext, ok, type RouterHandlers } from '../route-handler.ts';
import { attachmentDisposition } from './file-names.ts';
import type { FilesService } from './files.service.ts';
import { requestedRange } from './http-range.ts';
import { TempUpload } from './upload-receiver.ts';

type FilesHandlers = RouterHandlers<Contract['files']>;

export const createFilesHandlers = ({
  files,
}: {
  files: (ctx: RequestContext) => FilesService;
}): FilesHandlers => ({
  upload: async ({ body, file }, ctx) => {
    const upload = file instanceof TempUpload ? file : undefined;
    return { status: 201, body: ok('File uploaded', await files(ctx).create(ctx.principal, upload, body)) };
  },
  list: async ({ query }, ctx) => ({
    status: 200,
    body: ok('Files', await files(ctx).list(ctx.principal, query)),
  }),
  rules: async (_input, ctx) => ({ status: 200, body: ok('Upload rules', files(ctx).rules()) }),
  get: async ({ params }, ctx) => ({
    status: 200,
    body: ok('File', await files(ctx).get(ctx.principal, params.id)),
  }),
  update: async ({ params, body }, ctx) => ({
    status: 200,
    body: ok('File updated', await files(ctx).update(ctx.principal, params.id, body)),
  }),
  remove: async ({ params }, ctx) => {
    await files(ctx).remove(ctx.principal, params.id);
    return { status: 204, body: undefined };
  },
  downloadLink: async ({ params }, ctx) => ({
    status: 200,
    body: ok('Download link', await files(ctx).downloadLink(ctx.principal, params.id)),
  }),
  download: async ({ params, query, headers }, ctx) => {
    const service = files(ctx);
    const file = await service.resolveLink(params.id, query.expires, query.signature);
    const etag = `"${file.sha256}"`;
    const range = requestedRange(file.size, headers.range, headers['if-range'], etag);
    const length = range ? range.end - range.start + 1 : file.size;
    const set = (name: string, value: string) => ctx.setResponseHeader(name, value);
    // Text was checked to be UTF-8 on upload: say so, so no client guesses another charset.
    set(
      'Content-Type',
      FILE_TYPES[file.type].kind === 'text' ? `${file.mimeType}; charset=utf-8` : file.mimeType,
    );
    set('Content-Length', String(length));
    set('Content-Disposition', attachmentDisposition(file.name));
    set('ETag', etag);
    set('Accept-Ranges', 'bytes');
    set('X-Content-Type-Options', 'nosniff');
    // The link is the credential: keep the content out of shared caches.
    set('Cache-Control', 'private, no-store');
    if (range) set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    // HEAD: the headers alone, without opening the content.
    const body =
      ctx.method === 'HEAD' ? Readable.from([]) : await service.content(file.id, range ?? undefined);
    return { status: range ? 206 : 200, body };
  },
});

/** The deprecated file paths of the original file-sharing API, answered by the same handlers. */
export const createLegacyFilesHandlers = (handlers: FilesHandlers) => ({
  upload: handlers.upload,
  listUploadedFiles: handlers.list,
  downloadFile: handlers.downloadLink,
});
