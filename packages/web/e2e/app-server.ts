/**
 * The real Taskvault server for the browser: the API, the docs and the BUILT web app (packages/web/dist) on
 * one loopback origin, on a fresh database, mailing to an SMTP sink the tests read.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { startSmtpSink, type SmtpSink } from '../../server/test/smtp-sink.ts';

/** The web app as `vite build` left it; `npm test` builds it before any test runs. */
export const WEB_DIST_DIR = path.resolve(import.meta.dirname, '../dist');

export type AppServer = {
  /** `http://127.0.0.1:PORT`, also the server's PUBLIC_URL: the links in its emails open here. */
  baseUrl: string;
  srv: TestServer;
  sink: SmtpSink;
  close: () => Promise<void>;
};

export async function startAppServer(overrides: Record<string, string> = {}): Promise<AppServer> {
  if (!existsSync(path.join(WEB_DIST_DIR, 'index.html')))
    throw new Error(
      `No web build in ${WEB_DIST_DIR}: build it first (\`npm run build\`; \`npm test\` does it before testing).`,
    );
  const sink = await startSmtpSink();
  let srv: TestServer;
  try {
    srv = await startTestServer({
      SERVE_WEB: 'true',
      WEB_DIST_DIR,
      // The browser talks plain http to 127.0.0.1: a Secure refresh cookie would not come back.
      COOKIE_SECURE: 'false',
      SMTP_URL: sink.url,
      // Every test signs in from the same address.
      LOGIN_IP_MAX_ATTEMPTS: '10000',
      ...overrides,
    });
  } catch (err) {
    await sink.close();
    throw err;
  }
  // The harness makes PUBLIC_URL the server's own address unless told otherwise.
  if (!overrides.PUBLIC_URL && srv.config.publicUrl !== srv.baseUrl)
    throw new Error(`PUBLIC_URL is ${srv.config.publicUrl}, not the server's own ${srv.baseUrl}`);
  return {
    baseUrl: srv.baseUrl,
    srv,
    sink,
    close: async () => {
      await srv.close();
      await sink.close();
    },
  };
}
