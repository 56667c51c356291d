import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorStatus, type ErrorCode } from '@taskvault/contract';
import { envelope } from './errors.ts';

type ParserError = Error & { code?: string };

/** What the client hears about a request Node's HTTP parser refused; undefined: nothing (it is gone). */
function answerFor(err: ParserError): { code: ErrorCode; message: string } | undefined {
  switch (err.code) {
    case 'ECONNRESET':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return {
        code: 'MALFORMED_REQUEST',
        message: 'The request could not be parsed: a header has an invalid character',
      };
    case undefined:
    default:
      return { code: 'MALFORMED_REQUEST', message: 'The request could not be parsed' };
  }
}

/**
 * Answers requests that Node's HTTP parser refuses (a header value with a control character, headers over
 * the size limit, a broken request line) with the error envelope as JSON, as every other error is, instead
 * of Node's bare `400 Bad Request` without a body. There is no request object at this point: the answer
 * is written to the socket, which is then closed, since what follows on it cannot be trusted to be framed.
 * Timeouts and resets keep Node's own handling (nobody is listening for an answer).
 */
export function answerParserErrors(server: Server): void {
  server.on('clientError', (err: ParserError, socket: Duplex) => {
    const answer = answerFor(err);
    // A response already under way on this connection (a pipelined request failed to parse) cannot be
    // followed by another status line.
    const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (!answer || !socket.writable || busy) {
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable && !busy)
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      else socket.destroy();
      return;
    }
    const status = errorStatus[answer.code];
    const body = JSON.stringify(envelope(answer.code, answer.message));
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'X-Content-Type-Options: nosniff',
        'Cache-Control: no-store',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
