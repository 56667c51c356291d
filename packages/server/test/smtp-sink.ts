import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** An email as the sink received it; `from` and `to` are the header values as written. */
export type ReceivedMail = { from: string; to: string; subject: string; text: string; html: string };

export type SmtpSink = {
  /** `smtp://127.0.0.1:PORT`, ready for `SMTP_URL` or a transport. */
  url: string;
  /** Everything accepted so far, oldest first. */
  messages: ReceivedMail[];
  /** The first message (already received or still to come) that matches, or a rejection after the timeout. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Rejects the next `n` messages with a temporary error (451), as a mail server in trouble would. */
  failNext(n: number): void;
  close(): Promise<void>;
};

type Waiter = { predicate: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void };

/** `Name <address>` or just `address`, comma-separated: what the sender wrote, without MIME quoting. */
const addresses = (value: AddressObject | AddressObject[] | undefined): string =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((list) => list.value)
    .map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? '')))
    .join(', ');

/** A real SMTP server on a loopback port that keeps what it receives, for tests that send email. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let waiters: Waiter[] = [];
  let failures = 0;

  const receive = (mail: ReceivedMail): void => {
    messages.push(mail);
    const matched = waiters.filter((w) => w.predicate(mail));
    waiters = waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve(mail);
  };

  const server = new SMTPServer({
    // Plain SMTP without a login on loopback: nothing to configure in the code under test.
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A client that keeps its connection (a pooled transport) would otherwise hold close() for 30 s.
    closeTimeout: 500,
    onData(stream, _session, callback) {
      // The whole message is read either way: the reply can only come after the client's final dot.
      simpleParser(stream).then(
        (parsed) => {
          if (failures > 0) {
            failures--;
            return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          }
          receive({
            from: addresses(parsed.from),
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html || '',
          });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`No matching email within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    failNext(n) {
      failures = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
