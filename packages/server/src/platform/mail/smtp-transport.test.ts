import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { startStuckSmtp, type StuckSmtp, type StuckSmtpOptions } from '../../../test/stuck-smtp.ts';
import { DependencyTimeoutError, DependencyUnavailableError } from '../dependency.ts';
import { createLogger } from '../logger.ts';
import { createMailTransport } from './create-mail-transport.ts';
import type { MailTransport } from './mail-transport.ts';
import { SmtpTransport } from './smtp-transport.ts';

describe('SmtpTransport', () => {
  let sink: SmtpSink;
  let transport: MailTransport;
  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = createMailTransport({
      smtpUrl: sink.url,
      dir: '/nonexistent',
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await transport.close();
    await sink.close();
  });

  it('is what createMailTransport picks when an SMTP URL is set', () => {
    expect(transport).toBeInstanceOf(SmtpTransport);
  });

  it('delivers a message with its subject, text and html over a real SMTP exchange', async () => {
    await transport.send({
      from: 'Taskvault <no-reply@taskvault.test>',
      to: 'ada@example.com',
      subject: 'Welcome, Ada — ünïcode too',
      text: 'Plain text body',
      html: '<p>HTML <strong>body</strong></p>',
    });
    const mail = await sink.waitFor((m) => m.to === 'ada@example.com');
    expect(mail).toEqual({
      from: 'Taskvault <no-reply@taskvault.test>',
      to: 'ada@example.com',
      subject: 'Welcome, Ada — ünïcode too',
      text: 'Plain text body',
      html: '<p>HTML <strong>body</strong></p>',
    });
  });

  it('rejects a temporary refusal as smtp unavailable, and works again afterwards', async () => {
    const message = {
      from: 'no-reply@taskvault.test',
      to: 'bob@example.com',
      subject: 's',
      text: 't',
      html: 'h',
    };
    sink.failNext(1);
    const refused = await transport.send(message).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DependencyUnavailableError);
    expect(refused).toMatchObject({ dependency: 'smtp', cause: { responseCode: 451 } });
    expect(String(refused)).toMatch(/smtp unavailable: .*451/);
    await transport.send(message);
    await sink.waitFor((m) => m.to === 'bob@example.com');
  });
});

describe('SmtpTransport against a server that stalls', () => {
  const message = {
    from: 'no-reply@taskvault.test',
    to: 'stuck@example.com',
    subject: 's',
    text: 't',
    html: 'h',
  };
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close();
  });
  async function stuck(options: StuckSmtpOptions): Promise<StuckSmtp> {
    const server = await startStuckSmtp(options);
    open.push(server);
    return server;
  }
  function smtp(url: string, timeoutMs: number): SmtpTransport {
    const transport = new SmtpTransport(url, { timeoutMs });
    open.push(transport);
    return transport;
  }
  async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await work;
    return { value, ms: performance.now() - started };
  }

  it.each([
    ['accepts and never greets', 'greeting'],
    ['stalls at the end of DATA', 'data'],
  ] as const)(
    'fails a send within its timeout when the server %s, and drops the connection',
    async (_, stallAt) => {
      const server = await stuck({ stallAt });
      const transport = smtp(server.url, 400);

      const { value: err, ms } = await timed(transport.send(message).catch((e: unknown) => e));

      expect(err).toBeInstanceOf(DependencyTimeoutError);
      expect(err).toMatchObject({ dependency: 'smtp' });
      // It waited for the timeout rather than failing for another reason, and not much longer.
      expect(ms).toBeGreaterThanOrEqual(350);
      expect(ms).toBeLessThan(3 * 400);
      expect(server.received).toEqual(stallAt === 'data' ? ['stuck@example.com'] : []);
      await expect.poll(() => server.open).toBe(0);
    },
  );

  it('close() ends a send in progress and destroys its connection at once', async () => {
    const server = await stuck({ stallAt: 'data' });
    const transport = new SmtpTransport(server.url, { timeoutMs: 60_000 });
    const sending = transport.send(message).catch((e: unknown) => e);
    await expect.poll(() => server.received).toEqual(['stuck@example.com']);

    const { value: err, ms } = await timed(transport.close().then(() => sending));

    expect(err).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(1000);
    await expect.poll(() => server.open, { timeout: 1000 }).toBe(0);
    // A closed transport sends nothing more.
    await expect(transport.send(message)).rejects.toThrow(/closed/);
  });

  it('an aborted signal ends its send and its connection, and is not reported as an smtp failure', async () => {
    const server = await stuck({ stallAt: 'data' });
    const transport = smtp(server.url, 60_000);
    const abort = new AbortController();
    const sending = transport.send(message, { signal: abort.signal }).catch((e: unknown) => e);
    await expect.poll(() => server.received).toEqual(['stuck@example.com']);

    const { value: err, ms } = await timed((abort.abort(), sending));

    expect(err).toMatchObject({ name: 'AbortError' });
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
    expect(ms).toBeLessThan(1000);
    await expect.poll(() => server.open, { timeout: 1000 }).toBe(0);
  });

  it('gives a slow but answering server the time it takes', async () => {
    const server = await stuck({ stallAt: 'data', acceptAfterMs: 300 });
    const transport = smtp(server.url, 2000);
    await transport.send(message);
    expect(server.accepted).toEqual(['stuck@example.com']);
  });
});
