import { createTransport } from 'nodemailer';
import { DependencyTimeoutError, DependencyUnavailableError } from '../dependency.ts';
import type { MailMessage, MailTransport, SendOptions } from './mail-transport.ts';

export type SmtpTransportOptions = {
  /**
   * The bound on connecting (greeting included) and on any silence of the server during a send, so a
   * stuck server fails a send in bounded time rather than holding it for nodemailer's minutes.
   */
  timeoutMs?: number | undefined;
};

/** Failures that say the server cannot be reached or is in trouble right now, rather than a refusal. */
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY']);

/**
 * Delivery through an SMTP server, e.g. `smtps://user:pass@smtp.example.com:465`. A server that cannot be
 * reached, times out or answers 4xx fails the send with a DependencyUnavailableError('smtp'); a refusal
 * (5xx, a failed login) is passed on as nodemailer reports it. Either way the outbox retries.
 */
export class SmtpTransport implements MailTransport {
  // A pool keeps connections open between messages, so a burst of emails does not pay a TLS handshake and
  // a login for each one. Options in the URL's query string (e.g. `?pool=false`) win over these.
  readonly #transporter: ReturnType<typeof createTransport>;

  constructor(smtpUrl: string, options: SmtpTransportOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.#transporter = createTransport({
      url: smtpUrl,
      pool: true,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // A connection is only closed when it is of no more use (idle, given up, shut down): destroying it
      // at once keeps a server that never closes its side from holding the socket for another 5 s.
      socketCloseTimeout: 0,
    });
  }

  async send(message: MailMessage & { from: string }, options: SendOptions = {}): Promise<void> {
    const { signal } = options;
    try {
      await this.#transporter.sendMail(signal ? { ...message, signal } : message);
    } catch (err) {
      // Given up by the caller: not the server's failure.
      if (signal?.aborted) throw err;
      throw smtpFailure(err);
    }
  }

  /**
   * Closes the pool, connections in the middle of a delivery too (`force`): by the time the transport is
   * closed nobody waits for those sends any more, and a stuck server must not keep the process alive.
   */
  async close(): Promise<void> {
    this.#transporter.close({ force: true });
  }
}

function smtpFailure(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const { code, responseCode } = err as Error & { code?: unknown; responseCode?: unknown };
  if (code === 'ETIMEDOUT') return new DependencyTimeoutError('smtp', err.message, { cause: err });
  const transient = typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500;
  if (transient || (typeof code === 'string' && UNREACHABLE.has(code)))
    return new DependencyUnavailableError('smtp', err.message, { cause: err });
  return err;
}
