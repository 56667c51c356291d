import { Busboy, type BusboyFileStream, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { RequestHandler } from 'express';
import type { Readable } from 'node:stream';
import type { ReceivedFile, RequestContext } from '../modules/route-handler.ts';
import { AppError, validationError } from '../core/errors.ts';

/**
 * Consumes one file part as it arrives (the request is not buffered): streams it somewhere and resolves
 * once it is all there. It owns `stream`: on failure it must have consumed or destroyed it.
 */
export type FileReceiver = (
  stream: Readable,
  info: { filename: string; mimeType: string },
  ctx: RequestContext,
) => Promise<ReceivedFile>;

const LIMITS = { files: 1, fields: 20, parts: 21, fieldSize: 64 * 1024, fieldNameSize: 100, headerPairs: 50 };

class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}

/**
 * Parses a `multipart/form-data` body as it streams in: text fields become `req.body` (for the route's
 * validation), the one file part goes to `receive` and its result to `req.file`. Any failure answers
 * before the rest of the body is read (and closes the connection, so nobody waits for it), discarding
 * whatever was received; a client that goes away mid-upload leaves nothing behind either.
 */
export function multipartBody(options: { fileField: string; receive: FileReceiver }): RequestHandler {
  const { fileField, receive } = options;
  return (req, res, next) => {
    let parser: BusboyInstance;
    try {
      parser = Busboy({ headers: req.headers as BusboyHeaders, limits: LIMITS });
    } catch {
      next(
        new AppError(
          'VALIDATION_FAILED',
          'The body is not a valid multipart form (is the boundary missing?)',
        ),
      );
      return;
    }
    // Keyed by the client's field names: Maps, so that a field named `constructor` or `__proto__` is a
    // field like any other, not a member of Object.prototype.
    const fields = new Map<string, string>();
    const errors = new Map<string, string[]>();
    const fail = (field: string, message: string) => {
      const messages = errors.get(field);
      if (messages) messages.push(message);
      else errors.set(field, [message]);
    };
    let fileStream: BusboyFileStream | undefined;
    let received: Promise<ReceivedFile> | undefined;

    const parsed = new Promise<ReceivedFile | undefined>((resolve, reject) => {
      parser.on('file', (field, stream, filename, _encoding, mimeType) => {
        if (field !== fileField) {
          fail(field, 'Unknown field');
          stream.resume();
          return;
        }
        fileStream = stream;
        received = receive(stream, { filename, mimeType }, req.ctx);
        received.catch(reject);
      });
      parser.on('field', (field, value, nameTruncated, valueTruncated) => {
        if (field === fileField) fail(field, 'Send the file as a file part, with a file name');
        else if (nameTruncated || valueTruncated) fail(field, 'Too long');
        else if (fields.has(field)) fail(field, 'Give it once');
        else fields.set(field, value);
      });
      parser.on('filesLimit', () => fail(fileField, 'Send exactly one file'));
      parser.on('fieldsLimit', () => fail('form', `At most ${LIMITS.fields} fields`));
      parser.on('partsLimit', () => fail('form', `At most ${LIMITS.parts} parts`));
      parser.on('error', () =>
        reject(new AppError('VALIDATION_FAILED', 'The body is not a valid multipart form')),
      );
      parser.on('finish', () => {
        (received ?? Promise.resolve(undefined)).then(resolve, reject);
      });
      req.on('close', () => {
        if (req.complete) return;
        const gone = new ClientGoneError('The client went away during the upload');
        fileStream?.destroy(gone);
        reject(gone);
      });
      req.pipe(parser);
    });

    parsed
      .then((file) => {
        if (errors.size > 0) throw validationError(Object.fromEntries(errors));
        // Own properties, even one named __proto__: the route's schema then refuses it as unknown.
        req.body = Object.fromEntries(fields);
        req.file = file;
        if (file) res.on('close', () => void file.discard());
        next();
      })
      .catch(async (err: unknown) => {
        req.unpipe(parser);
        if (!req.complete) req.resume();
        const file = await received?.catch(() => undefined);
        await file?.discard();
        if (err instanceof ClientGoneError) {
          req.log.info('upload abandoned by the client; nothing was kept');
          return;
        }
        res.setHeader('Connection', 'close');
        next(err);
      });
  };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express' own extension point
  namespace Express {
    interface Request {
      /** The file part of a multipart route, as its receiver kept it. */
      file?: ReceivedFile | undefined;
    }
  }
}
