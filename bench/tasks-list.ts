/**
 * What the framework costs on a real read: an authenticated `GET /api/v1/tasks?limit=20` on the running
 * server (`node src/main.ts`) over PostgreSQL, against a bare baseline in this process that does the same
 * work by hand: node:http, the same JWT verification (jsonwebtoken, HS256, issuer and audience pinned, same
 * secret), the same two SQL queries through a pg.Pool of the server's default size, and the same envelope.
 * The baseline skips the revocation lookup (in-memory kv on the server). Autocannon runs in this process,
 * so it shares a thread with the baseline; the server has a process of its own. Prints both rows and their
 * ratio; asserts only that the two answer the same body and that no request fails.
 *
 * `npm run bench:tasks`. Needs PostgreSQL: DATABASE_URL if set (the bench's 50 users and 10,000 tasks are
 * added to it and left there, so point it at a scratch database), otherwise a fresh database
 * `taskvault_bench_<random>` on postgresql://postgres@127.0.0.1:5432, dropped at the end.
 */
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { spawnServer, type SpawnedServer } from '../packages/server/test/spawn-server.ts';
import { printHeader, printRow } from './table.ts';

const seconds = 10;
const warmupSeconds = 2;
const connections = 32;
const limit = 20;
const userCount = 50;
const taskCount = 10_000;
const poolMax = 10; // the server's default DB_POOL_MAX
const auth = {
  secret: 'taskvault-bench-jwt-secret-0123456789abcdef',
  issuer: 'taskvault',
  audience: 'taskvault-api',
};
const cluster = 'postgresql://postgres@127.0.0.1:5432';
const given = process.env.DATABASE_URL; // eslint-disable-line no-restricted-properties -- the caller's choice of database
const tag = randomBytes(4).toString('hex');
const dbName = `taskvault_bench_${tag}`;
const databaseUrl = given ?? `${cluster}/${dbName}`;

type Row = {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  status: string;
  priority_rank: number;
  due_date: string | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
};

const PRIORITIES = ['low', 'medium', 'high'];
const toTaskDto = (t: Row) => ({
  id: t.id,
  title: t.title,
  description: t.description,
  status: t.status,
  priority: PRIORITIES[t.priority_rank - 1] ?? 'medium',
  dueDate: t.due_date ?? null,
  ownerId: t.owner_id,
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
  completedAt: t.completed_at?.toISOString() ?? null,
  version: t.version,
});

