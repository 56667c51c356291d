import { afterAll, beforeAll } from 'vitest';
import { jsonClient, type JsonClient } from './api.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';

/** A test server whose mail goes to an SMTP sink, and a JSON client for it. */
export type ServerWithMail = { sink: SmtpSink; srv: TestServer; api: JsonClient };

/**
 * Registers, in the calling file or `describe`, a `beforeAll` that starts an SMTP sink and a test server
 * mailing to it (`SMTP_URL`, then `overrides`), and an `afterAll` that closes both. `ready` gets them
 * once they are up, before any `beforeAll` registered after this call runs.
 */
export function useServerWithMail(
  overrides: Record<string, string>,
  ready: (env: ServerWithMail) => void,
): void {
  let sink: SmtpSink | undefined;
  let srv: TestServer | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
    srv = await startTestServer({ SMTP_URL: sink.url, ...overrides });
    ready({ sink, srv, api: jsonClient(srv.baseUrl) });
  });
  afterAll(async () => {
    await srv?.close();
    await sink?.close();
  });
}
