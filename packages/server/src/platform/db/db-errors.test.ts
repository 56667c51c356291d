import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '../../../test/harness.ts';
import { DependencyUnavailableError } from '../dependency.ts';
import { databaseUnavailable } from './db-errors.ts';
import { closeOrm, createOrm, type Orm } from './orm.ts';
import { platformEntities } from '../platform.entities.ts';

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const failureOf = async (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );

describe('databaseUnavailable on the errors the database really gives', () => {
  let db: TestDatabase;
  let orm: Orm;
  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createOrm({ entities: platformEntities, database: db.database });
    await orm.em.fork().getConnection().execute('create table t (id int primary key)');
  });
  afterAll(async () => {
    await closeOrm(orm, 2_000);
    await db.drop();
  });

  it('leaves the errors of a wrong query alone: they are bugs (500) or the caller’s doing, not an outage', async () => {
    const conn = orm.em.fork().getConnection();
    await conn.execute('insert into t values (1)');
    for (const sql of ['insert into t values (1)', 'selec 1', 'select * from no_such_table'])
      expect(databaseUnavailable(await failureOf(conn.execute(sql)))).toBeUndefined();
    expect(databaseUnavailable(new Error('something else'))).toBeUndefined();
    expect(databaseUnavailable(undefined)).toBeUndefined();
  });

  it.runIf(testConfig().testDatabaseUrl)(
    'calls a statement cut by statement_timeout the database being unavailable',
    async () => {
      const em = orm.em.fork();
      const err = await failureOf(
        em.transactional(async (tx) => {
          await tx
            .getConnection()
            .execute("set local statement_timeout = '50ms'", [], 'run', tx.getTransactionContext());
          await tx.getConnection().execute('select pg_sleep(2)', [], 'run', tx.getTransactionContext());
        }),
      );
      const failure = databaseUnavailable(err);
      expect(failure).toBeInstanceOf(DependencyUnavailableError);
      expect(failure?.dependency).toBe('database');
      expect(failure?.message).toContain('timeout');
    },
  );

  it('calls a refused connection the database being unavailable, within the connect timeout', async () => {
    const port = await closedPort();
    const started = Date.now();
    const down = await createOrm({
      entities: platformEntities,
      database: { engine: 'postgresql', url: `postgresql://postgres@127.0.0.1:${port}/x` },
      timeouts: { connectTimeoutMs: 500, statementTimeoutMs: 500 },
    });
    try {
      const err = await failureOf(down.em.fork().getConnection().execute('select 1'));
      expect(databaseUnavailable(err)?.dependency).toBe('database');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await closeOrm(down, 1_000);
    }
  });

  it('calls a server that accepts and never answers the database being unavailable, after the connect timeout', async () => {
    const silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const { port } = silent.address() as AddressInfo;
    const down = await createOrm({
      entities: platformEntities,
      database: { engine: 'postgresql', url: `postgresql://postgres@127.0.0.1:${port}/x` },
      timeouts: { connectTimeoutMs: 300, statementTimeoutMs: 300 },
    });
    try {
      const started = Date.now();
      const err = await failureOf(down.em.fork().getConnection().execute('select 1'));
      const elapsed = Date.now() - started;
      expect(databaseUnavailable(err)?.dependency).toBe('database');
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3 * 300 + 1_000);
    } finally {
      await closeOrm(down, 1_000);
      silent.close();
    }
  });
});
