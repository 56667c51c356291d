import { LockMode } from '@mikro-orm/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '../../../test/harness.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { startStuckSmtp, type StuckSmtp, type StuckSmtpOptions } from '../../../test/stuck-smtp.ts';
import { createOrm, migrate, type Orm } from '../db/orm.ts';
import { platformEntities } from '../platform.entities.ts';
import { createLogger } from '../logger.ts';
import { MailDispatcher, type MailDispatcherOptions } from './mail-dispatcher.ts';
import type { MailMessage, MailTransport } from './mail-transport.ts';
import { enqueueMail } from './outbox.ts';
import { OutboxMessage } from './outbox-message.entity.ts';
import { SmtpTransport } from './smtp-transport.ts';

const FROM = 'Taskvault <no-reply@taskvault.test>';
const HOUR = 3_600_000;

const mail = (to: string): MailMessage => ({
  to,
  subject: `Hello ${to}`,
  text: `Text for ${to}`,
  html: `<p>HTML for ${to}</p>`,
});

/** A promise the test resolves when it chooses. */
function gate() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve: () => resolve() };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

/** A clock the test moves; it starts an hour ahead so that messages created just now are due. */
function testClock() {
  let t = Date.now() + HOUR;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('MailDispatcher', () => {
  let db: TestDatabase;
  let orm: Orm;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  const dispatchers: MailDispatcher[] = [];
  /** Stuck servers and their transports, closed after each test, last opened first. */
  const closables: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createOrm({ entities: platformEntities, database: db.database });
    await migrate(orm);
    sink = await startSmtpSink();
    transport = new SmtpTransport(sink.url);
  });
  afterAll(async () => {
    await transport.close();
    await sink.close();
    await orm.close();
    await db.drop();
  });
  beforeEach(async () => {
    await orm.em.fork().nativeDelete(OutboxMessage, {});
    sink.messages.length = 0;
    sink.failNext(0);
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop({ timeoutMs: 1000 })));
    for (const c of closables.splice(0).reverse()) await c.close();
  });

  function dispatcher(options: Partial<MailDispatcherOptions> = {}): MailDispatcher {
    const d = new MailDispatcher({ orm, transport, from: FROM, logger: createLogger('silent'), ...options });
    dispatchers.push(d);
    return d;
  }

  const outbox = () => orm.em.fork().find(OutboxMessage, {}, { orderBy: { to: 'asc' } });

  const queue = (...to: string[]) =>
    orm.em.fork().transactional(async (em) => {
      for (const address of to) enqueueMail(em, mail(address));
    });

  async function stuckSmtp(options: StuckSmtpOptions): Promise<StuckSmtp> {
    const server = await startStuckSmtp(options);
    closables.push(server);
    return server;
  }

  function smtpTo(url: string, timeoutMs: number): SmtpTransport {
    const t = new SmtpTransport(url, { timeoutMs });
    closables.push(t);
    return t;
  }

  /**
   * Another instance's ORM: on PostgreSQL a pool of its own, so that its claims and renewals really race
   * this one's; PGlite has one connection, and the same ORM then stands in for it.
   */
  async function otherInstanceOrm(): Promise<Orm> {
    if (db.database.engine !== 'postgresql') return orm;
    const other = await createOrm({ entities: platformEntities, database: db.database });
    closables.push({ close: () => other.close() });
    return other;
  }

  it('delivers an email queued in a transaction that commits', async () => {
    await orm.em.fork().transactional(async (em) => {
      enqueueMail(em, mail('ada@example.com'));
    });

    expect(await dispatcher().runOnce()).toEqual({ sent: 1, failed: 0 });
    expect(sink.messages).toEqual([{ from: FROM, ...mail('ada@example.com') }]);
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(row!.sentAt).toBeInstanceOf(Date);
  });

  it('sends nothing for a transaction that rolls back', async () => {
    await expect(
      orm.em.fork().transactional(async (em) => {
        enqueueMail(em, mail('ghost@example.com'));
        await em.flush();
        throw new Error('the signup failed after the email was queued');
      }),
    ).rejects.toThrow('the signup failed');

    expect(await outbox()).toEqual([]);
    expect(await dispatcher().runOnce()).toEqual({ sent: 0, failed: 0 });
    expect(sink.messages).toEqual([]);
  });

  it('retries through an SMTP outage with backoff, then delivers', async () => {
    const clock = testClock();
    const d = dispatcher({ now: clock.now, backoffMs: (attempt) => attempt * 60_000 });
    await orm.em.fork().transactional(async (em) => {
      enqueueMail(em, mail('retry@example.com'));
    });
    sink.failNext(2);

    expect(await d.runOnce()).toEqual({ sent: 0, failed: 1 });
    let [row] = await outbox();
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.lastError).toMatch(/451/);
    expect(row!.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 60_000);

    // Not due before its backoff has passed.
    clock.advance(59_000);
    expect(await d.runOnce()).toEqual({ sent: 0, failed: 0 });

    clock.advance(1_000);
    expect(await d.runOnce()).toEqual({ sent: 0, failed: 1 });
    [row] = await outbox();
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    expect(row!.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 120_000);

    clock.advance(120_000);
    expect(await d.runOnce()).toEqual({ sent: 1, failed: 0 });
    [row] = await outbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sink.messages.map((m) => m.to)).toEqual(['retry@example.com']);
  });

  it("gives a message up as 'failed' after maxAttempts, and the error never escapes", async () => {
    const clock = testClock();
    const broken: MailTransport = {
      send: async () => {
        throw new Error(`connection refused ${'x'.repeat(5000)}`);
      },
      close: async () => {},
    };
    const d = dispatcher({ transport: broken, now: clock.now, maxAttempts: 3 });
    await orm.em.fork().transactional(async (em) => {
      enqueueMail(em, mail('never@example.com'));
    });

    for (let i = 0; i < 3; i++) {
      expect(await d.runOnce()).toEqual({ sent: 0, failed: 1 });
      clock.advance(HOUR);
    }
    expect(await d.runOnce()).toEqual({ sent: 0, failed: 0 });
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'failed', attempts: 3, sentAt: null });
    expect(row!.lastError).toMatch(/^connection refused x+…$/);
    expect(row!.lastError!.length).toBe(1000);
  });

  it('delivers each message exactly once when two dispatchers run at the same time', async () => {
    const count = 30;
    await orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < count; i++) enqueueMail(em, mail(`user${String(i).padStart(2, '0')}@example.com`));
    });
    // On PostgreSQL the second dispatcher is another server instance with its own connection pool, so the
    // claims really race and SKIP LOCKED decides; PGlite has one connection and runs them one after the other.
    const other =
      db.database.engine === 'postgresql'
        ? await createOrm({ entities: platformEntities, database: db.database })
        : orm;
    try {
      const a = dispatcher({ batchSize: 4 });
      const b = dispatcher({ orm: other, batchSize: 4 });
      const results = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);

      expect(results.reduce((n, r) => n + r.sent, 0)).toBe(count);
      expect(results.every((r) => r.failed === 0)).toBe(true);
      const received = sink.messages.map((m) => m.to).sort();
      expect(received).toHaveLength(count);
      expect(new Set(received).size).toBe(count);
      const rows = await outbox();
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    } finally {
      if (other !== orm) await other.close();
    }
  });

  // PGlite has one connection, so a transaction held open here would just make the dispatcher wait for it.
  it.runIf(testConfig().testDatabaseUrl)(
    'skips a message another instance holds locked instead of waiting for it',
    async () => {
      await orm.em.fork().transactional(async (em) => {
        enqueueMail(em, mail('free@example.com'));
        enqueueMail(em, mail('locked@example.com'));
      });
      const other = await createOrm({ entities: platformEntities, database: db.database });
      try {
        const holder = other.em.fork();
        await holder.begin();
        await holder.findOneOrFail(
          OutboxMessage,
          { to: 'locked@example.com' },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        expect(await dispatcher().runOnce()).toEqual({ sent: 1, failed: 0 });
        expect(sink.messages.map((m) => m.to)).toEqual(['free@example.com']);
        await holder.rollback();
        expect(await dispatcher().runOnce()).toEqual({ sent: 1, failed: 0 });
        expect(sink.messages.map((m) => m.to)).toEqual(['free@example.com', 'locked@example.com']);
      } finally {
        await other.close();
      }
    },
  );

  it('polls once started, runs again after a kick that came during a run, and stop waits for that run', async () => {
    let open = gate();
    const sent: string[] = [];
    const slow: MailTransport = {
      send: async (m) => {
        await open.promise;
        sent.push(m.to);
      },
      close: async () => {},
    };
    const attemptsOf = async (to: string) => (await outbox()).find((r) => r.to === to)?.attempts;
    const d = dispatcher({ transport: slow, pollIntervalMs: 60_000 });
    await orm.em.fork().transactional(async (em) => {
      enqueueMail(em, mail('a-first@example.com'));
    });

    d.kick();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await attemptsOf('a-first@example.com')).toBe(0); // a dispatcher that was not started sends nothing

    d.start(); // the first run is immediate, not a poll interval away
    await expect.poll(() => attemptsOf('a-first@example.com')).toBe(1);
    await orm.em.fork().transactional(async (em) => {
      enqueueMail(em, mail('b-second@example.com'));
    });
    d.kick();
    d.kick();
    open.resolve();
    // Long before the next poll (a minute away): the kicks made the dispatcher run again after its run.
    await expect.poll(() => sent).toEqual(['a-first@example.com', 'b-second@example.com']);

    open = gate();
    await orm.em.fork().transactional(async (em) => {
      enqueueMail(em, mail('c-third@example.com'));
    });
    d.kick();
    await expect.poll(() => attemptsOf('c-third@example.com')).toBe(1);
    let stopped = false;
    const stopping = d.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
    open.resolve();
    await stopping;
    expect((await outbox()).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it.each([
    ['accepts and never greets', 'greeting'],
    ['stalls at the end of DATA', 'data'],
  ] as const)(
    'fails an attempt within about the SMTP timeout when the server %s, logs it as smtp, and retries it',
    async (_, stallAt) => {
      const server = await stuckSmtp({ stallAt });
      const { logger, lines } = capturedLogger();
      const d = dispatcher({ transport: smtpTo(server.url, 500), logger, backoffMs: () => 0 });
      await queue('stalled@example.com');

      const { value, ms } = await timed(d.runOnce());

      expect(value).toEqual({ sent: 0, failed: 1 });
      expect(ms).toBeLessThan(3 * 500);
      let [row] = await outbox();
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row!.lastError).toMatch(/^smtp unavailable: /);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          dependency: 'smtp',
          mailId: row!.id,
          msg: 'email not sent, will retry',
        }),
      );

      // Retried: due again after its backoff, and sent once the server works.
      expect(await dispatcher().runOnce()).toEqual({ sent: 1, failed: 0 });
      expect(sink.messages.map((m) => m.to)).toEqual(['stalled@example.com']);
      [row] = await outbox();
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    },
  );

  it('stop() abandons a stuck send at its deadline; after a restart the email is sent once, after its lease', async () => {
    const leaseMs = 1500;
    const server = await stuckSmtp({ stallAt: 'data' });
    // A socket timeout far away: only stop() can end this send.
    const first = dispatcher({ transport: smtpTo(server.url, 60_000), leaseMs, pollIntervalMs: 50 });
    await queue('restart@example.com');
    first.start();
    await expect.poll(() => server.received).toEqual(['restart@example.com']);

    const { ms } = await timed(first.stop({ timeoutMs: 300 }));
    const stoppedAt = Date.now();

    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(300 + 1000);
    // The send is aborted, not merely left behind: its connection is gone.
    await expect.poll(() => server.open, { timeout: 1000 }).toBe(0);
    const [claimed] = await outbox();
    expect(claimed).toMatchObject({ status: 'pending', attempts: 1, lastError: null });
    const leaseEnd = claimed!.nextAttemptAt.getTime();
    expect(leaseEnd).toBeGreaterThan(stoppedAt);

    const second = dispatcher({ leaseMs, pollIntervalMs: 50 });
    second.start();
    await sink.waitFor((m) => m.to === 'restart@example.com', 10_000);
    const deliveredAt = Date.now();

    expect(deliveredAt).toBeGreaterThanOrEqual(leaseEnd);
    expect(deliveredAt - leaseEnd).toBeLessThan(2000);
    await sleep(300);
    expect(sink.messages.map((m) => m.to)).toEqual(['restart@example.com']);
    // Nothing came of the abandoned send: no outcome written, no second attempt at the stuck server.
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(server.received).toEqual(['restart@example.com']);
  });

  it('stop() hands the claimed emails it has not started sending back, due at once', async () => {
    const open = gate();
    const sending: string[] = [];
    const sent: string[] = [];
    const slow: MailTransport = {
      send: async (m) => {
        sending.push(m.to);
        await open.promise;
        sent.push(m.to);
      },
      close: async () => {},
    };
    // A lease of an hour: only handing them back makes the others due again now.
    const d = dispatcher({ transport: slow, leaseMs: HOUR });
    await queue('a@example.com', 'b@example.com', 'c@example.com');
    const running = d.runOnce();
    await expect.poll(() => sending).toHaveLength(1);
    expect((await outbox()).map((r) => r.attempts)).toEqual([1, 1, 1]);

    const stopping = d.stop({ timeoutMs: 5000 });
    open.resolve();
    await stopping;

    expect(await running).toEqual({ sent: 1, failed: 0 });
    expect(sent).toHaveLength(1);
    const rows = await outbox();
    expect(rows.filter((r) => r.status === 'sent').map((r) => r.to)).toEqual(sent);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(2);
    expect(await dispatcher().runOnce()).toEqual({ sent: 2, failed: 0 });
    expect(sink.messages.map((m) => m.to).sort()).toEqual(
      ['a@example.com', 'b@example.com', 'c@example.com'].filter((to) => !sent.includes(to)),
    );
  });

  it('renews the lease of a send slower than the lease: a second instance running alongside never sends it again', async () => {
    const leaseMs = 300;
    // Four leases to answer the final dot.
    const server = await stuckSmtp({ stallAt: 'data', acceptAfterMs: 4 * leaseMs });
    const other = await otherInstanceOrm();
    await queue('slow@example.com');
    const a = dispatcher({ transport: smtpTo(server.url, 5000), leaseMs, pollIntervalMs: 50 });
    const b = dispatcher({ orm: other, transport: smtpTo(server.url, 5000), leaseMs, pollIntervalMs: 50 });
    a.start();
    b.start();

    await expect.poll(() => server.accepted, { timeout: 5000 }).toEqual(['slow@example.com']);
    await expect.poll(async () => (await outbox())[0]?.status).toBe('sent');
    // Both keep polling for a while: the sent email is not due for either.
    await sleep(2 * leaseMs);

    expect(server.received).toEqual(['slow@example.com']);
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retries within about a lease an email whose instance died after claiming it', async () => {
    const leaseMs = 300;
    await queue('orphan@example.com');
    // What a claim writes, from an instance that then died: no renewal, no outcome, ever.
    const leaseEnd = Date.now() + leaseMs;
    await orm.em.fork().nativeUpdate(OutboxMessage, {}, { attempts: 1, nextAttemptAt: new Date(leaseEnd) });

    dispatcher({ leaseMs, pollIntervalMs: 50 }).start();
    await sink.waitFor((m) => m.to === 'orphan@example.com', 5000);
    const deliveredAt = Date.now();

    expect(deliveredAt).toBeGreaterThanOrEqual(leaseEnd);
    expect(deliveredAt - leaseEnd).toBeLessThan(1500);
    await expect.poll(async () => (await outbox())[0]?.status).toBe('sent');
    expect((await outbox())[0]?.attempts).toBe(2);
  });

  it('gives a send up before its lease runs out when the lease cannot be renewed, without throwing', async () => {
    const leaseMs = 1500;
    let broken = false;
    // The database goes away in the middle of the send.
    const flaky = {
      em: {
        fork: () => {
          if (broken) throw new Error('connection terminated');
          return orm.em.fork();
        },
      },
    } as unknown as Orm;
    let started = false;
    let abortedAt: number | undefined;
    const hanging: MailTransport = {
      send: (_m, options) =>
        new Promise((_resolve, reject) => {
          started = true;
          options?.signal?.addEventListener('abort', () => {
            abortedAt = Date.now();
            reject(new Error('aborted'));
          });
        }),
      close: async () => {},
    };
    const { logger, lines } = capturedLogger();
    const d = dispatcher({ orm: flaky, transport: hanging, leaseMs, logger });
    await queue('unrenewed@example.com');

    const running = d.runOnce();
    await expect.poll(() => started).toBe(true);
    broken = true;
    expect(await running).toEqual({ sent: 0, failed: 1 });
    broken = false;

    const [row] = await outbox();
    // Still pending under the lease of its claim, which the send did not outlive.
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: null });
    expect(abortedAt).toBeLessThan(row!.nextAttemptAt.getTime());
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'email lease not renewed' }));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'email lease lost: its send is given up' }),
    );

    await sleep(row!.nextAttemptAt.getTime() - Date.now() + 50);
    expect(await dispatcher({ leaseMs }).runOnce()).toEqual({ sent: 1, failed: 0 });
    expect(sink.messages.map((m) => m.to)).toEqual(['unrenewed@example.com']);
  });

  it('logs a database failure instead of throwing it', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger('info', {
      write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }),
    });
    const down = {
      em: {
        fork: () => {
          throw new Error('connection terminated');
        },
      },
    } as unknown as Orm;
    expect(await dispatcher({ orm: down, logger }).runOnce()).toEqual({ sent: 0, failed: 0 });
    expect(lines).toMatchObject([{ level: 50, msg: 'mail dispatch failed' }]);
  });
});
