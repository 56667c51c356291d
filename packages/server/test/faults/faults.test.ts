import { existsSync, readFileSync } from 'node:fs';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
import { acceptsConnections, processTree, stillRunning, tcpExchange, within } from './processes.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import { startS3Process, type S3Process } from './s3-process.ts';
import { startStuckServer } from './stuck-server.ts';

/** How long "never answers" is given to be wrong: a healthy local server answers in a few ms. */
const SILENT_MS = 500;
const SILENT = Symbol('no answer');

async function sql(url: string, text: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const redisClient = (url: string): Redis => {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
};

async function redisGet(url: string, key: string): Promise<string | null> {
  const client = redisClient(url);
  try {
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

/** Dead and gone: the port refuses connections and none of the processes still runs. */
async function expectGone(port: number, processes: number[]): Promise<void> {
  expect(await acceptsConnections(port)).toBe(false);
  expect(stillRunning(processes)).toEqual([]);
}

/** The state (R running, S sleeping, T stopped, ...) of each process. */
const states = (pids: number[]): string[] =>
  pids.map((pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0));

describe('a PostgreSQL cluster of its own', () => {
  let cluster: PostgresCluster;
  let db: string;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
    db = await cluster.createDatabase();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('answers on a port of its own, with several processes', async () => {
    expect(cluster.port).not.toBe(5432);
    expect(cluster.url).toBe(`postgresql://postgres@127.0.0.1:${cluster.port}/postgres`);
    expect(await sql(db, 'select current_database() = $1 as mine', [new URL(db).pathname.slice(1)])).toEqual([
      { mine: true },
    ]);
    // The postmaster and its background processes (checkpointer, WAL writer, ...).
    expect(processTree(cluster.pid).length).toBeGreaterThan(2);
  });

  it('frozen, accepts connections and answers nothing; thawed, answers, the waiting query too', async () => {
    const session = new pg.Client({ connectionString: db });
    await session.connect();
    try {
      cluster.freeze();
      const waiting = session.query<{ one: number }>('select 1 as one');
      try {
        // Each backend leads a session of its own, outside the postmaster's group: all are stopped.
        const tree = processTree(cluster.pid);
        expect(new Set(states(tree))).toEqual(new Set(['T']));
        expect(await within(waiting, SILENT_MS, SILENT)).toBe(SILENT);
        expect(await acceptsConnections(cluster.port)).toBe(true);
        // The kernel completes the handshake, but the postmaster never starts a backend for it.
        const late = new pg.Client({ connectionString: db, connectionTimeoutMillis: SILENT_MS });
        await expect(late.connect()).rejects.toThrow(/timeout/i);
      } finally {
        cluster.thaw();
      }
      expect((await waiting).rows).toEqual([{ one: 1 }]);
      expect(await sql(db, 'select 2 as two')).toEqual([{ two: 2 }]);
    } finally {
      await session.end();
    }
  });

  it('stopped or killed, refuses connections; started, has its data on the same port', async () => {
    await sql(db, 'create table notes (body text)');
    await sql(db, `insert into notes values ('before stop')`);
    const first = cluster.pid;
    const firstTree = processTree(first);
    await cluster.stop();
    await expectGone(cluster.port, firstTree);

    await cluster.start();
    expect(cluster.pid).not.toBe(first);
    expect(await sql(db, 'select body from notes')).toEqual([{ body: 'before stop' }]);

    const session = new pg.Client({ connectionString: db });
    await session.connect();
    session.on('error', () => {});
    // A backend busy computing does not notice that its postmaster died: it must be killed too.
    session.query('select count(*) from generate_series(1, 10000000000)').catch(() => {});
    const secondTree = processTree(cluster.pid);
    await cluster.kill();
    await expectGone(cluster.port, secondTree);
    await cluster.start();
    expect(await sql(db, 'select body from notes')).toEqual([{ body: 'before stop' }]);
  });

  it('destroyed while frozen, is gone with its folder; destroying again is fine', async () => {
    const { port, directory } = cluster;
    const tree = processTree(cluster.pid);
    cluster.freeze();
    await cluster.destroy();
    await cluster.destroy();
    await expectGone(port, tree);
    expect(existsSync(directory)).toBe(false);
    await expect(cluster.start()).rejects.toThrow(/destroyed/);
  });
});

describe('a Redis server of its own', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  it('frozen, accepts connections and answers no PING; thawed, answers, the waiting command too', async () => {
    expect(redis.port).not.toBe(6379);
    const client = redisClient(redis.url);
    try {
      expect(await client.ping()).toBe('PONG');
      redis.freeze();
      const waiting = client.ping();
      try {
        expect(await within(waiting, SILENT_MS, SILENT)).toBe(SILENT);
        const fresh = await tcpExchange(redis.port, 'PING\r\n', { timeoutMs: SILENT_MS });
        expect(fresh).toEqual({ connected: true, answer: '' });
      } finally {
        redis.thaw();
      }
      expect(await waiting).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('persistent, keeps its keys through kill -9 and through a graceful stop', async () => {
    const client = redisClient(redis.url);
    await client.set('fault-test', 'kept');
    client.disconnect();

    const first = redis.pid;
    await redis.kill();
    await expectGone(redis.port, [first]);
    await redis.start();
    expect(await redisGet(redis.url, 'fault-test')).toBe('kept');

    const second = redis.pid;
    // A frozen server is thawed first, or it could not shut down.
    redis.freeze();
    await redis.stop();
    await expectGone(redis.port, [second]);
    await redis.start();
    expect(await redisGet(redis.url, 'fault-test')).toBe('kept');
  });

  it('not persistent, starts empty again', async () => {
    const volatile = await startRedisServer();
    try {
      const client = redisClient(volatile.url);
      await client.set('fault-test', 'lost');
      client.disconnect();
      await volatile.stop();
      await volatile.start();
      expect(await redisGet(volatile.url, 'fault-test')).toBeNull();
    } finally {
      await volatile.destroy();
    }
    expect(existsSync(volatile.directory)).toBe(false);
  });
});

describe('an S3 server (s3rver) in a process of its own', () => {
  let s3: S3Process;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3Process();
    const { region, endpoint, forcePathStyle, credentials } = s3.storageConfig;
    client = new S3Client({ region, endpoint, forcePathStyle, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.destroy();
  });

  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  const get = async (key: string) =>
    (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToString();

  it('frozen, accepts connections and answers nothing; thawed, answers, the waiting request too', async () => {
    await put('frozen.txt', 'cold');
    s3.freeze();
    const waiting = get('frozen.txt');
    try {
      expect(await within(waiting, SILENT_MS, SILENT)).toBe(SILENT);
      const fresh = await tcpExchange(s3.port, 'GET / HTTP/1.1\r\nHost: s3\r\n\r\n', {
        timeoutMs: SILENT_MS,
      });
      expect(fresh).toEqual({ connected: true, answer: '' });
    } finally {
      s3.thaw();
    }
    expect(await waiting).toBe('cold');
  });

  it('killed or stopped, refuses connections; started, has its bucket and objects on the same port', async () => {
    await put('kept.txt', 'still here');
    const first = s3.pid;
    await s3.kill();
    await expectGone(s3.port, [first]);
    await s3.start();
    expect(await get('kept.txt')).toBe('still here');

    await s3.stop();
    await s3.start();
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
    expect(await get('kept.txt')).toBe('still here');
  });
});

describe('a stuck server', () => {
  it('accepts connections, greets, then never answers; close ends them', async () => {
    const stuck = await startStuckServer({ greeting: '220 stuck ESMTP\r\n' });
    try {
      expect(stuck.url).toBe(`smtp://127.0.0.1:${stuck.port}`);
      const exchange = await tcpExchange(stuck.port, 'EHLO test\r\n', { timeoutMs: SILENT_MS });
      expect(exchange).toEqual({ connected: true, answer: '220 stuck ESMTP\r\n' });
      expect(stuck.connections).toBe(1);
    } finally {
      await stuck.close();
    }
    expect(await acceptsConnections(stuck.port)).toBe(false);
  });

  it('without a greeting, stalls a client in its handshake', async () => {
    const stuck = await startStuckServer({ protocol: 'postgresql' });
    try {
      const client = new pg.Client({
        connectionString: `postgresql://postgres@127.0.0.1:${stuck.port}/postgres`,
        connectionTimeoutMillis: SILENT_MS,
      });
      await expect(client.connect()).rejects.toThrow(/timeout/i);
      expect(stuck.connections).toBe(1);
      expect(stuck.url).toBe(`postgresql://127.0.0.1:${stuck.port}`);
    } finally {
      await stuck.close();
    }
    expect(stuck.open).toBe(0);
  });
});
