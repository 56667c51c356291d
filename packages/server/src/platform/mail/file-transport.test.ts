import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createMailTransport } from './create-mail-transport.ts';
import { FileTransport, findLinks } from './file-transport.ts';

const root = mkdtempSync(path.join(tmpdir(), 'taskvault-mail-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

const link = 'https://taskvault.test/verify-email?token=abc123';
const message = {
  from: 'Taskvault <no-reply@taskvault.test>',
  to: 'ada@example.com',
  subject: 'Confirm your email',
  text: `Hello Ada,\n\nConfirm your address: ${link}.\nOr see http://taskvault.test/help\n`,
  html: `<p>Hello Ada,</p><p><a href="${link}">Confirm your address</a></p>`,
};

describe('FileTransport', () => {
  it('writes a parsable .eml with the text and html parts, creating the directory', async () => {
    const dir = path.join(root, 'nested', 'outbox');
    const { logger } = capturedLogger();
    const transport = new FileTransport({ dir, logger });
    await transport.send(message);
    await transport.close();

    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-[0-9a-f]{8}\.eml$/);
    const raw = readFileSync(path.join(dir, files[0]!));
    // RFC 5322 lines end in CRLF.
    expect(raw.toString('latin1')).toMatch(/^[^\n]*\r\n/);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from?.value).toEqual([{ name: 'Taskvault', address: 'no-reply@taskvault.test' }]);
    expect(parsed.to).toMatchObject({ value: [{ address: message.to }] });
    expect(parsed.text?.trim()).toBe(message.text.trim());
    expect(parsed.html).toBe(message.html);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
  });

  it('logs one line with the recipient, subject, file and every link of the text part', async () => {
    const dir = path.join(root, 'logged');
    const { logger, lines } = capturedLogger();
    const transport = createMailTransport({ dir, logger });
    await transport.send(message);

    expect(lines).toHaveLength(1);
    const [file] = readdirSync(dir);
    expect(lines[0]).toMatchObject({
      level: 30,
      mail: {
        to: message.to,
        subject: message.subject,
        file: path.join(dir, file!),
        links: [link, 'http://taskvault.test/help'],
      },
    });
  });

  it('gives each message a file of its own', async () => {
    const dir = path.join(root, 'many');
    const transport = new FileTransport({ dir, logger: createLogger('silent') });
    await Promise.all([1, 2, 3].map((n) => transport.send({ ...message, subject: `n${n}` })));
    expect(readdirSync(dir)).toHaveLength(3);
  });
});

describe('findLinks', () => {
  it('finds http and https links and leaves out trailing punctuation and brackets', () => {
    expect(findLinks('Go to https://a.test/x?y=1&z=2. Or (http://b.test/p), not ftp://c.test')).toEqual([
      'https://a.test/x?y=1&z=2',
      'http://b.test/p',
    ]);
    expect(findLinks('no links here')).toEqual([]);
  });
});
