import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PgliteORM } from '@mikro-orm/pglite';
import {
  MikroORM as PostgresORM,
  type AbstractSqlDriver,
  type BasePostgreSqlEntityManager,
} from '@mikro-orm/postgresql';
import type { MikroORM, Options } from '@mikro-orm/core';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Database } from '../../config/env.ts';
import { migrationsList } from './migrations/index.ts';
import { settledWithin } from '../settled-within.ts';

/** The ORM as the rest of the code sees it: the same API whether PGlite or PostgreSQL is underneath. */
export type Orm = MikroORM<AbstractSqlDriver, EntityManager>;
export type EntityManager = BasePostgreSqlEntityManager<AbstractSqlDriver>;

export type OrmOptions = {
  database: Database;
  /** The entities to map: the app gathers them from its modules (`src/entities.ts`). */
  entities: OrmEntities;
  poolMax?: number;
  logger?: Logger;
  /** PostgreSQL only (PGlite runs in this process): see `postgresTimeouts`. */
  timeouts?: DatabaseTimeouts;
};

export type OrmEntities = NonNullable<Options['entities']>;

export type DatabaseTimeouts = { connectTimeoutMs: number; statementTimeoutMs: number };

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectTimeoutMs: 3000,
  statementTimeoutMs: 5000,
};

/**
 * pg's options for a database that is down, frozen or slow. Connecting and waiting for a free pooled
 * connection share `connectionTimeoutMillis`. A slow statement is cancelled by the server
 * (`statement_timeout`, SQLSTATE 57014, the connection stays usable); a server that does not answer at all
 * (frozen, a dead network) is given up on by the client a second later (`query_timeout`). A transaction
 * left idle by a process that froze or hangs is ended by the server, releasing its row locks.
 */
export const postgresTimeouts = (t: DatabaseTimeouts) => ({
  connectionTimeoutMillis: t.connectTimeoutMs,
  statement_timeout: t.statementTimeoutMs,
  query_timeout: t.statementTimeoutMs + 1000,
  idle_in_transaction_session_timeout: Math.max(10_000, t.statementTimeoutMs * 4),
  keepAlive: true,
  application_name: 'taskvault',
});

/** PGlite's in-memory cluster, for tests: `{ engine: 'pglite', dataDir: MEMORY }`. */
export const MEMORY = 'memory://';

const common = (options: OrmOptions) => ({
  entities: options.entities,
  extensions: [Migrator],
  // Migrations are listed in code rather than discovered on disk, so they run the same from source, from a
  // bundle and in tests, on both engines.
  migrations: { migrationsList, snapshot: false, transactional: true, allOrNothing: true },
  // Every request works on its own fork; touching the global EntityManager is a bug worth failing on.
  allowGlobalContext: false,
  debug: false,
  logger: (message: string) => options.logger?.debug({ orm: true }, message),
});

export async function createOrm(options: OrmOptions): Promise<Orm> {
  const { database } = options;
  if (database.engine === 'postgresql') {
    const orm = await PostgresORM.init({
      ...common(options),
      clientUrl: database.url,
      pool: { max: options.poolMax ?? 10 },
      driverOptions: postgresTimeouts(options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS),
    });
    return orm;
  }
  if (database.dataDir !== MEMORY) {
    mkdirSync(database.dataDir, { recursive: true });
    claimDataDir(database.dataDir);
  }
  const orm = await PgliteORM.init({
    ...common(options),
    // In a persistent cluster dbName names a database inside it; in memory it must be the memory URL.
    dbName: database.dataDir === MEMORY ? MEMORY : 'taskvault',
    driverOptions: { dataDir: database.dataDir },
  });
  if (database.dataDir !== MEMORY) {
    const dataDir = database.dataDir;
    const close = orm.close.bind(orm);
    // Release the claim with the database, so this process (or the next) can open it again.
    orm.close = async (force?: boolean) => {
      try {
        await close(force);
      } finally {
        releaseDataDir(dataDir);
      }
    };
  }
  return orm;
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite is one process's database: a second process opening the same folder (say `npm run create-admin`
 * while the server runs) would write to a copy the first one later overwrites, or corrupt it. The folder is
 * claimed with a file naming the owning process; a claim by a process that has exited is taken over.
 */
function claimDataDir(dataDir: string): void {
  const lock = `${dataDir}.lock`;
  if (existsSync(lock)) {
    const owner = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner))
      throw new Error(
        `The embedded database in ${dataDir} is in use by process ${owner}: stop it first, or use PostgreSQL (DATABASE_URL) to share a database between processes`,
      );
  }
  writeFileSync(lock, String(process.pid));
}

function releaseDataDir(dataDir: string): void {
  const lock = `${dataDir}.lock`;
  if (existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(process.pid))
    rmSync(lock, { force: true });
}

export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: Orm): Promise<number> {
  return (await orm.migrator.getPending()).length;
}

/**
 * Closes the ORM, giving up after `ms`: with the database gone (dropped, unreachable) the pool can wait
 * forever for connections that will never answer, and shutdown must not hang on it.
 */
export async function closeOrm(orm: Orm, ms: number): Promise<'closed' | 'timed-out'> {
  const closing = orm.close();
  if (!(await settledWithin(closing, ms))) return 'timed-out';
  await closing; // a failure to close is the caller's to see, as before
  return 'closed';
}
