import { LockMode } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';
import { DependencyUnavailableError } from '../dependency.ts';
import { settledWithin } from '../settled-within.ts';
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
   * How long a claimed message is reserved for the instance sending it. The lease is renewed every third
   * of it while the send runs, so it only bounds how long a message claimed by an instance that died
   * waits before another instance retries it.
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

/** The fence every write about a claimed message is made under: it still carries this instance's claim. */
type Fence = { id: string; status: 'pending'; attempts: number };

/** A claimed message's lease, kept alive while it is being sent. */
type Lease = {
  /** For the send: aborted when the lease is lost, or when `stop` abandons the send. */
  signal: AbortSignal;
  /** Why it was lost: another instance took the message over, or renewals kept failing. */
  readonly lost: 'taken' | 'unrenewed' | undefined;
  /** Stops renewing, once a renewal under way has settled (a late one would undo the recorded outcome). */
  end(): Promise<void>;
};

type Outcome = 'sent' | 'failed' | 'skipped' | 'abandoned';

const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * Delivers the mail outbox. Messages are claimed in a short transaction (`FOR UPDATE SKIP LOCKED`, so
 * instances never wait on each other nor take the same rows) that counts the attempt and pushes
 * `nextAttemptAt` out by a lease; the sending happens after the commit, so a slow or hanging SMTP server
 * holds no row lock and no connection. The attempt count doubles as a fencing token: it only ever grows,
 * and every later write (renewal, outcome, release) only applies if the message still carries the count
 * this instance claimed it with.
 *
 * While a message is being sent its lease is renewed every third of the lease, so a slow send is not
 * taken over by another instance, while a message whose instance died is retried within about a lease. A
 * send whose lease is lost (another instance took the message over, or renewals kept failing) is aborted
 * before the lease runs out.
 *
 * Delivery is at least once, not exactly once: a message can be sent twice when the process dies, or
 * gives a send up (lease lost, `stop` at its deadline), after the server accepted the message but before
 * the outcome was recorded; and when the database takes longer than a lease to record it.
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
  /** `stop` gave up waiting: sends in progress are aborted and nothing more is written. */
  readonly #abandon = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  /** The polling loop's run, if one is going. */
  #inFlight: Promise<void> | undefined;
  /** Every run going, the polling loop's and direct `runOnce` calls alike, for `stop` to wait for. */
  readonly #runs = new Set<Promise<DispatchResult>>();
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
    this.#leaseMs = options.leaseMs ?? MINUTE;
    this.#batchSize = options.batchSize ?? 20;
    this.#now = options.now ?? (() => new Date());
  }

  /** Polls from now on; the first run is immediate, to send what was queued while no instance was up. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(0);
  }

  /**
   * Stops polling and sending, and waits up to `timeoutMs` (default 10 s) for the send in progress.
   * Messages claimed but not yet being sent are handed back at once, for any instance to send. A send
   * still going at the deadline is abandoned: it is aborted (an SMTP connection is destroyed) and nothing
   * more is written, so the message stays pending with its attempt counted until its lease runs out, when
   * another instance, or this one after a restart, sends it (again, if the abandoned send had in fact
   * reached the server). Never throws. The transport is the caller's to close.
   */
  async stop(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (this.#abandon.signal.aborted) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const runs = [this.#inFlight, ...this.#runs].filter((run) => run !== undefined);
    if (runs.length === 0) return;
    if (await settledWithin(Promise.all(runs), timeoutMs)) return;
    this.#abandon.abort(new Error('the mail dispatcher stopped'));
    this.#logger.warn(
      { timeoutMs },
      'mail dispatcher stopped with a send still in progress: the email is retried once its lease runs out',
    );
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

  /**
   * Sends every message that is due, until stopped. Never throws: failures are recorded on the messages
   * and logged.
   */
  runOnce(): Promise<DispatchResult> {
    const run = this.#run();
    this.#runs.add(run);
    void run.finally(() => this.#runs.delete(run));
    return run;
  }

  async #run(): Promise<DispatchResult> {
    const result: DispatchResult = { sent: 0, failed: 0 };
    try {
      while (!this.#stopped) {
        // Before the claim: the lease the claim writes starts no earlier than this.
        const claimedAt = performance.now();
        const batch = await this.#claim();
        for (const [i, message] of batch.entries()) {
          if (this.#stopped) {
            if (!this.#abandon.signal.aborted) await this.#release(batch.slice(i));
            return result;
          }
          const outcome = await this.#deliver(message, claimedAt + this.#leaseMs);
          if (outcome === 'sent') result.sent++;
          else if (outcome === 'failed') result.failed++;
        }
        if (batch.length < this.#batchSize) break;
      }
    } catch (err) {
      // The database, not a transport: nothing was claimed, or a lease will bring the message back.
      if (!this.#abandon.signal.aborted) this.#logger.error({ err }, 'mail dispatch failed');
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

  /**
   * Sends one claimed message and records the outcome. `securedUntil` is when its lease runs out, on the
   * `performance.now()` clock.
   */
  async #deliver(message: OutboxMessage, securedUntil: number): Promise<Outcome> {
    const { id, attempts } = message;
    const fence: Fence = { id, status: 'pending', attempts };
    // A message that waited behind others of its batch may be near the end of its lease, or past it and
    // taken over by another instance: renew it first, as the send would have a third of a lease in.
    if (performance.now() >= securedUntil - (2 * this.#leaseMs) / 3) {
      const renewingAt = performance.now();
      if (!(await this.#extendLease(fence))) {
        this.#logger.warn({ mailId: id }, 'email skipped: another instance took it over while it waited');
        return 'skipped';
      }
      securedUntil = renewingAt + this.#leaseMs;
    }

    const lease = this.#holdLease(fence, securedUntil);
    let failure: { err: unknown } | undefined;
    try {
      await this.#transport.send(
        {
          from: this.#from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        },
        { signal: lease.signal },
      );
    } catch (err) {
      failure = { err };
    }
    // Abandoned by stop: nothing more is written, the lease brings the message back.
    if (this.#abandon.signal.aborted) return 'abandoned';
    await lease.end();
    if (this.#abandon.signal.aborted) return 'abandoned';
    // Whatever came of the send, the message is another instance's now, and so is its outcome.
    if (lease.lost === 'taken') return 'skipped';

    if (!failure) {
      await this.#record(fence, { status: 'sent', sentAt: this.#now() });
      this.#logger.info({ mailId: id, attempts }, 'email sent');
      return 'sent';
    }
    const { err } = failure;
    const lastError = lease.lost ? 'the send was given up: its lease could not be renewed' : errorText(err);
    const giveUp = attempts >= this.#maxAttempts;
    const update = giveUp
      ? { status: 'failed' as const, lastError }
      : { lastError, nextAttemptAt: new Date(this.#now().getTime() + this.#backoffMs(attempts)) };
    await this.#record(fence, update);
    // An SMTP server in trouble is an outage of a dependency, logged as such; the outbox retries it.
    const cause =
      err instanceof DependencyUnavailableError
        ? { dependency: err.dependency, reason: err.message }
        : { err };
    if (giveUp) this.#logger.error({ ...cause, mailId: id, attempts }, 'email failed for good');
    else this.#logger.warn({ ...cause, mailId: id, attempts }, 'email not sent, will retry');
    return 'failed';
  }

  /**
   * Renews the lease of a message being sent every third of a lease, and aborts the send when the lease is
   * lost: at once when another instance took the message over, and a sixth of a lease before it runs out
   * when renewals kept failing (the database is down or slow), so that the abort reaches the server before
   * another instance may claim the message.
   */
  #holdLease(fence: Fence, securedUntil: number): Lease {
    const controller = new AbortController();
    const interval = this.#leaseMs / 3;
    let lost: Lease['lost'];
    let ended = false;
    let renewing: Promise<void> = Promise.resolve();
    let renewTimer: NodeJS.Timeout | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    const stopTimers = (): void => {
      ended = true;
      clearTimeout(renewTimer);
      clearTimeout(expiryTimer);
      this.#abandon.signal.removeEventListener('abort', abandon);
    };
    // Abandoned by stop: the send is aborted, and its lease ends here and now, for an abandoned send may
    // never settle (a transport that ignores its signal) and must not keep the message from other instances.
    const abandon = (): void => {
      stopTimers();
      controller.abort(this.#abandon.signal.reason);
    };
    if (this.#abandon.signal.aborted) abandon();
    else this.#abandon.signal.addEventListener('abort', abandon, { once: true });
    const giveUp = (why: 'taken' | 'unrenewed'): void => {
      if (ended) return;
      stopTimers();
      lost = why;
      controller.abort(new Error(`email lease lost (${why})`));
      this.#logger.warn(
        {
          mailId: fence.id,
          reason: why === 'taken' ? 'another instance took it over' : 'it could not be renewed',
        },
        'email lease lost: its send is given up',
      );
    };
    // Unref'd, as the poll is: the send is what the process waits for, not its lease.
    const armExpiry = (): void => {
      clearTimeout(expiryTimer);
      const ms = Math.max(0, securedUntil - this.#leaseMs / 6 - performance.now());
      expiryTimer = setTimeout(() => giveUp('unrenewed'), ms).unref();
    };
    const scheduleRenewal = (): void => {
      if (!ended) renewTimer = setTimeout(() => (renewing = renew()), interval).unref();
    };
    const renew = async (): Promise<void> => {
      const renewingAt = performance.now();
      try {
        if (!(await this.#extendLease(fence))) return giveUp('taken');
        if (ended) return;
        securedUntil = renewingAt + this.#leaseMs;
        armExpiry();
      } catch (err) {
        this.#logger.warn({ err, mailId: fence.id }, 'email lease not renewed');
      }
      scheduleRenewal();
    };
    armExpiry();
    scheduleRenewal();
    return {
      signal: controller.signal,
      get lost() {
        return lost;
      },
      end: async () => {
        stopTimers();
        await renewing;
      },
    };
  }

  /** Pushes the lease of a message this instance holds out by a lease; false when it is no longer held. */
  async #extendLease(fence: Fence): Promise<boolean> {
    const nextAttemptAt = new Date(this.#now().getTime() + this.#leaseMs);
    return (await this.#orm.em.fork().nativeUpdate(OutboxMessage, fence, { nextAttemptAt })) > 0;
  }

  /**
   * Hands claimed messages that were never sent back to the outbox, due at once. Their attempt stays
   * counted: taking it back would let a write still on its way from this instance match a later claim.
   */
  async #release(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const fences: Fence[] = messages.map((m) => ({ id: m.id, status: 'pending', attempts: m.attempts }));
    try {
      await this.#orm.em.fork().nativeUpdate(OutboxMessage, { $or: fences }, { nextAttemptAt: this.#now() });
    } catch (err) {
      // Their leases bring them back a little later instead.
      this.#logger.error({ err }, 'claimed emails not handed back');
    }
  }

  async #record(
    fence: Fence,
    update: Partial<Pick<OutboxMessage, 'status' | 'sentAt' | 'lastError' | 'nextAttemptAt'>>,
  ): Promise<void> {
    try {
      const updated = await this.#orm.em.fork().nativeUpdate(OutboxMessage, fence, update);
      // Zero rows: the lease was lost and another instance claimed the message since; its outcome counts.
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
