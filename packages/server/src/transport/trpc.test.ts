import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeApp } from '../../test/fixtures/probe.ts';
import {
  createTestDatabase,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from '../../test/harness.ts';
import { listen } from '../../test/listen.ts';
import type { TrpcRouter } from '../app.ts';
import { createOrm, type Orm } from '../platform/db/orm.ts';
import { entities } from '../entities.ts';

let db: TestDatabase;
let orm: Orm;
let http: Awaited<ReturnType<typeof listen>>;
let probeApp: ReturnType<typeof createProbeApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ entities, database: db.database });
  probeApp = createProbeApp(orm);
  http = await listen(probeApp.express);
});
afterAll(async () => {
  await http.close();
  await orm.close();
  await db.drop();
});

type ProbeRouter = typeof probeApp.trpcRouter;
const probeClient = (token?: string) =>
  createTRPCClient<ProbeRouter>({
    links: [
      httpBatchLink({
        url: `${http.baseUrl}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });

type ErrorData = {
  httpStatus: number;
  envelope: { success: false; code: string; message: string; errors?: Record<string, string[]> };
};
const failure = async (call: () => Promise<unknown>): Promise<ErrorData> => {
  try {
    await call();
  } catch (e) {
    if (e instanceof TRPCClientError) return e.data as ErrorData;
    throw e;
  }
  throw new Error('expected the call to fail');
};

describe('tRPC transport derived from the contract', () => {
  it('runs the same handler as REST, with coerced and defaulted input', async () => {
    const out = await probeClient().probe.create.mutate({
      params: { groupId: 3 },
      query: {},
      body: { title: ' Via tRPC ' },
    });
    expect(out).toEqual({
      success: true,
      message: 'Created',
      data: { groupId: 3, title: 'Via tRPC', mode: 'safe', tags: [] },
    });
  });

  it('answers invalid input with the same envelope and field names as REST', async () => {
    const data = await failure(() =>
      probeClient().probe.create.mutate({
        params: { groupId: -1 },
        query: {},
        body: { title: 'ab', extra: 1 } as never,
      }),
    );
    expect(data.httpStatus).toBe(400);
    expect(data.envelope).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(Object.keys(data.envelope.errors ?? {}).sort()).toEqual(['extra', 'groupId', 'title']);
  });

  it('refuses NUL characters like REST does', async () => {
    const data = await failure(() =>
      probeClient().probe.create.mutate({ params: { groupId: 1 }, query: {}, body: { title: 'a\u0000b' } }),
    );
    expect(data).toMatchObject({
      httpStatus: 400,
      envelope: { errors: { title: ['Must not contain NUL characters'] } },
    });
  });

  it('carries service errors with their status and code', async () => {
    const data = await failure(() =>
      probeClient().probe.create.mutate({ params: { groupId: 1 }, query: {}, body: { title: 'taken' } }),
    );
    expect(data).toMatchObject({
      httpStatus: 409,
      envelope: { code: 'CONFLICT', message: 'That title is taken' },
    });
  });

  it('validates output: undeclared fields never leave', async () => {
    const out = await probeClient().probe.leaky.query();
    expect(out).toEqual({ success: true, message: 'Here', data: { name: 'n' } });
  });

  it('hides unexpected failures behind a bare 500', async () => {
    const data = await failure(() => probeClient().probe.broken.query());
    expect(data.httpStatus).toBe(500);
    expect(JSON.stringify(data)).not.toMatch(/secret|sock/);
  });

  it('enforces access levels exactly as REST does', async () => {
    expect((await failure(() => probeClient().probe.mine.query())).httpStatus).toBe(401);
    expect((await failure(() => probeClient('forged').probe.mine.query())).httpStatus).toBe(401);
    expect(await probeClient('user-token').probe.mine.query()).toMatchObject({ data: { id: 'u1' } });
    expect((await failure(() => probeClient('user-token').probe.admin.mutate())).envelope.code).toBe(
      'FORBIDDEN',
    );
    expect(await probeClient('admin-token').probe.admin.mutate()).toMatchObject({ data: { id: 'a1' } });
  });

  it('GET routes are queries and the rest mutations', () => {
    const procedures = probeApp.trpcRouter._def.procedures as unknown as Record<
      string,
      { _def: { type: string } }
    >;
    expect(procedures['probe.leaky']?._def.type).toBe('query');
    expect(procedures['probe.create']?._def.type).toBe('mutation');
    expect(procedures['probe.admin']?._def.type).toBe('mutation');
  });
});

describe('tRPC on the real application', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv.close());

  it('answers a batch of two queries in one HTTP request', async () => {
    const input = encodeURIComponent(JSON.stringify({}));
    const res = await fetch(`${srv.baseUrl}/trpc/system.health,system.ready?batch=1&input=${input}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Array<{
      result: { data: { success: boolean; data: { status: string } } };
    }>;
    expect(body.map((r) => r.result.data.data.status)).toEqual(['ok', 'ready']);
  });

  it('is typed from the contract through the tRPC client', async () => {
    let requests = 0;
    const client = createTRPCClient<TrpcRouter>({
      links: [
        httpBatchLink({
          url: `${srv.baseUrl}/trpc`,
          fetch: (url: string | URL | Request, init?: RequestInit) => {
            requests++;
            return fetch(url, init);
          },
        }),
      ],
    });
    const [health, ready] = await Promise.all([client.system.health.query(), client.system.ready.query()]);
    const version: string = health.data.version;
    expect(version).toBe(srv.config.version);
    expect(ready.data.checks.database.status).toBe('up');
    expect(requests).toBe(1);
  });

  it('unknown procedures: 404 in the envelope', async () => {
    const res = await fetch(`${srv.baseUrl}/trpc/system.nothing`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { data: ErrorData } };
    expect(body.error.data.envelope).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });
});
