import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonClient, newIdentity, registerAndLogin } from '../test/api.ts';
import { startStuckServer } from '../test/faults/stuck-server.ts';
import { rawUpload, waitUntil } from '../test/files-api.ts';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.ts';
import { spawnServer } from '../test/spawn-server.ts';

/**
 * SIGTERM always ends within SHUTDOWN_TIMEOUT_MS (plus slack for the process to exit), with exit code 0,
 * whatever it is waiting on: a mail stuck in an SMTP conversation, an upload still streaming in. What it
 * cuts short is not lost and leaves nothing behind.
 */

const SHUTDOWN_TIMEOUT_MS = 2_000;
/** Process exit, the last log lines, a loaded machine: not a timing test. */
const SLACK_MS = 3_000;

const filesIn = async (dir: string) => readdir(dir).catch(() => [] as string[]);

const timed = async <T>(work: Promise<T>) => {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
};

let dataDir: string;
let sink: SmtpSink;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'taskvault-shutdown-'));
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('SIGTERM with an SMTP send stuck', () => {
  it('exits 0 within the timeout, and the mail is delivered exactly once after the restart', async () => {
    // Greets, then never answers again: the send is stuck inside the SMTP conversation.
    const stuck = await startStuckServer({ greeting: '220 stuck.example ESMTP\r\n' });
    const env = {
      DATA_DIR: path.join(dataDir, 'smtp'),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      // Longer than the whole test: only shutdown can end this send.
      SMTP_TIMEOUT_MS: '60000',
      MAIL_LEASE_SECONDS: '3',
      LOG_LEVEL: 'info',
    };
    const identity = newIdentity('stuck');
    try {
      const first = await spawnServer({ ...env, SMTP_URL: stuck.url });
      const reg = await jsonClient(first.url).post('/api/v1/auth/register', identity);
      expect(reg.status).toBe(201);
      await waitUntil('the dispatcher is talking to the stuck server', () => stuck.connections > 0, 10_000);
      const { value: code, ms } = await timed(first.stop());
      expect(code).toBe(0);
      expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
    } finally {
      await stuck.close();
    }

    const second = await spawnServer({ ...env, SMTP_URL: sink.url });
    try {
      const mail = await sink.waitFor((m) => m.to.includes(identity.email), 20_000);
      expect(mail.text).toContain('/verify-email/');
      // Long enough for a second delivery of the same message to show up, were there one.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(sink.messages.filter((m) => m.to.includes(identity.email))).toHaveLength(1);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe('SIGTERM with an upload streaming in', () => {
  it('exits 0 within the timeout and leaves no temporary blob behind', async () => {
    const dir = path.join(dataDir, 'upload');
    const server = await spawnServer({
      DATA_DIR: dir,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUIRE_EMAIL_VERIFICATION: 'false',
    });
    const { access } = await registerAndLogin(server.url, 'cut');
    const tmp = path.join(dir, 'files', 'tmp');

    const { req, start, write } = rawUpload(server.url, access, 20 * 1024 * 1024);
    await start;
    await write(Buffer.alloc(512 * 1024, 'a'));
    await waitUntil('the upload is being written', async () => (await filesIn(tmp)).length > 0, 10_000);
    // The client keeps the upload open and sends nothing more: only the shutdown timeout can end it.
    const { value: code, ms } = await timed(server.stop());
    req.destroy();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
    expect(await filesIn(tmp)).toEqual([]);
    expect(server.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
