import type { Logger } from 'pino';
import { FileTransport } from './file-transport.ts';
import type { MailTransport } from './mail-transport.ts';
import { SmtpTransport } from './smtp-transport.ts';

export type MailTransportOptions = {
  /** SMTP when set; otherwise emails are written as files under `dir`. */
  smtpUrl?: string | undefined;
  dir: string;
  logger: Logger;
  /** SMTP only: the bound on connecting and on any silence of the server during a send. */
  timeoutMs?: number | undefined;
};

export function createMailTransport(options: MailTransportOptions): MailTransport {
  if (options.smtpUrl) return new SmtpTransport(options.smtpUrl, { timeoutMs: options.timeoutMs });
  return new FileTransport({ dir: options.dir, logger: options.logger });
}
