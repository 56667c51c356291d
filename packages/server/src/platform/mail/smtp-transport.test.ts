import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
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

  it('rejects when the server refuses the message, and works again afterwards', async () => {
    const message = {
      from: 'no-reply@taskvault.test',
      to: 'bob@example.com',
      subject: 's',
      text: 't',
      html: 'h',
    };
    sink.failNext(1);
    await expect(transport.send(message)).rejects.toMatchObject({ responseCode: 451 });
    await transport.send(message);
    await sink.waitFor((m) => m.to === 'bob@example.com');
  });
});
