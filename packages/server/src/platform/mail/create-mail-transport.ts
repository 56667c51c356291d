import type { Logger } from 'pino';
import { FileTransport } from './file-transport.ts';
import type { MailTransport } from './mail-transport.ts';
import { SmtpTransport } from './smtp-transport.ts';

export type MailTransportOptions = {
  /** SMTP when set; otherwise emails are written as files under `dir`. */
  smtpUrl?: string | undefined;
  dir: string;
  logger: Logger;
};

export function createMailTransport(options: MailTransportOptions): MailTransport {
  if (options.smtpUrl) return new SmtpTransport(options.smtpUrl);
  return new FileTransport({ dir: options.dir, logger: options.logger });
}
