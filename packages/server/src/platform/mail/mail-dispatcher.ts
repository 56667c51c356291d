import { LockMode } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';
import type { MailTransport } from './mail-transport.ts';
import { OutboxMessage } from './outbox-message.entity.ts';

export type MailDispatcherOptions = {
  orm: Orm;
  transport: MailTransport;
  /** The From header of every email, e.g. `Taskvault <no-reply@example.com>`. */
  from: string;
  logger: Logger;
  pollIntervalMs?: number;
  /** Attempts before a message is given up as 'failed'. */
  maxAttempts?: number;
  /** The wait before the next attempt, given how many attempts have failed so far (1, 2, ...). */
  backoffMs?: (attempt: number) => number;
  /**
   * How long a claimed message is reserved for the instance sending it. It must outlast the slowest send:
   * a message whose lease runs out while it is still being sent may be sent a second time.
   */
  leaseMs?: number;
  /** Messages claimed per transaction. */
  batchSize?: number;
  now?: () => Date;
};

/** What one run did: messages sent, and attempts that failed (retried later or given up). */
export type DispatchResult = { sent: number; failed: number };

const MINUTE = 60_000;
const MAX_ERROR_LENGTH = 1000;

export const defaultBackoffMs = (attempt: number): number => Math.min(1000 * 2 ** attempt, 15 * MINUTE);

/**
 * Delivers the mail outbox. Messages are claimed in a short transaction (`FOR UPDATE SKIP LOCKED`, so
 * instances never wait on each other nor take the same rows) that counts the attempt and pushes
 * `nextAttemptAt` out by a lease; the sending happens after the commit, so a slow or hanging SMTP server
 * holds no row lock and no connection. The attempt count doubles as a fencing token: the outcome is only
 * recorded if the message still carries the count this instance claimed it with.
 *
 * Delivery is at least once: a process that dies between the send and the recording of its outcome leaves
 * the message to be sent again when the lease runs out.
 */
export class MailDispatcher {
  readonly #orm: Orm;
  readonly #transport: MailTransport;
  readonly #from: string;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: (attempt: number) => number;
  readonly #leaseMs: number;
  readonly #batchSize: number;
  readonly #now: () => Date;

  #started = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  /** A kick arrived during a run: run again straight after it, once, however many kicks there were. */
  #again = false;

  constructor(options: MailDispatcherOptions) {
    this.#orm = options.orm;
    this.#transport = options.transport;
    this.#from = options.from;
    this.#logger = options.logger;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#backoffMs = options.backoffMs ?? defaultBackoffMs;
    this.#leaseMs = options.leaseMs ?? 15 * MINUTE;
    this.#batchSize = options.batchSize ?? 20;
    this.#now = options.now ?? (() => new Date());
  }

  /** Polls from now on; the first run is immediate, to send what was queued while no instance was up. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Stops polling and waits for a run in progress to finish. The transport is the caller's to close. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /**
   * Runs soon rather than at the next poll, e.g. after a commit that queued an email. Ignored unless
   * started: a dispatcher that was not started sends nothing by itself.
   */
  kick(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#inFlight) this.#again = true;
    else this.#schedule(0);
  }

  /** Sends every message that is due. Never throws: failures are recorded on the messages and logged. */
  async runOnce(): Promise<DispatchResult> {
    const result: DispatchResult = { sent: 0, failed: 0 };
    try {
      for (;;) {
        const batch = await this.#claim();
        for (const message of batch) {
          if (await this.#deliver(message)) result.sent++;
          else result.failed++;
        }
        if (batch.length < this.#batchSize) break;
      }
    } catch (err) {
      // The database, not a transport: nothing was claimed, or a lease will bring the message back.
      this.#logger.error({ err }, 'mail dispatch failed');
    }
    return result;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    // Unref'd: a pending poll must not keep the process alive on its own.
    this.#timer = setTimeout(() => this.#tick(), delayMs).unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#inFlight = this.#loop().finally(() => {
      this.#inFlight = undefined;
      this.#schedule(this.#pollIntervalMs);
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.runOnce();
    } while (this.#again && !this.#stopped);
  }

  /** Takes up to a batch of due messages for this instance, in a transaction that is over before sending. */
  async #claim(): Promise<OutboxMessage[]> {
    const now = this.#now();
    const leaseUntil = new Date(now.getTime() + this.#leaseMs);
    return this.#orm.em.fork().transactional(async (em) => {
      const due = await em.find(
        OutboxMessage,
        { status: 'pending', nextAttemptAt: { $lte: now } },
        {
          orderBy: { nextAttemptAt: 'asc' },
          limit: this.#batchSize,
          lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
        },
      );
      for (const message of due) {
        // A message already at the limit was claimed for its last attempt by an instance that never
        // reported back (it died mid-send); give up on it rather than try forever.
        if (message.attempts >= this.#maxAttempts) {
          message.status = 'failed';
          message.lastError ??= 'the last attempt never reported back';
          this.#logger.error({ mailId: message.id }, 'email given up: its last attempt never reported back');
          continue;
        }
        message.attempts += 1;
        message.nextAttemptAt = leaseUntil;
      }
      return due.filter((m) => m.status === 'pending');
    });
  }

  /** Sends one claimed message and records the outcome; true when it was sent. */
  async #deliver(message: OutboxMessage): Promise<boolean> {
    const { id, attempts } = message;
    const fence = { id, status: 'pending' as const, attempts };
    try {
      await this.#transport.send({
        from: this.#from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    } catch (err) {
      const lastError = errorText(err);
      const giveUp = attempts >= this.#maxAttempts;
      const update = giveUp
        ? { status: 'failed' as const, lastError }
        : { lastError, nextAttemptAt: new Date(this.#now().getTime() + this.#backoffMs(attempts)) };
      await this.#record(fence, update);
      if (giveUp) this.#logger.error({ err, mailId: id, attempts }, 'email failed for good');
      else this.#logger.warn({ err, mailId: id, attempts }, 'email not sent, will retry');
      return false;
    }
    await this.#record(fence, { status: 'sent', sentAt: this.#now() });
    this.#logger.info({ mailId: id, attempts }, 'email sent');
    return true;
  }

  async #record(
    fence: { id: string; status: 'pending'; attempts: number },
    update: Partial<Pick<OutboxMessage, 'status' | 'sentAt' | 'lastError' | 'nextAttemptAt'>>,
  ): Promise<void> {
    try {
      const updated = await this.#orm.em.fork().nativeUpdate(OutboxMessage, fence, update);
      // Zero rows: the lease ran out and another instance claimed the message since; its outcome counts.
      if (updated === 0) this.#logger.warn({ mailId: fence.id }, 'email outcome not recorded: lease lost');
    } catch (err) {
      // The lease brings the message back later; the rest of the batch is still worth sending.
      this.#logger.error({ err, mailId: fence.id }, 'email outcome not recorded');
    }
  }
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
