import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config, type Database } from '../src/config/env.ts';
import { closeOrm, createOrm, MEMORY, migrate, type Orm } from '../src/platform/db/orm.ts';
import { entities } from '../src/entities.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createPlatform, type Platform } from '../src/platform/platform.ts';
import { answerParserErrors } from '../src/transport/client-errors.ts';
import { listenFirst, type Listening } from './listen.ts';

/**
 * Configuration for tests: quiet logs, no web app, a fixed signing secret, data (mail files) in a
 * temporary folder; anything else from the environment.
 */
export const testConfig = (overrides: Record<string, string> = {}): Config =>
  loadConfig({
    LOG_LEVEL: 'silent',
    SERVE_WEB: 'false',
    NODE_ENV: 'test',
    JWT_SECRET: 'test-signing-secret-that-is-long-enough-0123456789',
    DATA_DIR: path.join(tmpdir(), 'taskvault-test-data'),
    ...overrides,
  });

/** The Redis this machine kind runs; tests of the Redis engine use it. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export type TestDatabase = { database: Database; drop: () => Promise<void> };

/**
 * A database of its own for one test file: a fresh PostgreSQL database when TEST_DATABASE_URL or
 * DATABASE_URL is set (dropped afterwards), PGlite in memory otherwise.
 */
export async function createTestDatabase(config: Config = testConfig()): Promise<TestDatabase> {
  if (!config.testDatabaseUrl)
    return { database: { engine: 'pglite', dataDir: MEMORY }, drop: async () => {} };
  const name = `taskvault_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: config.testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(config.testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    database: { engine: 'postgresql', url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: config.testDatabaseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export type TestServer = {
  baseUrl: string;
  orm: Orm;
  config: Config;
  app: ReturnType<typeof createApp>;
  platform: Platform;
  /** Takes the database away from under the running server, as an outage would. */
  breakDatabase: () => Promise<void>;
  close: () => Promise<void>;
};

/**
 * The real application over real HTTP on a loopback port, on a migrated database of its own, with a data
 * folder of its own (file blobs, mail) unless DATA_DIR is given. PUBLIC_URL is the server's own address
 * unless given, so the links it makes (emails, downloads) lead back to it, in a browser too.
 */
export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  // The port comes first: the configuration, and so the app, must know the address it is reached at.
  const http = await listenFirst();
  try {
    return await serveTestApp(http, overrides);
  } catch (err) {
    await http.close();
    throw err;
  }
}

async function serveTestApp(http: Listening, overrides: Record<string, string>): Promise<TestServer> {
  const ownDataDir = overrides.DATA_DIR ? undefined : await mkdtemp(path.join(tmpdir(), 'taskvault-test-'));
  const config = testConfig({
    PUBLIC_URL: http.baseUrl,
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
    ...overrides,
  });
  const db = await createTestDatabase(config);
  const orm = await createOrm({ entities, database: db.database, timeouts: config.dependencies.database });
  await migrate(orm);
  const logger = createLogger(config.logLevel);
  const platform = createPlatform(config, orm, logger, { mailPollIntervalMs: 50 });
  platform.mail.start();
  const app = createApp({ config, orm, logger, platform });
  http.serve(app.express);
  answerParserErrors(http.server);
  return {
    baseUrl: http.baseUrl,
    orm,
    config,
    app,
    platform,
    // PostgreSQL reconnects after a close, so there the database itself goes away; PGlite just closes.
    breakDatabase: async () => (db.database.engine === 'postgresql' ? db.drop() : orm.close()),
    close: async () => {
      await http.close();
      await platform.close();
      await closeOrm(orm, 2_000);
      await db.drop();
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}
