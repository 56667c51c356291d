import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, jsonClient, newIdentity, refreshOf, registerAndLogin, type Ok } from '../test/api.ts';
import { startPostgresCluster, type ControlledProcess } from '../test/faults/postgres-cluster.ts';
import { startRedisServer } from '../test/faults/redis-server.ts';
import { startS3Process } from '../test/faults/s3-process.ts';
import { startSmtpProcess, type SmtpProcess } from '../test/faults/smtp-process.ts';
import { validFixtures } from '../test/file-fixtures.ts';
import { upload, waitUntil } from '../test/files-api.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { OutboxMessage } from './platform/mail/outbox-message.entity.ts';
import { startLoad, type Answer, type Operation } from '../test/load.ts';

/**
 * Each dependency is stopped, frozen (SIGSTOP: it accepts connections and never answers) and killed under
 * a small load, on processes these tests own. Whatever happens, every answer is either a success or a 503
 * SERVICE_UNAVAILABLE with Retry-After, within a bound of a few times the configured timeouts (generous:
 * this is not a timing test of the machine); readiness names the dependency; the server recovers by
 * itself; and every write that was answered 2xx can be read afterwards.
 */

const RETRY_AFTER = '2';
const FAST = {
  REQUIRE_EMAIL_VERIFICATION: 'false',
  DB_CONNECT_TIMEOUT_MS: '800',
  DB_STATEMENT_TIMEOUT_MS: '500',
  REDIS_CONNECT_TIMEOUT_MS: '500',
  REDIS_COMMAND_TIMEOUT_MS: '300',
  S3_CONNECT_TIMEOUT_MS: '500',
  S3_REQUEST_TIMEOUT_MS: '1000',
  READINESS_TIMEOUT_MS: '500',
  UNAVAILABLE_RETRY_AFTER_SECONDS: RETRY_AFTER,
};

const FAULTS = ['stop', 'freeze', 'kill'] as const;
type Fault = (typeof FAULTS)[number];

async function inflict(process: ControlledProcess, fault: Fault): Promise<void> {
  if (fault === 'stop') await process.stop();
  else if (fault === 'freeze') process.freeze();
  else await process.kill();
}

async function heal(process: ControlledProcess, fault: Fault): Promise<void> {
  if (fault === 'freeze') process.thaw();
  else await process.start();
}

const readiness = async (srv: TestServer) => {
  const res = await fetch(`${srv.baseUrl}/api/v1/health/ready`);
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { errors?: Record<string, string[]> },
  };
};

const signIn = async (srv: TestServer): Promise<string> =>
  (await registerAndLogin(srv.baseUrl, 'outage')).access;

const taskOperations = (srv: TestServer, token: string): Operation[] => {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let n = 0;
  return [
    {
      name: 'create a task',
      run: () =>
        fetch(`${srv.baseUrl}/api/v1/tasks`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ title: `task ${n++}` }),
        }),
      createdId: (body) => (body as Ok<{ id: string }>).data.id,
    },
    { name: 'list tasks', run: () => fetch(`${srv.baseUrl}/api/v1/tasks?limit=5`, { headers }) },
  ];
};

/**
 * Puts the load on, inflicts the fault once the load is served, checks readiness during the outage, heals,
 * waits for the server to serve again by itself, and returns every answer.
 */
async function underOutage(options: {
  srv: TestServer;
  process: ControlledProcess;
  fault: Fault;
  dependency: string;
  operations: Operation[];
}): Promise<Answer[]> {
  const { srv, process, fault, dependency, operations } = options;
  const load = startLoad(operations);
  try {
    await waitUntil('the load is served', () => load.answers.some((a) => a.status < 300), 10_000);
    const before = load.answers.length;
    await inflict(process, fault);
    await waitUntil(
      'requests fail',
      () => load.since(before).filter((a) => a.status === 503).length >= 4,
      20_000,
    );
    const during = await readiness(srv);
    expect(during.status).toBe(503);
    expect(during.retryAfter).toBe(RETRY_AFTER);
    expect(Object.keys(during.body.errors ?? {})).toContain(dependency);

    await heal(process, fault);
    await waitUntil('the server is ready again', async () => (await readiness(srv)).status === 200, 30_000);
    const healed = load.answers.length;
    await waitUntil('the load is served again', () => load.since(healed).some((a) => a.status < 300), 10_000);
  } finally {
    await load.stop();
  }
  return load.answers;
}

/** Every failure a clean, prompt 503; at least one of them (the fault happened); nothing unanswered. */
function expectOnlyPromptUnavailability(answers: Answer[], boundMs: number): void {
  const failures = answers.filter((a) => a.status >= 300 || a.status === 0);
  expect(failures.length).toBeGreaterThan(0);
  for (const f of failures) {
    expect({ op: f.op, status: f.status, code: f.code, retryAfter: f.retryAfter }).toEqual({
      op: f.op,
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: RETRY_AFTER,
    });
  }
  const slowest = Math.max(...failures.map((f) => f.ms));
  expect(slowest, `the slowest 503 took ${Math.round(slowest)} ms`).toBeLessThan(boundMs);
}