/** The baseline: one handler, no framework. */
function startBaseline(pool: pg.Pool): Promise<Server> {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const unauthenticated = {
    success: false,
    code: 'UNAUTHENTICATED',
    message: 'Invalid or expired access token',
  };
  const server = createServer((req, res) => {
    void (async () => {
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!match) return send(res, 401, unauthenticated);
      let ownerId: string;
      try {
        const claims = jwt.verify(match[1]!, auth.secret, {
          algorithms: ['HS256'],
          issuer: auth.issuer,
          audience: auth.audience,
          clockTimestamp: Math.floor(Date.now() / 1000),
        });
        if (typeof claims === 'string' || typeof claims.sub !== 'string') throw new Error('bad claims');
        ownerId = claims.sub;
      } catch {
        return send(res, 401, unauthenticated);
      }
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('limit') ?? limit);
      const count = await pool.query<{ count: string }>(
        'select count(*) as "count" from "tasks" as "t0" where "t0"."owner_id" = $1',
        [ownerId],
      );
      const found = await pool.query<Row>(
        'select "t0".* from "tasks" as "t0" where "t0"."owner_id" = $1 order by "t0"."created_at" desc, "t0"."id" desc limit $2',
        [ownerId, n + 1],
      );
      const items = found.rows.slice(0, n);
      const last = items.at(-1);
      const nextCursor =
        found.rows.length > n && last
          ? Buffer.from(
              JSON.stringify({ s: 'createdAt:desc', k: last.created_at.toISOString(), id: last.id }),
            ).toString('base64url')
          : null;
      send(res, 200, {
        success: true,
        message: 'Tasks',
        data: {
          items: items.map(toTaskDto),
          page: { limit: n, total: Number(count.rows[0]?.count ?? 0), nextCursor },
        },
      });
    })().catch((err: unknown) => {
      console.error(err);
      send(res, 500, { success: false, code: 'INTERNAL_ERROR', message: 'Something went wrong' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const measure = async (url: string, headers: Record<string, string>) => {
  await autocannon({ url, headers, connections, duration: warmupSeconds });
  return autocannon({ url, headers, connections, duration: seconds });
};

let admin: pg.Client | undefined;
let server: SpawnedServer | undefined;
let pool: pg.Pool | undefined;
let baseline: Server | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'taskvault-bench-tasks-'));
try {
  if (!given) {
    admin = new pg.Client({ connectionString: `${cluster}/postgres` });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
  }
  server = await spawnServer({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    JWT_SECRET: auth.secret,
    JWT_ISSUER: auth.issuer,
    JWT_AUDIENCE: auth.audience,
    REQUIRE_EMAIL_VERIFICATION: 'false',
    LOGIN_MAX_FAILURES: '1000000',
    LOGIN_IP_MAX_ATTEMPTS: '1000000',
    LOG_LEVEL: 'info',
  });

  // Users through the API (argon2id hashing and all); one of them signs in.
  const json = { 'content-type': 'application/json' };
  const password = 'correct horse battery staple 42';
  const ids: string[] = [];
  for (let i = 0; i < userCount; i++) {
    const res = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        email: `bench-${tag}-${i}@example.com`,
        username: `bench_${tag}_${i}`,
        password,
      }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { data: { id: string } }).data.id);
  }
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: `bench-${tag}-0@example.com`, password }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const bearer = {
    authorization: `Bearer ${((await login.json()) as { data: { access: string } }).data.access}`,
  };

  // Tasks straight into the table: owners in turn, the rest varied per owner.
  const seed = new pg.Client({ connectionString: databaseUrl });
  await seed.connect();
  try {
    await seed.query(
      `insert into tasks (id, owner_id, title, description, status, priority_rank, due_date, completed_at,
         created_at, updated_at, version)
       select gen_random_uuid(), ($1::uuid[])[1 + g % $2], 'Task ' || g, 'Seeded by the benchmark, number ' || g,
         s.status, 1 + (g / $2) % 3,
         case when g % 7 = 0 then null else current_date + (g % 90 - 30) end,
         case when s.status = 'completed' then c.created + interval '1 day' end,
         c.created, c.created + (g % 48) * interval '1 hour', 1
       from generate_series(0, $3 - 1) as g,
         lateral (select (array['pending', 'in_progress', 'completed', 'cancelled'])[1 + (g / $2 + g / 7) % 4]
           as status) as s,
         lateral (select now() - g * interval '17 minutes' - (g % 13) * interval '1 second' as created) as c`,
      [ids, userCount, taskCount],
    );
    await seed.query('analyze tasks');
  } finally {
    await seed.end();
  }

  // Dates stay 'YYYY-MM-DD' strings, as the ORM hands them to the server.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.DATE, (v) => v);
  pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax, types });
  baseline = await startBaseline(pool);
  const { port } = baseline.address() as AddressInfo;
  const target = `/api/v1/tasks?limit=${limit}`;
  const rows: Array<[string, string]> = [
    ['Taskvault (node src/main.ts)', `${server.url}${target}`],
    ['baseline (node:http + jsonwebtoken + pg)', `http://127.0.0.1:${port}${target}`],
  ];

  // Both must answer the same thing before their speed means anything.
  const bodies = await Promise.all(
    rows.map(async ([, url]) => (await fetch(url, { headers: bearer })).text()),
  );
  if (bodies[0] !== bodies[1]) throw new Error(`different answers:\n${bodies[0]}\n${bodies[1]}`);
  const page = (JSON.parse(bodies[0]!) as { data: { items: unknown[]; page: { total: number } } }).data;

  const version = await pool.query<{ v: string }>(`select current_setting('server_version') as v`);
  console.log(
    `Taskvault GET ${target}: ${connections} connections, ${seconds}s each after ${warmupSeconds}s warm-up, PostgreSQL ${version.rows[0]?.v}, ${taskCount} tasks over ${userCount} users (${page.items.length} of ${page.page.total} returned), Node ${process.version}`,
  );
  printHeader(44, 'server');
  const results: autocannon.Result[] = [];
  for (const [label, url] of rows) {
    const r = await measure(url, bearer);
    results.push(r);
    printRow(44, label, r);
  }
  const [ours, bare] = results as [autocannon.Result, autocannon.Result];
  console.log(
    `Taskvault / baseline: req/s ${(ours.requests.average / bare.requests.average).toFixed(2)}x, p99 ${(ours.latency.p99 / bare.latency.p99).toFixed(2)}x`,
  );
  const failed = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  if (failed > 0) {
    console.error(`${failed} requests failed (non-2xx, errors or timeouts)`);
    process.exitCode = 1;
  }
} finally {
  await server?.stop();
  await new Promise((resolve) => (baseline ? baseline.close(resolve) : resolve(undefined)));
  if (pool) {
    // end() resolves before its connections have closed; wait for them, or dropping the database races them.
    let open = pool.totalCount;
    const closed = new Promise<void>((resolve) => {
      if (open === 0) resolve();
      pool?.on('remove', () => --open === 0 && resolve());
    });
    await pool.end();
    await closed;
  }
  if (admin) {
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  rmSync(dataDir, { recursive: true, force: true });
}
