import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { Request, RequestHandler, Response } from 'express';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { AppError } from '../core/errors.ts';
import { httpStatus } from './errors.ts';

/*
 * Why not express.json: body-parser reads a refused body to its end before answering (a 100 MB body over a
 * 1 MB limit is received in full just to be told 413), and it decodes invalid UTF-8 into U+FFFD, so a
 * mangled title would be stored. Here a refused body is answered at once and the connection closed, and a
 * body that is not UTF-8 (RFC 8259 §8.1) is refused.
 */

const REST_TYPES = ['application/json', 'application/*+json'];

// `fatal`: invalid sequences (overlong forms, surrogates, stray bytes) throw instead of becoming U+FFFD.
// A leading BOM is dropped, as body-parser did.
const utf8 = new TextDecoder('utf-8', { fatal: true });

const sizeText = (bytes: number) =>
  bytes % 1024 ** 2 === 0
    ? `${bytes / 1024 ** 2} MiB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
const tooLarge = (limit: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `The request body is too large: at most ${sizeText(limit)}`);
const aborted = () => new AppError('MALFORMED_JSON', 'The request body was not received in full');

/** Whether the request carries a body at all (as type-is decides it). */
const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;

const charsetOf = (contentType: string | undefined) =>
  /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase();

const inflaters: Record<string, (() => Transform) | undefined> = {
  identity: undefined,
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
  zstd: () => zlib.createZstdDecompress(),
};

/**
 * Collects the body, refusing it as soon as more than `limit` bytes came on the wire or out of the inflater.
 * On failure the request is left paused: nothing more of it is read.
 */
function collect(req: Request, inflate: Transform | undefined, limit: number, length?: number) {
  return new Promise<Buffer>((resolve, reject) => {
    const body = inflate ?? req;
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let settled = false;
    const finish = (err?: AppError) => {
      if (settled) return;
      settled = true;
      req.off('data', onWire).off('close', onClose).off('error', onAbort);
      body.off('data', onData).off('end', onEnd);
      if (inflate) {
        req.unpipe(inflate);
        inflate.off('error', onInflateError).on('error', () => undefined);
        inflate.destroy();
      }
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onWire = (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > limit) finish(tooLarge(limit));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () =>
      finish(
        length !== undefined && size !== length
          ? new AppError('MALFORMED_JSON', 'The request body does not match its Content-Length')
          : undefined,
      );
    const onAbort = () => finish(aborted());
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    const onInflateError = () =>
      finish(new AppError('MALFORMED_JSON', 'The request body could not be decompressed'));

    req.on('close', onClose).on('error', onAbort);
    if (inflate) {
      req.on('data', onWire).pipe(inflate);
      inflate.on('error', onInflateError);
    }
    body.on('data', onData).on('end', onEnd);
  });
}

/** The body as text: UTF-8 within the limit, refused before anything is read when its headers say it cannot be. */
async function readText(req: Request, limit: number): Promise<string> {
  const charset = charsetOf(req.headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset "${charset}": JSON is UTF-8`);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (!(encoding in inflaters))
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported content encoding "${encoding}"`);
  const declared = req.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  // Compressed or not, what comes on the wire is held to the limit too.
  if (length !== undefined && length > limit) throw tooLarge(limit);
  const inflate = inflaters[encoding]?.();
  const bytes = await collect(req, inflate, limit, inflate ? undefined : length);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError('MALFORMED_JSON', 'The request body is not valid UTF-8');
  }
}

/** body-parser's strict JSON: an object or an array; an empty body is an empty object. */
function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
    return JSON.parse(text);
  } catch {
    throw new AppError('MALFORMED_JSON', 'The request body is not valid JSON');
  }
}

/** A body left (partly) unread must not be read just to keep the connection: close it instead. */
const closeIfUnread = (req: Request, res: Response) => {
  if (!req.complete) res.setHeader('Connection', 'close');
};

/**
 * REST: a JSON body (`application/json`, `application/*+json`) becomes `req.body`; other types pass
 * untouched (multipart routes read their own). Failures go to the error envelope as AppErrors.
 */
export function jsonBody(options: { limit: number }): RequestHandler {
  return (req, res, next) => {
    // As body-parser: `req.body` exists from here on, parsed or not.
    if (!Reflect.has(req, 'body')) req.body = undefined;
    const empty = !hasBody(req) || req.headers['content-length'] === '0';
    if (empty && req.headers['content-type'] === undefined) {
      // No body at all is an empty object, as an empty JSON body is: a route whose fields are all optional
      // (a cookie refresh, a logout) needs no `{}`, and one with required fields names them.
      req.body = {};
      next();
      return;
    }
    if (req.readableEnded || !hasBody(req) || !req.is(REST_TYPES)) {
      next();
      return;
    }
    readText(req, options.limit)
      .then(parseJson)
      .then(
        (body) => {
          req.body = body;
          next();
        },
        (err: unknown) => {
          closeIfUnread(req, res);
          next(err);
        },
      );
  };
}

const trpcCodes: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'PARSE_ERROR',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * For the tRPC adapter's `middleware` option: the same reading as REST, handing tRPC the checked text to
 * parse itself. A failure goes back through tRPC (so every call of a batch gets it in tRPC's shape), and
 * `req.body` is set so that tRPC does not read the stream. tRPC's own form-data and octet-stream inputs are
 * refused: no procedure takes them, and they would bypass these checks.
 */
export function trpcJsonBody(options: { limit: number }) {
  return (req: Request, res: Response, next: (err?: unknown) => void): void => {
    if (req.readableEnded || !hasBody(req)) {
      next();
      return;
    }
    const refuse = (err: unknown) => {
      const known =
        err instanceof AppError ? err : new AppError('MALFORMED_JSON', 'The request body could not be read');
      req.body = '';
      closeIfUnread(req, res);
      next(
        new TRPCError({
          code: trpcCodes[httpStatus(known)] ?? 'BAD_REQUEST',
          message: known.message,
          cause: known,
        }),
      );
    };
    if (!req.is('application/json')) {
      refuse(new AppError('UNSUPPORTED_MEDIA_TYPE', 'tRPC requests are JSON'));
      return;
    }
    readText(req, options.limit).then((text) => {
      req.body = text;
      next();
    }, refuse);
  };
}