async function expectWritesReadable(srv: TestServer, token: string, answers: Answer[], path: string) {
  const created = answers.flatMap((a) => (a.created ? [a.created] : []));
  expect(created.length).toBeGreaterThan(0);
  for (const id of created) {
    const res = await fetch(`${srv.baseUrl}${path}/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, `${path}/${id}`).toBe(200);
  }
}

describe('PostgreSQL stopped, frozen and killed under load', () => {
  let cluster: Awaited<ReturnType<typeof startPostgresCluster>>;
  let srv: TestServer;
  let token: string;
  beforeAll(async () => {
    // Commits acknowledged only once in the WAL, as in production: a kill must not lose an answered write.
    // (fsync may stay off: a killed server's writes are still in the kernel's page cache.)
    cluster = await startPostgresCluster({ settings: { synchronous_commit: 'on' } });
    srv = await startTestServer({ ...FAST, DATABASE_URL: cluster.url, TEST_DATABASE_URL: cluster.url });
    token = await signIn(srv);
  });
  afterAll(async () => {
    await srv?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  // A request may wait for a connection (800 ms), then for a statement the client gives up on (1.5 s) and
  // the rollback after it (1.5 s): 3x the longest single timeout is the bound.
  it.each(FAULTS)(
    '%s: 503 with Retry-After, readiness names the database, and it recovers',
    async (fault) => {
      const answers = await underOutage({
        srv,
        process: cluster,
        fault,
        dependency: 'database',
        operations: taskOperations(srv, token),
      });
      expectOnlyPromptUnavailability(answers, 3 * 3_000);
      await expectWritesReadable(srv, token, answers, '/api/v1/tasks');
    },
  );
});

describe('Redis stopped, frozen and killed under load', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let srv: TestServer;
  let token: string;
  const identity = newIdentity('redis');
  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    srv = await startTestServer({
      ...FAST,
      REDIS_URL: redis.url,
      LOGIN_IP_MAX_ATTEMPTS: '1000000',
      LOGIN_MAX_FAILURES: '1000000',
    });
    token = await signIn(srv);
    expect((await jsonClient(srv.baseUrl).post('/api/v1/auth/register', identity)).status).toBe(201);
  });
  afterAll(async () => {
    await srv?.close().catch(() => undefined);
    await redis?.destroy();
  });

  // Login needs Redis (its rate limits); signed-in requests do not: their sign-in is checked in the database.
  const logIn: Operation = {
    name: 'log in',
    run: () =>
      fetch(`${srv.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: identity.email, password: identity.password }),
      }),
  };

  it.each(FAULTS)('%s: 503 with Retry-After, readiness names redis, and it recovers', async (fault) => {
    const answers = await underOutage({
      srv,
      process: redis,
      fault,
      dependency: 'redis',
      operations: [...taskOperations(srv, token), logIn],
    });
    // The rate limits fail closed (never "assume under the limit"): login answers 503 ...
    expectOnlyPromptUnavailability(answers, 3 * 300 + 1_000);
    // ... while signed-in requests, which need only the database, serve on.
    expect(answers.filter((a) => a.op !== logIn.name && a.status >= 300)).toEqual([]);
    await expectWritesReadable(srv, token, answers, '/api/v1/tasks');
  });
});

/**
 * Revocations live in the database alone (the kv store no longer keeps a copy): an access token is refused
 * once the database says its sign-in has ended, so Redis has no part in logout or in its holding.
 */
describe('logout while Redis is unavailable: it needs only the database', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let srv: TestServer;
  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    srv = await startTestServer({ ...FAST, REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await srv?.close().catch(() => undefined);
    await redis?.destroy();
  });

  const signInPair = async () => {
    const pair = await registerAndLogin(srv.baseUrl, 'logout');
    return { access: pair.access, refresh: refreshOf(pair) };
  };
  const profileStatus = async (access: string) =>
    (await jsonClient(srv.baseUrl).get('/api/v1/auth/profile', { token: access })).status;
  const whenReady = () =>
    waitUntil('the server is ready again', async () => (await readiness(srv)).status === 200, 30_000);

  it.each(['stop', 'freeze'] as const)(
    'Redis %s: logout answers 200 and ends the sign-in, access token included, and it stays ended',
    async (fault) => {
      const api = jsonClient(srv.baseUrl);
      const { access, refresh } = await signInPair();
      expect(await profileStatus(access)).toBe(200);
      await inflict(redis, fault);
      try {
        expect((await api.post('/api/v1/auth/logout', { refresh })).status).toBe(200);
        expect(await profileStatus(access)).toBe(401);
        expectError(await api.post('/api/v1/auth/refresh', { refresh }), 401, 'INVALID_REFRESH_TOKEN');
      } finally {
        await heal(redis, fault);
      }
      await whenReady();
      expect(await profileStatus(access)).toBe(401);
    },
  );

  it('a logout answered 200 holds: the access token stays refused, also after Redis is killed and restarted', async () => {
    const api = jsonClient(srv.baseUrl);
    const { access, refresh } = await signInPair();
    expect((await api.post('/api/v1/auth/logout', { refresh })).status).toBe(200);
    expect(await profileStatus(access)).toBe(401);
    await redis.kill();
    // Nothing about it was in Redis: refused all the same, not a 503.
    expect(await profileStatus(access)).toBe(401);
    await redis.start();
    await whenReady();
    expect(await profileStatus(access)).toBe(401);
    // A retried logout of an ended sign-in is still 200 and still ends nothing else.
    expect((await api.post('/api/v1/auth/logout', { refresh })).status).toBe(200);
  });
});

