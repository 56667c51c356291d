import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';
import type { MailMessage, MailTransport, SendOptions } from './mail-transport.ts';

export type FileTransportOptions = { dir: string; logger: Logger };

const LINK = /https?:\/\/[^\s<>"'()[\]]+/g;

/** Every http(s) link in a text body, in order, without trailing sentence punctuation. */
export function findLinks(text: string): string[] {
  return [...text.matchAll(LINK)].map((m) => m[0].replace(/[.,;:!?]+$/, ''));
}

/**
 * The transport when no SMTP server is configured: each email becomes an .eml file that any mail client
 * opens, and a log line carries its links, so a developer can follow a verification link without setting
 * up a mail server. Not for production: the links it logs are credentials.
 */
export class FileTransport implements MailTransport {
  readonly #dir: string;
  readonly #logger: Logger;
  // Nodemailer composes exactly what SMTP would carry (headers, multipart/alternative, encodings), so the
  // file is a faithful preview; CRLF line ends make it RFC 5322 as well.
  readonly #composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(options: FileTransportOptions) {
    this.#dir = options.dir;
    this.#logger = options.logger;
  }

  async send(message: MailMessage & { from: string }, options: SendOptions = {}): Promise<void> {
    // Writing a file is quick and cannot be taken back halfway: a given-up send is only refused up front.
    options.signal?.throwIfAborted();
    const info = await this.#composer.sendMail(message);
    if (!Buffer.isBuffer(info.message)) throw new Error('The mail composer did not return a buffer');
    await mkdir(this.#dir, { recursive: true });
    // Colons are not allowed in Windows file names; the name still sorts by time.
    const stamp = new Date().toISOString().replaceAll(':', '-');
    const file = path.join(this.#dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
    await writeFile(file, info.message);
    this.#logger.info(
      { mail: { to: message.to, subject: message.subject, file, links: findLinks(message.text) } },
      'email written to file',
    );
  }

  async close(): Promise<void> {
    this.#composer.close();
  }
}
