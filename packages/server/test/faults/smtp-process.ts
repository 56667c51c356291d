import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { childEnv, launchProcess, tcpExchange, type ControlledProcess } from './processes.ts';

export type { ControlledProcess };

export type SmtpProcess = ControlledProcess & {
  /** `smtp://127.0.0.1:PORT`, for SMTP_URL. */
  url: string;
  port: number;
  /** The recipients of every message accepted so far (250 sent), one entry per message, oldest first. */
  received(): Promise<string[]>;
};

const require = createRequire(import.meta.url);

/**
 * A real SMTP server (smtp-server, as test/smtp-sink.ts uses) in a child process: plain SMTP on loopback,
 * no login, and each message it accepts appended to a log in its folder just before its 250, so the log
 * survives stop, kill and start and says what was delivered. SIGTERM closes it.
 */
const SERVER = `
const { appendFileSync } = require('node:fs');
const { SMTPServer } = require(process.argv[1]);
const [, , log, port] = process.argv;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  closeTimeout: 200,
  onData(stream, session, callback) {
    stream.on('data', () => {});
    stream.once('end', () => {
      const to = session.envelope.rcptTo.map((r) => r.address).join(',');
      appendFileSync(log, JSON.stringify(to) + '\\n');
      callback();
    });
  },
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** Whether it greets now: a frozen server accepts the connection and says nothing. */
const greets = async (port: number): Promise<boolean> =>
  /^220 /m.test((await tcpExchange(port, '', { timeoutMs: 1_000, until: /\r\n/ })).answer);

/** An SMTP server in a process of its own on a free loopback port, which a test may stop, freeze and kill. */
export async function startSmtpProcess(): Promise<SmtpProcess> {
  const directory = await mkdtemp(path.join(tmpdir(), 'taskvault-smtp-'));
  const log = path.join(directory, 'received.jsonl');
  const control = await launchProcess({
    name: 'smtp-server',
    command: process.execPath,
    args: (port) => ['-e', SERVER, require.resolve('smtp-server'), log, String(port)],
    env: childEnv(),
    stopSignal: 'SIGTERM',
    probe: greets,
    directory,
  });
  const received = async (): Promise<string[]> => {
    const text = await readFile(log, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string);
  };
  return Object.assign(control, { url: `smtp://127.0.0.1:${control.port}`, received });
}