describe('the S3 bucket stopped, frozen and killed under load', () => {
  let s3: Awaited<ReturnType<typeof startS3Process>>;
  let srv: TestServer;
  let token: string;
  beforeAll(async () => {
    s3 = await startS3Process();
    const { storageConfig: c } = s3;
    srv = await startTestServer({
      ...FAST,
      S3_BUCKET: c.bucket,
      S3_ENDPOINT: c.endpoint ?? s3.endpoint,
      S3_ACCESS_KEY_ID: c.credentials?.accessKeyId ?? 'S3RVER',
      S3_SECRET_ACCESS_KEY: c.credentials?.secretAccessKey ?? 'S3RVER',
    });
    token = await signIn(srv);
  });
  afterAll(async () => {
    await srv?.close().catch(() => undefined);
    await s3?.destroy();
  });

  const fileOperations = (): Operation[] => {
    let n = 0;
    return [
      {
        name: 'upload a file',
        run: async () => {
          const res = await upload(srv.baseUrl, {
            token,
            file: { ...validFixtures.txt, name: `note-${n++}.txt` },
          });
          return new Response(JSON.stringify(res.body), { status: res.status, headers: res.headers });
        },
        createdId: (body) => (body as Ok<{ id: string }>).data.id,
      },
      {
        name: 'list files',
        run: () =>
          fetch(`${srv.baseUrl}/api/v1/files?limit=5`, { headers: { authorization: `Bearer ${token}` } }),
      },
    ];
  };

  it.each(FAULTS)('%s: uploads answer 503, readiness names storage, and it recovers', async (fault) => {
    const answers = await underOutage({
      srv,
      process: s3,
      fault,
      dependency: 'storage',
      operations: fileOperations(),
    });
    // The upload's request, its retry, and the clean-up of its temporary object may each wait for a timeout.
    expectOnlyPromptUnavailability(answers, 3 * 3 * 1_000);
    const uploaded = answers.flatMap((a) => (a.created ? [a.created] : []));
    expect(uploaded.length).toBeGreaterThan(0);
    for (const id of uploaded) {
      const link = await fetch(`${srv.baseUrl}/api/v1/files/${id}/download-link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const { url } = ((await link.json()) as Ok<{ url: string }>).data;
      const content = await fetch(new URL(new URL(url).pathname + new URL(url).search, srv.baseUrl));
      expect(content.status, `the content of ${id}`).toBe(200);
    }
  });
});

describe('SMTP stopped, frozen and killed while people sign up', () => {
  let smtp: SmtpProcess;
  let srv: TestServer;
  beforeAll(async () => {
    smtp = await startSmtpProcess();
    srv = await startTestServer({
      ...FAST,
      REQUIRE_EMAIL_VERIFICATION: 'true',
      SMTP_URL: smtp.url,
      SMTP_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    await srv?.close().catch(() => undefined);
    await smtp?.destroy();
  });

  it.each(FAULTS)(
    '%s: signups answer 201 at once, readiness stays 200, and every email arrives exactly once when it is back',
    async (fault) => {
      const api = jsonClient(srv.baseUrl);
      await inflict(smtp, fault);
      const emails: string[] = [];
      for (let i = 0; i < 3; i++) {
        const identity = newIdentity('mailout');
        const started = Date.now();
        const res = await api.post('/api/v1/auth/register', identity);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        // The email waits in the outbox: the request never talks to SMTP (generous bound, not a timing test).
        expect(Date.now() - started).toBeLessThan(3_000);
        emails.push(identity.email);
      }
      // The dispatcher tries, fails within its timeouts, and keeps the emails for later; the API stays ready.
      const outbox = () => srv.orm.em.fork().find(OutboxMessage, { to: { $in: emails } });
      await waitUntil(
        'every email tried and failed',
        async () => (await outbox()).filter((m) => m.attempts > 0 && m.lastError).length === emails.length,
        20_000,
      );
      expect((await outbox()).map((m) => m.status)).toEqual(emails.map(() => 'pending'));
      expect((await smtp.received()).filter((to) => emails.includes(to))).toEqual([]);
      expect((await readiness(srv)).status).toBe(200);

      await heal(smtp, fault);
      await waitUntil(
        'every email delivered',
        async () => {
          const received = await smtp.received();
          return emails.every((email) => received.includes(email));
        },
        60_000,
      );
      const received = await smtp.received();
      for (const email of emails) expect(received.filter((to) => to === email)).toHaveLength(1);
    },
  );
});
