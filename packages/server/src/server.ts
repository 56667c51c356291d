import type { Server } from 'node:http';
import { createApp } from './app.ts';
import type { Config } from './config/env.ts';
import { AuditEvent } from './modules/audit/audit-event.entity.ts';
import { startStorageSweeper } from './modules/files/storage-sweep.ts';
import { closeOrm, createOrm, migrate, type Orm } from './platform/db/orm.ts';
import { entities } from './entities.ts';
import type { Logger } from './platform/logger.ts';
import { createPlatform, type Platform } from './platform/platform.ts';
import { settledWithin } from './platform/settled-within.ts';
import { S3BlobStorage } from './platform/storage/s3-storage.ts';
import { answerParserErrors } from './transport/client-errors.ts';

export type RunningServer = {
  server: Server;
  orm: Orm;
  url: string;
  /**
   * The outcome of the start-up sweep of storage leftovers, which runs while the server already serves
   * (then every UPLOAD_SWEEP_INTERVAL_SECONDS); undefined when it failed or was stopped.
   */
  swept: Promise<{ temporary: number; orphaned: number } | undefined>;
  stop: () => Promise<void>;
};

/**
 * config -> database -> migrations -> storage -> listen -> sweep storage leftovers (and again periodically). `stop()` stops accepting
 * connections, lets in-flight requests finish (up to the shutdown timeout), then closes the database.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const startedAt = Date.now();
  const orm = await createOrm({
    entities,
    database: config.database,
    poolMax: config.dbPoolMax,
    logger,
    timeouts: config.dependencies.database,
  });
  let platform: Platform | undefined;
  try {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    platform = createPlatform(config, orm, logger);
    if (platform.storage instanceof S3BlobStorage) await platform.storage.ensureBucket();
    platform.mail.start();
    if (!(await platform.kv.connected(config.dependencies.redis.connectTimeoutMs)))
      logger.warn({ dependency: 'redis' }, 'redis is not reachable yet: requests that need it answer 503');
    const app = createApp({ config, orm, logger, startedAt, platform });
    const server = app.express.listen(config.port, config.host);
    answerParserErrors(server);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    await record(orm, 'server.started', { version: config.version, engine: config.database.engine });
    logger.info({ url, engine: config.database.engine, version: config.version }, 'Taskvault is listening');
    // In the background: a large bucket takes a while to list, and nothing waits on its leftovers.
    const sweeper = startStorageSweeper({
      storage: platform.storage,
      orm,
      logger,
      graceSeconds: config.files.sweepGraceSeconds,
      intervalSeconds: config.files.sweepIntervalSeconds,
    });

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        // Everything below shares one budget, SHUTDOWN_TIMEOUT_MS: most of it for requests to finish, the
        // rest for what cut requests leave to clean up (temporary blobs) and for bounded closes.
        const deadline = Date.now() + config.shutdownTimeoutMs;
        const left = () => Math.max(0, deadline - Date.now());
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const cut = setTimeout(
          () => {
            logger.warn('requests still running at the shutdown timeout: closing their connections');
            server.closeAllConnections();
          },
          Math.floor(config.shutdownTimeoutMs * 0.6),
        );
        await closed;
        clearTimeout(cut);
        if (!(await app.uploadsSettled(left())))
          logger.warn(
            'uploads still being cleaned up at the shutdown timeout; the sweep removes what remains',
          );
        await settledWithin(sweeper.stop(), left());
        // A stuck SMTP send may take all the mail dispatcher is given: keep back a little for recording
        // the stop and closing the database, which a stuck mail server must not cost.
        const reserve = Math.min(1_000, config.shutdownTimeoutMs * 0.2);
        await platform?.close({ timeoutMs: Math.max(0, left() - reserve) });
        await settledWithin(record(orm, 'server.stopped', {}), left());
        if ((await closeOrm(orm, left())) === 'timed-out')
          logger.warn('the database did not close in time; exiting anyway');
      })());
    return { server, orm, url, swept: sweeper.firstRun, stop };
  } catch (e) {
    await platform?.close();
    await closeOrm(orm, config.shutdownTimeoutMs);
    throw e;
  }
}

async function record(orm: Orm, type: string, details: Record<string, unknown>) {
  const em = orm.em.fork();
  em.create(AuditEvent, { type, details });
  await em.flush();
}
