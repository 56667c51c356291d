import type { Server } from 'node:http';
import { createApp } from './app.ts';
import type { Config } from './config/env.ts';
import { AuditEvent } from './modules/audit/audit-event.entity.ts';
import { sweepStorage } from './modules/files/storage-sweep.ts';
import { closeOrm, createOrm, migrate, type Orm } from './platform/db/orm.ts';
import type { Logger } from './platform/logger.ts';
import { createPlatform, type Platform } from './platform/platform.ts';
import { S3BlobStorage } from './platform/storage/s3-storage.ts';

export type RunningServer = {
  server: Server;
  orm: Orm;
  url: string;
  /** The start-up sweep of storage leftovers, which runs while the server already serves. */
  swept: Promise<unknown>;
  stop: () => Promise<void>;
};

/**
 * config -> database -> migrations -> storage -> listen -> sweep storage leftovers. `stop()` stops accepting
 * connections, lets in-flight requests finish (up to the shutdown timeout), then closes the database.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const startedAt = Date.now();
  const orm = await createOrm({ database: config.database, poolMax: config.dbPoolMax, logger });
  let platform: Platform | undefined;
  try {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    platform = createPlatform(config, orm, logger);
    if (platform.storage instanceof S3BlobStorage) await platform.storage.ensureBucket();
    platform.mail.start();
    const { express } = createApp({ config, orm, logger, startedAt, platform });
    const server = express.listen(config.port, config.host);
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
    const swept = sweepStorage({
      storage: platform.storage,
      orm,
      logger,
      graceSeconds: config.files.sweepGraceSeconds,
    }).catch((err: unknown) =>
      logger.error({ err }, 'the storage sweep failed; it runs again at the next start'),
    );

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        await closed;
        clearTimeout(timer);
        await swept;
        await platform?.close();
        await record(orm, 'server.stopped', {}).catch(() => undefined);
        if ((await closeOrm(orm, config.shutdownTimeoutMs)) === 'timed-out')
          logger.warn('the database did not close in time; exiting anyway');
      })());
    return { server, orm, url, swept, stop };
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
