import { createTransport } from 'nodemailer';
import type { MailMessage, MailTransport } from './mail-transport.ts';

/** Delivery through an SMTP server, e.g. `smtps://user:pass@smtp.example.com:465`. */
export class SmtpTransport implements MailTransport {
  // A pool keeps connections open between messages, so a burst of emails does not pay a TLS handshake and
  // a login for each one. Options in the URL's query string (e.g. `?pool=false`) win over these.
  readonly #transporter: ReturnType<typeof createTransport>;

  constructor(smtpUrl: string) {
    this.#transporter = createTransport({ url: smtpUrl, pool: true });
  }

  async send(message: MailMessage & { from: string }): Promise<void> {
    await this.#transporter.sendMail(message);
  }

  async close(): Promise<void> {
    this.#transporter.close();
  }
}
