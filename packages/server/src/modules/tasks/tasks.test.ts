import { randomUUID } from 'node:crypto';
import {
  TASK_STATUSES,
  TASK_TRANSITIONS,
  type AdminUser,
  type PageInfo,
  type Task,
  type TaskDetail,
  type TaskStats,
  type TaskStatus,
} from '@taskvault/contract';
import { createClient } from '@taskvault/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  expectError,
  expectInvalid,
  newIdentity,
  signUpVerifiedUser,
  type Err,
  type Ok,
  type Res,
} from '../../../test/api.ts';
import { testConfig, type TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { failure, trpcClient } from '../../../test/trpc-client.ts';

let sink: SmtpSink;
let srv: TestServer;
let admin: Session;
let alice: Session;
let bob: Session;

/** A signed-in caller: their user id and access token. */
type Session = { id: string; token: string };

// Every request comes from 127.0.0.1: lift the per-address limits on logins and signups.
useServerWithMail(
  { PUBLIC_URL: 'http://taskvault.test', LOGIN_IP_MAX_ATTEMPTS: '100000' },
  (env) => ({ sink, srv } = env),
);
beforeAll(async () => {
  const a = await adminSession(srv);
  admin = { id: a.tokens.user.id, token: a.tokens.access };
  alice = await newUser();
  bob = await newUser();
});

const tasks = '/api/v1/tasks';
const adminUsers = '/api/v1/auth/admin/users';

type Page = { items: Task[]; page: PageInfo };
type Init = { token?: string | undefined; ifMatch?: string; headers?: Record<string, string> };

async function newUser(): Promise<Session> {
  const s = await signUpVerifiedUser(srv, sink, newIdentity('tasks'));
  return { id: s.user.id, token: s.tokens.access };
}

/** JSON over real HTTP: any method, an optional bearer token and `If-Match`. */
async function call<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  init: Init = {},
): Promise<Res<T>> {
  const res = await fetch(`${srv.baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.ifMatch === undefined ? {} : { 'if-match': init.ifMatch }),
      ...init.headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const post = (body: unknown, who: Session | undefined) =>
  call<Ok<Task>>('POST', tasks, body, { token: who?.token });
const get = (id: string, who: Session | undefined) =>
  call<Ok<TaskDetail>>('GET', `${tasks}/${id}`, undefined, { token: who?.token });
const put = (id: string, body: unknown, who: Session, ifMatch?: string) =>
  call<Ok<Task>>('PUT', `${tasks}/${id}`, body, { token: who.token, ...(ifMatch ? { ifMatch } : {}) });
const patch = (id: string, body: unknown, who: Session, ifMatch?: string) =>
  call<Ok<Task>>('PATCH', `${tasks}/${id}`, body, { token: who.token, ...(ifMatch ? { ifMatch } : {}) });
const del = (id: string, who: Session | undefined, ifMatch?: string) =>
  call('DELETE', `${tasks}/${id}`, undefined, { token: who?.token, ...(ifMatch ? { ifMatch } : {}) });
const statsOf = (who: Session | undefined, scope?: 'mine' | 'all') =>
  call<Ok<TaskStats>>('GET', `${tasks}/stats${scope ? `?scope=${scope}` : ''}`, undefined, {
    token: who?.token,
  });

/** Creates a task through the API and returns it; fails the test unless the answer is 201. */
async function create(who: Session, body: Record<string, unknown> = {}): Promise<Task> {
  const res = await post({ title: `Task ${randomUUID().slice(0, 8)}`, ...body }, who);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

/** The task as its owner (or an admin) reads it now. */
async function current(id: string, who: Session = admin): Promise<Task> {
  const res = await get(id, who);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return withoutFiles(res.body.data);
}

/** A task's detail is the task plus its attached files; none are attached in this file's tests. */
function withoutFiles(detail: TaskDetail): Task {
  const { files, ...task } = detail;
  expect(files).toEqual([]);
  return task;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY = 86_400_000;
/** A calendar date `days` from today, UTC. */
const dayFromToday = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
/** The file's server runs on PostgreSQL (else PGlite). */
const onPostgres = !!testConfig().testDatabaseUrl;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('create', () => {
  it('answers 201 with the task, its defaults, the caller as owner, and ETag "1"', async () => {
    const before = Date.now();
    const res = await post({ title: '  Buy milk  ' }, alice);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({ success: true, message: expect.any(String) as string });
    const task = res.body.data;
    expect(task).toEqual({
      id: expect.stringMatching(UUID) as string,
      title: 'Buy milk',
      description: '',
      status: 'pending',
      priority: 'medium',
      dueDate: null,
      ownerId: alice.id,
      createdAt: expect.any(String) as string,
      updatedAt: expect.any(String) as string,
      completedAt: null,
      version: 1,
    });
    expect(Date.parse(task.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(task.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);
    // Both stamps are taken at creation (each by its own clock read, so they may be a millisecond apart).
    expect(Date.parse(task.updatedAt) - Date.parse(task.createdAt)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(task.updatedAt) - Date.parse(task.createdAt)).toBeLessThan(1000);

    // What was stored is what was answered.
    const read = await get(task.id, alice);
    expect(read.status).toBe(200);
    expect(withoutFiles(read.body.data)).toEqual(task);
  });

  it('keeps every field given', async () => {
    const body = {
      title: 'Write the report',
      description: 'Quarterly, with charts.\nTwo pages.',
      status: 'in_progress',
      priority: 'high',
      dueDate: '2026-12-31',
    };
    const res = await post(body, alice);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ ...body, ownerId: alice.id, completedAt: null, version: 1 });
    expect((await current(res.body.data.id, alice)).dueDate).toBe('2026-12-31');

    // The limits themselves are allowed.
    const longest = await create(alice, { title: 't'.repeat(200), description: 'd'.repeat(5000) });
    expect(longest.title).toHaveLength(200);
    expect(longest.description).toHaveLength(5000);
    expect((await create(alice, { title: 'abc', priority: 'low' })).priority).toBe('low');
    expect((await create(alice, { title: 'Leap day', dueDate: '2028-02-29' })).dueDate).toBe('2028-02-29');
  });

  it('a task created completed has completedAt; created in any other status it has none', async () => {
    const before = Date.now();
    const done = await create(alice, { status: 'completed' });
    expect(done.status).toBe('completed');
    expect(done.completedAt).not.toBeNull();
    const at = Date.parse(done.completedAt!);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await current(done.id, alice)).completedAt).toBe(done.completedAt);

    for (const status of ['pending', 'in_progress', 'cancelled'] as const) {
      const task = await create(alice, { status });
      expect(task.status).toBe(status);
      expect(task.completedAt, status).toBeNull();
    }
  });

  it('bad input: 400 naming the field, and nothing is created', async () => {
    const carol = await newUser();
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ title: '  ab  ' }, ['title']],
      [{ title: '' }, ['title']],
      [{ title: 'x'.repeat(201) }, ['title']],
      [{ title: 42 }, ['title']],
      [{ title: null }, ['title']],
      [{}, ['title']],
      [{ description: 'ok' }, ['title']],
      [{ title: 'Fine', description: 'd'.repeat(5001) }, ['description']],
      [{ title: 'Fine', description: null }, ['description']],
      [{ title: 'Fine', status: 'done' }, ['status']],
      [{ title: 'Fine', status: 'PENDING' }, ['status']],
      [{ title: 'Fine', priority: 'urgent' }, ['priority']],
      [{ title: 'Fine', priority: 2 }, ['priority']],
      [{ title: 'Fine', dueDate: '2026-02-30' }, ['dueDate']],
      [{ title: 'Fine', dueDate: '2027-02-29' }, ['dueDate']],
      [{ title: 'Fine', dueDate: '31/12/2026' }, ['dueDate']],
      [{ title: 'Fine', dueDate: '2026-12-31T00:00:00Z' }, ['dueDate']],
      [{ title: 'Fine', dueDate: 'tomorrow' }, ['dueDate']],
      [{ title: 'Fine', ownerId: bob.id }, ['ownerId']],
      [{ title: 'Fine', version: 7 }, ['version']],
      [{ title: 'Fine', colour: 'red' }, ['colour']],
      [
        { title: 'ab', status: 'done', priority: 'urgent', dueDate: 'x' },
        ['title', 'status', 'priority', 'dueDate'],
      ],
    ];
    for (const [body, fields] of cases) {
      const res = await post(body, carol);
      expectInvalid(res, fields);
    }
    const unknown = await post({ title: 'Fine', colour: 'red' }, carol);
    expect((unknown.body as unknown as Err).errors).toEqual({ colour: ['Unknown field'] });
    // Not an object at all.
    expect((await call('POST', tasks, ['Fine'], { token: carol.token })).status).toBe(400);
    expect((await call('POST', tasks, 'Fine', { token: carol.token })).status).toBe(400);

    const stats = await statsOf(carol);
    expect(stats.body.data.total).toBe(0);
  });

  it('without a valid token: 401, and nothing is created', async () => {
    const anonymous = await post({ title: 'Sneaky' }, undefined);
    expectError(anonymous, 401, 'UNAUTHENTICATED');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expectError(
      await call('POST', tasks, { title: 'Sneaky' }, { token: 'not.a.token' }),
      401,
      'UNAUTHENTICATED',
    );
    // A bad body without a token is still a 401: who you are is checked first.
    expectError(await post({ title: 'x' }, undefined), 401, 'UNAUTHENTICATED');
  });
});

describe('get', () => {
  it('answers 200 with the task and its ETag', async () => {
    const task = await create(alice, { priority: 'high' });
    const res = await get(task.id, alice);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({ success: true, data: task });
    // An id in upper case is the same task.
    const upper = await get(task.id.toUpperCase(), alice);
    expect(upper.status).toBe(200);
    expect(withoutFiles(upper.body.data)).toEqual(task);
  });

  it("another user's task is 404, exactly as an unknown id; a malformed id is 400; no token is 401", async () => {
    const task = await create(alice);
    const foreign = await get(task.id, bob);
    const unknown = await get(randomUUID(), bob);
    expectError(foreign, 404, 'NOT_FOUND');
    expectError(unknown, 404, 'NOT_FOUND');
    expect(foreign.body).toEqual(unknown.body);
    // No task ETag on a 404 (only Express' weak tag of the error body, the same for both).
    expect(foreign.headers.get('etag')).toBe(unknown.headers.get('etag'));
    expect(foreign.headers.get('etag')).not.toMatch(/^"\d+"$/);

    expectInvalid(await get('not-a-uuid', alice), ['id']);
    expectInvalid(await get('12345', alice), ['id']);
    expectError(await get(task.id, undefined), 401, 'UNAUTHENTICATED');
  });

  it('an admin gets any task', async () => {
    const task = await create(alice, { description: 'mine' });
    const res = await get(task.id, admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(withoutFiles(res.body.data)).toEqual(task);
    expect(res.body.data.ownerId).toBe(alice.id);
  });
});

describe('ownership', () => {
  it("another user cannot read, replace, update or delete a user's task: 404 each, and it stays as it was", async () => {
    const task = await create(alice, { description: 'private', dueDate: '2027-01-15' });
    const unknownId = randomUUID();
    const replacement = {
      title: 'Hijacked',
      description: '',
      status: 'cancelled',
      priority: 'low',
      dueDate: null,
    };
    const attempts: Array<[string, (id: string) => Promise<Res<unknown>>]> = [
      ['GET', (id) => get(id, bob)],
      ['PUT', (id) => put(id, replacement, bob)],
      ['PUT If-Match', (id) => put(id, replacement, bob, '"1"')],
      ['PATCH', (id) => patch(id, { title: 'Hijacked' }, bob)],
      ['PATCH status', (id) => patch(id, { status: 'completed' }, bob)],
      ['PATCH If-Match *', (id) => patch(id, { title: 'Hijacked' }, bob, '*')],
      ['DELETE', (id) => del(id, bob)],
      ['DELETE If-Match', (id) => del(id, bob, '"1"')],
    ];
    for (const [name, attempt] of attempts) {
      const res = await attempt(task.id);
      expectError(res, 404, 'NOT_FOUND');
      // The same answer as for a task that does not exist: its existence is not revealed.
      expect(res.body, name).toEqual((await attempt(unknownId)).body);
    }
    // A stale If-Match from someone else is still a 404, not a 412 that would reveal the version.
    expectError(await patch(task.id, { title: 'Hijacked' }, bob, '"99"'), 404, 'NOT_FOUND');

    expect(await current(task.id, alice)).toEqual(task);

    // Nor does the task appear among the other user's own.
    const theirs = await call<Ok<Page>>('GET', tasks, undefined, { token: bob.token });
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.items.map((t) => t.id)).not.toContain(task.id);
    expect(theirs.body.data.items.every((t) => t.ownerId === bob.id)).toBe(true);
  });

  it('an admin may change and delete any task through the ordinary routes; the owner stays the owner', async () => {
    const task = await create(alice);
    const changed = await patch(task.id, { title: 'Moderated', status: 'cancelled' }, admin, '"1"');
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.data).toMatchObject({ title: 'Moderated', status: 'cancelled', ownerId: alice.id });
    const replaced = await put(
      task.id,
      { title: 'Moderated again', description: '', status: 'pending', priority: 'low', dueDate: null },
      admin,
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body.data.ownerId).toBe(alice.id);
    expect((await current(task.id, alice)).title).toBe('Moderated again');

    const gone = await del(task.id, admin, '"3"');
    expect(gone.status).toBe(204);
    expectError(await get(task.id, alice), 404, 'NOT_FOUND');
  });
});

describe('replace (PUT)', () => {
  const full = {
    title: 'Replaced',
    description: 'All new',
    status: 'in_progress',
    priority: 'low',
    dueDate: '2027-03-01',
  };

  it('sets every field; the version and ETag go up, updatedAt moves, createdAt and the owner stay', async () => {
    const task = await create(alice, { description: 'old', priority: 'high', dueDate: '2026-06-01' });
    await sleep(5);
    const res = await put(task.id, full, alice);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(res.body.data).toEqual({
      ...task,
      ...full,
      version: 2,
      updatedAt: expect.any(String) as string,
    });
    expect(Date.parse(res.body.data.updatedAt)).toBeGreaterThan(Date.parse(task.updatedAt));
    expect(await current(task.id, alice)).toEqual(res.body.data);

    // dueDate null clears it; the title is trimmed as on create.
    const cleared = await put(task.id, { ...full, title: '  Again  ', dueDate: null }, alice, '"2"');
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ title: 'Again', dueDate: null, version: 3 });
    expect(cleared.headers.get('etag')).toBe('"3"');
  });

  it('every field is required: a missing one is 400 naming it, and nothing changes', async () => {
    const task = await create(alice);
    for (const field of Object.keys(full)) {
      const body: Record<string, unknown> = { ...full };
      delete body[field];
      expectInvalid(await put(task.id, body, alice), [field]);
    }
    expectInvalid(await put(task.id, { ...full, title: 'ab' }, alice), ['title']);
    expectInvalid(await put(task.id, { ...full, dueDate: '2026-13-01' }, alice), ['dueDate']);
    expectInvalid(await put(task.id, { ...full, ownerId: bob.id }, alice), ['ownerId']);
    expectInvalid(await put(task.id, {}, alice), Object.keys(full));
    expect(await current(task.id, alice)).toEqual(task);

    expectError(await put(randomUUID(), full, alice), 404, 'NOT_FOUND');
    expectInvalid(await put('not-a-uuid', full, alice), ['id']);
  });
});

describe('update (PATCH)', () => {
  it('sets only the fields given; each change bumps the version and the ETag, and moves updatedAt', async () => {
    const task = await create(alice, { description: 'keep me', priority: 'high', dueDate: '2026-08-08' });
    await sleep(5);
    const first = await patch(task.id, { title: 'Renamed' }, alice);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    expect(first.body.data).toEqual({
      ...task,
      title: 'Renamed',
      version: 2,
      updatedAt: expect.any(String) as string,
    });
    expect(Date.parse(first.body.data.updatedAt)).toBeGreaterThan(Date.parse(task.updatedAt));

    await sleep(5);
    const second = await patch(task.id, { priority: 'low', dueDate: null }, alice);
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe('"3"');
    expect(second.body.data).toMatchObject({
      title: 'Renamed',
      description: 'keep me',
      priority: 'low',
      dueDate: null,
      version: 3,
      createdAt: task.createdAt,
    });
    expect(Date.parse(second.body.data.updatedAt)).toBeGreaterThan(Date.parse(first.body.data.updatedAt));

    const third = await patch(task.id, { description: '' }, alice);
    expect(third.body.data).toMatchObject({ description: '', version: 4 });
    const read = await get(task.id, alice);
    expect(read.headers.get('etag')).toBe('"4"');
    expect(withoutFiles(read.body.data)).toEqual(third.body.data);
  });

  it('bad bodies: 400 naming the field (an empty body names `body`), and nothing changes', async () => {
    const task = await create(alice);
    expectInvalid(await patch(task.id, {}, alice), ['body']);
    expectInvalid(await patch(task.id, { title: 'ab' }, alice), ['title']);
    expectInvalid(await patch(task.id, { title: 'x'.repeat(201) }, alice), ['title']);
    expectInvalid(await patch(task.id, { description: 'd'.repeat(5001) }, alice), ['description']);
    expectInvalid(await patch(task.id, { status: 'done' }, alice), ['status']);
    expectInvalid(await patch(task.id, { priority: 'urgent' }, alice), ['priority']);
    expectInvalid(await patch(task.id, { dueDate: '2026-02-30' }, alice), ['dueDate']);
    expectInvalid(await patch(task.id, { dueDate: '31/12/2026' }, alice), ['dueDate']);
    expectInvalid(await patch(task.id, { title: null }, alice), ['title']);
    // Only an unknown field: it is named, and once it is set aside there is nothing left to change.
    expectInvalid(await patch(task.id, { version: 5 }, alice), ['version', 'body']);
    expectInvalid(await patch(task.id, { title: 'Fine', ownerId: bob.id }, alice), ['ownerId']);
    expect(await current(task.id, alice)).toEqual(task);

    expectError(await patch(randomUUID(), { title: 'Nobody' }, alice), 404, 'NOT_FOUND');
    expectInvalid(await patch('not-a-uuid', { title: 'Nobody' }, alice), ['id']);
    expectError(await call('PATCH', `${tasks}/${task.id}`, { title: 'Anon' }), 401, 'UNAUTHENTICATED');
  });
});

describe('status transitions', () => {
  const pairs = TASK_STATUSES.flatMap((from) =>
    TASK_STATUSES.filter((to) => to !== from).map((to) => ({
      from,
      to,
      allowed: (TASK_TRANSITIONS[from] as readonly TaskStatus[]).includes(to),
    })),
  );

  it('the table allows some moves and refuses others (sanity check of the table itself)', () => {
    expect(pairs.filter((p) => p.allowed)).toHaveLength(8);
    expect(
      pairs
        .filter((p) => !p.allowed)
        .map((p) => `${p.from}->${p.to}`)
        .sort(),
    ).toEqual(
      [
        'cancelled->completed',
        'cancelled->in_progress',
        'completed->cancelled',
        'completed->in_progress',
      ].sort(),
    );
  });

  it.each(pairs.filter((p) => p.allowed))('PATCH $from → $to succeeds', async ({ from, to }) => {
    const task = await create(alice, { status: from });
    const res = await patch(task.id, { status: to }, alice);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ status: to, version: 2 });
    expect(res.body.data.completedAt === null).toBe(to !== 'completed');
  });

  it.each(pairs.filter((p) => p.allowed))('PUT $from → $to succeeds', async ({ from, to }) => {
    const task = await create(alice, { status: from });
    const res = await put(
      task.id,
      {
        title: task.title,
        description: task.description,
        status: to,
        priority: task.priority,
        dueDate: null,
      },
      alice,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.status).toBe(to);
  });

  it.each(pairs.filter((p) => !p.allowed))(
    '$from → $to: 409 INVALID_TRANSITION naming the allowed targets; nothing changes',
    async ({ from, to }) => {
      const task = await create(alice, { status: from });
      const res = await patch(task.id, { status: to, title: 'Should not stick' }, alice);
      const body = expectError(res, 409, 'INVALID_TRANSITION');
      for (const target of TASK_TRANSITIONS[from]) expect(body.message).toContain(target);
      expect(body.message).toContain(to);

      const viaPut = await put(
        task.id,
        { title: 'Should not stick', description: '', status: to, priority: 'low', dueDate: null },
        alice,
        '"1"',
      );
      expectError(viaPut, 409, 'INVALID_TRANSITION');
      expect(await current(task.id, alice)).toEqual(task);
    },
  );

  it('the message lists exactly the allowed targets', async () => {
    const done = await create(alice, { status: 'completed' });
    const res = await patch(done.id, { status: 'in_progress' }, alice);
    const body = expectError(res, 409, 'INVALID_TRANSITION');
    expect(body.message).toMatch(/can become: pending$/);
    const cancelled = await create(alice, { status: 'cancelled' });
    expect(
      expectError(await patch(cancelled.id, { status: 'completed' }, alice), 409, 'INVALID_TRANSITION')
        .message,
    ).toMatch(/can become: pending$/);
  });

  it('the same status again is allowed and changes nothing', async () => {
    for (const status of TASK_STATUSES) {
      const task = await create(alice, { status });
      const res = await patch(task.id, { status }, alice);
      expect(res.status, status).toBe(200);
      expect(res.body.data, status).toEqual(task);
    }
  });

  it('completedAt is set on completion, kept through other edits, cleared on reopening, set anew on completing again', async () => {
    const task = await create(alice);
    const started = await patch(task.id, { status: 'in_progress' }, alice);
    expect(started.body.data.completedAt).toBeNull();

    const before = Date.now();
    const done = await patch(task.id, { status: 'completed' }, alice);
    expect(done.status).toBe(200);
    const completedAt = done.body.data.completedAt;
    expect(completedAt).not.toBeNull();
    expect(Date.parse(completedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(completedAt!)).toBeLessThanOrEqual(Date.now() + 1000);

    const edited = await patch(task.id, { title: 'Done and renamed', priority: 'high' }, alice);
    expect(edited.body.data.completedAt).toBe(completedAt);
    expect((await current(task.id, alice)).completedAt).toBe(completedAt);

    const reopened = await patch(task.id, { status: 'pending' }, alice);
    expect(reopened.status).toBe(200);
    expect(reopened.body.data).toMatchObject({ status: 'pending', completedAt: null });
    expect((await current(task.id, alice)).completedAt).toBeNull();

    await sleep(5);
    const again = await patch(task.id, { status: 'completed' }, alice);
    expect(again.body.data.completedAt).not.toBeNull();
    expect(Date.parse(again.body.data.completedAt!)).toBeGreaterThan(Date.parse(completedAt!));

    // Cancelling never sets it.
    const other = await create(alice);
    const cancelled = await patch(other.id, { status: 'cancelled' }, alice);
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', completedAt: null });
  });
});

describe('concurrency (If-Match)', () => {
  it('If-Match with the current version applies the change', async () => {
    const task = await create(alice);
    const res = await patch(task.id, { title: 'Matched' }, alice, '"1"');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const next = await patch(task.id, { title: 'Matched again' }, alice, res.headers.get('etag')!);
    expect(next.status).toBe(200);
    expect(next.body.data).toMatchObject({ title: 'Matched again', version: 3 });
    // A list of tags matches if one of them does.
    const listed = await patch(task.id, { title: 'Listed' }, alice, '"1", "3"');
    expect(listed.status).toBe(200);
    expect(listed.body.data.version).toBe(4);
  });

  it('a stale If-Match: 412 PRECONDITION_FAILED with the current ETag, and nothing changes', async () => {
    const task = await create(alice);
    const moved = await patch(task.id, { title: 'Moved on' }, alice);
    expect(moved.body.data.version).toBe(2);

    const stale = await patch(task.id, { title: 'Stale write' }, alice, '"1"');
    const body = expectError(stale, 412, 'PRECONDITION_FAILED');
    expect(body.message).toContain('"2"');
    expect(stale.headers.get('etag')).toBe('"2"');
    expectError(await patch(task.id, { title: 'Future write' }, alice, '"3"'), 412, 'PRECONDITION_FAILED');
    // If-Match compares strongly: a weak tag never matches, and neither does a bare number.
    expectError(await patch(task.id, { title: 'Weak' }, alice, 'W/"2"'), 412, 'PRECONDITION_FAILED');
    expectError(await patch(task.id, { title: 'Bare' }, alice, '2'), 412, 'PRECONDITION_FAILED');
    expectError(
      await put(
        task.id,
        { title: 'Stale put', description: '', status: 'pending', priority: 'low', dueDate: null },
        alice,
        '"1"',
      ),
      412,
      'PRECONDITION_FAILED',
    );
    // The precondition is checked before the transition rule.
    const done = await create(alice, { status: 'completed' });
    expectError(await patch(done.id, { status: 'in_progress' }, alice, '"7"'), 412, 'PRECONDITION_FAILED');

    expect(await current(task.id, alice)).toEqual(moved.body.data);
  });

  it('If-Match: * applies whatever the version', async () => {
    const task = await create(alice);
    await patch(task.id, { title: 'Two' }, alice);
    const res = await patch(task.id, { title: 'Star' }, alice, '*');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ title: 'Star', version: 3 });
  });

  it('without If-Match the write applies: the last write wins', async () => {
    const task = await create(alice);
    // Two clients read version 1; one writes; the other, not sending If-Match, overwrites it.
    const first = await patch(task.id, { title: 'First writer', priority: 'high' }, alice);
    expect(first.status).toBe(200);
    const second = await patch(task.id, { title: 'Second writer' }, alice);
    expect(second.status).toBe(200);
    expect(second.body.data).toMatchObject({ title: 'Second writer', priority: 'high', version: 3 });
    expect((await current(task.id, alice)).title).toBe('Second writer');
  });

  it('two clients read version N and both write with If-Match N: exactly one 200 and one 412', async () => {
    for (let round = 0; round < 5; round++) {
      const task = await create(alice);
      const [a, b] = await Promise.all([get(task.id, alice), get(task.id, alice)]);
      const tagA = a.headers.get('etag')!;
      const tagB = b.headers.get('etag')!;
      expect([tagA, tagB]).toEqual(['"1"', '"1"']);

      const answers = await Promise.all([
        patch(task.id, { title: `Client A ${round}` }, alice, tagA),
        patch(task.id, { title: `Client B ${round}` }, alice, tagB),
      ]);
      expect(answers.map((r) => r.status).sort(), JSON.stringify(answers.map((r) => r.body))).toEqual([
        200, 412,
      ]);
      const winner = answers.find((r) => r.status === 200)!;
      const loser = answers.find((r) => r.status === 412)!;
      expectError(loser, 412, 'PRECONDITION_FAILED');
      const after = await current(task.id, alice);
      expect(after.version).toBe(2);
      expect(after.title).toBe(winner.body.data.title);
    }
  });

  it('many clients racing on one version: exactly one wins', async () => {
    const task = await create(alice);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => patch(task.id, { title: `Racer ${i}` }, alice, '"1"')),
    );
    const statuses = answers.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 200),
      JSON.stringify(statuses),
    ).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 412),
      JSON.stringify(statuses),
    ).toHaveLength(7);
    const after = await current(task.id, alice);
    expect(after.version).toBe(2);
    expect(after.title).toBe(answers.find((r) => r.status === 200)!.body.data.title);
  });

  it('DELETE with a stale If-Match: 412 and the task is still there; with the current one: 204', async () => {
    const task = await create(alice);
    await patch(task.id, { title: 'Version two' }, alice);
    const stale = await del(task.id, alice, '"1"');
    expectError(stale, 412, 'PRECONDITION_FAILED');
    expect(stale.headers.get('etag')).toBe('"2"');
    expect((await current(task.id, alice)).version).toBe(2);

    const gone = await del(task.id, alice, '"2"');
    expect(gone.status).toBe(204);
    expectError(await get(task.id, alice), 404, 'NOT_FOUND');
  });

  it('DELETE answers 204 with an empty body; then the task is 404 everywhere', async () => {
    const task = await create(alice);
    const res = await del(task.id, alice);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expectError(await get(task.id, alice), 404, 'NOT_FOUND');
    expectError(await get(task.id, admin), 404, 'NOT_FOUND');
    expectError(await patch(task.id, { title: 'Ghost' }, alice), 404, 'NOT_FOUND');
    expectError(await del(task.id, alice), 404, 'NOT_FOUND');
    expectError(await del(task.id, alice, '*'), 404, 'NOT_FOUND');
    expectInvalid(await del('not-a-uuid', alice), ['id']);
    expectError(await del(randomUUID(), undefined), 401, 'UNAUTHENTICATED');
  });

  it('a DELETE racing a write under the same If-Match: one of them wins, never both', async () => {
    for (let round = 0; round < 3; round++) {
      const task = await create(alice);
      const [write, remove] = await Promise.all([
        patch(task.id, { title: 'Racing write' }, alice, '"1"'),
        del(task.id, alice, '"1"'),
      ]);
      const statuses = [write.status, remove.status];
      if (write.status === 200) {
        expect(remove.status, JSON.stringify(statuses)).toBe(412);
        expect((await current(task.id, alice)).title).toBe('Racing write');
      } else {
        expect(remove.status, JSON.stringify(statuses)).toBe(204);
        expect([404, 412]).toContain(write.status);
        expectError(await get(task.id, alice), 404, 'NOT_FOUND');
      }
    }
  });
});

describe('admin routes', () => {
  it('GET /tasks/admin/all: every user’s tasks for an admin; 403 for a user; 401 without a token', async () => {
    const carol = await newUser();
    const dave = await newUser();
    const mine = [await create(carol), await create(carol), await create(dave)];

    const res = await call<Ok<Page>>('GET', `${tasks}/admin/all?limit=100`, undefined, {
      token: admin.token,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.success).toBe(true);
    const ids = res.body.data.items.map((t) => t.id);
    for (const t of mine) expect(ids).toContain(t.id);
    expect(new Set(res.body.data.items.map((t) => t.ownerId)).size).toBeGreaterThanOrEqual(3);
    expect(res.body.data.items.find((t) => t.id === mine[2]!.id)).toEqual(mine[2]);
    // total counts every task of every user, as the statistics do.
    const everyone = await statsOf(admin, 'all');
    expect(res.body.data.page.total).toBe(everyone.body.data.total);

    expectError(await call('GET', `${tasks}/admin/all`, undefined, { token: carol.token }), 403, 'FORBIDDEN');
    const anonymous = await call('GET', `${tasks}/admin/all`);
    expectError(anonymous, 401, 'UNAUTHENTICATED');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('GET /tasks?scope=all: everyone’s tasks for an admin, 403 for a user; scope=mine is the admin’s own', async () => {
    const carol = await newUser();
    const theirs = await create(carol);
    const own = await create(admin);

    const all = await call<Ok<Page>>('GET', `${tasks}?scope=all&limit=100`, undefined, {
      token: admin.token,
    });
    expect(all.status).toBe(200);
    expect(all.body.data.items.map((t) => t.id)).toEqual(expect.arrayContaining([theirs.id, own.id]));
    const adminAll = await call<Ok<Page>>('GET', `${tasks}/admin/all?limit=100`, undefined, {
      token: admin.token,
    });
    expect(all.body.data).toEqual(adminAll.body.data);

    const mine = await call<Ok<Page>>('GET', `${tasks}?scope=mine&limit=100`, undefined, {
      token: admin.token,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.data.items.map((t) => t.id)).toContain(own.id);
    expect(mine.body.data.items.every((t) => t.ownerId === admin.id)).toBe(true);
    const byDefault = await call<Ok<Page>>('GET', `${tasks}?limit=100`, undefined, { token: admin.token });
    expect(byDefault.body.data).toEqual(mine.body.data);

    expectError(await call('GET', `${tasks}?scope=all`, undefined, { token: carol.token }), 403, 'FORBIDDEN');
    const carolsOwn = await call<Ok<Page>>('GET', `${tasks}?scope=mine`, undefined, { token: carol.token });
    expect(carolsOwn.body.data.items.map((t) => t.id)).toEqual([theirs.id]);
    expectInvalid(await call('GET', `${tasks}?scope=everyone`, undefined, { token: admin.token }), ['scope']);
  });

  it('DELETE /tasks/admin/:id/delete: 204 for any task, 404 for an unknown id, 403 for a user, 401 without a token', async () => {
    const task = await create(alice);
    const other = await create(bob);

    // Not for users, not even on their own task.
    expectError(
      await call('DELETE', `${tasks}/admin/${task.id}/delete`, undefined, { token: alice.token }),
      403,
      'FORBIDDEN',
    );
    expectError(await call('DELETE', `${tasks}/admin/${task.id}/delete`), 401, 'UNAUTHENTICATED');
    expect(await current(task.id, alice)).toEqual(task);

    const res = await call('DELETE', `${tasks}/admin/${task.id}/delete`, undefined, { token: admin.token });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expectError(await get(task.id, alice), 404, 'NOT_FOUND');
    // Only that task.
    expect(await current(other.id, bob)).toEqual(other);

    expectError(
      await call('DELETE', `${tasks}/admin/${task.id}/delete`, undefined, { token: admin.token }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await call('DELETE', `${tasks}/admin/${randomUUID()}/delete`, undefined, { token: admin.token }),
      404,
      'NOT_FOUND',
    );
    expectInvalid(
      await call('DELETE', `${tasks}/admin/not-a-uuid/delete`, undefined, { token: admin.token }),
      ['id'],
    );
  });
});

describe('statistics', () => {
  const zero: TaskStats = {
    total: 0,
    byStatus: { pending: 0, in_progress: 0, completed: 0, cancelled: 0 },
    byPriority: { low: 0, medium: 0, high: 0 },
    overdue: 0,
    dueNext7Days: 0,
    completedLast7Days: 0,
  };

  /** Moves a task's completion time into the past: no route can, and "the last 7 days" needs it. */
  const completedDaysAgo = async (id: string, days: number) => {
    const at = new Date(Date.now() - days * DAY);
    await srv.orm.em
      .fork()
      .getConnection()
      .execute('update tasks set completed_at = ? where id = ?', [at, id]);
  };

  it('a user without tasks: all zeros', async () => {
    const carol = await newUser();
    const res = await statsOf(carol);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: zero });
    expect(res.body.data).toEqual(zero);
  });

  it('counts exactly, by status, priority, overdue, due in the next 7 days and completed in the last 7', async () => {
    const carol = await newUser();
    // Someone else's tasks never count.
    await create(bob, { status: 'pending', dueDate: dayFromToday(-1) });
    await create(bob, { status: 'completed' });

    const fixtures: Array<Record<string, unknown>> = [
      // Overdue: open and due before today.
      { status: 'pending', priority: 'high', dueDate: dayFromToday(-1) },
      { status: 'in_progress', priority: 'low', dueDate: dayFromToday(-30) },
      // Due in the next 7 days: open, today <= due < today + 7.
      { status: 'pending', priority: 'medium', dueDate: dayFromToday(0) },
      { status: 'in_progress', priority: 'high', dueDate: dayFromToday(6) },
      // Open but due a week from today or later, or never.
      { status: 'pending', priority: 'low', dueDate: dayFromToday(7) },
      { status: 'pending', priority: 'medium', dueDate: dayFromToday(400) },
      { status: 'pending', priority: 'medium' },
      // Closed: never overdue nor due, whatever the date.
      { status: 'cancelled', priority: 'low', dueDate: dayFromToday(-3) },
      { status: 'cancelled', priority: 'medium', dueDate: dayFromToday(2) },
      { status: 'completed', priority: 'high', dueDate: dayFromToday(-2) },
      { status: 'completed', priority: 'medium', dueDate: dayFromToday(1) },
    ];
    for (const body of fixtures) await create(carol, body);

    // Completed six days ago counts as recent; eight days ago does not.
    const sixDays = await create(carol, { status: 'completed', priority: 'low' });
    await completedDaysAgo(sixDays.id, 6);
    const eightDays = await create(carol, { status: 'completed', priority: 'low' });
    await completedDaysAgo(eightDays.id, 8);
    // Completed, then reopened: open again, due tomorrow, no longer completed.
    const reopened = await create(carol, {
      status: 'in_progress',
      priority: 'high',
      dueDate: dayFromToday(1),
    });
    expect((await patch(reopened.id, { status: 'completed' }, carol)).status).toBe(200);
    expect((await patch(reopened.id, { status: 'pending' }, carol)).status).toBe(200);

    const res = await statsOf(carol);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({
      total: 14,
      byStatus: { pending: 6, in_progress: 2, completed: 4, cancelled: 2 },
      byPriority: { low: 5, medium: 5, high: 4 },
      overdue: 2,
      dueNext7Days: 3,
      completedLast7Days: 3,
    });
    expect(await statsOf(carol, 'mine')).toMatchObject({ status: 200, body: { data: res.body.data } });

    // A change moves the counts: the overdue one is done, the one due today is cancelled.
    const ids = (await call<Ok<Page>>('GET', `${tasks}?limit=100`, undefined, { token: carol.token })).body
      .data.items;
    const overdue = ids.find((t) => t.dueDate === dayFromToday(-1))!;
    const dueToday = ids.find((t) => t.dueDate === dayFromToday(0))!;
    expect((await patch(overdue.id, { status: 'completed' }, carol)).status).toBe(200);
    expect((await patch(dueToday.id, { status: 'cancelled' }, carol)).status).toBe(200);
    expect((await del(eightDays.id, carol)).status).toBe(204);
    const after = await statsOf(carol);
    expect(after.body.data).toEqual({
      total: 13,
      byStatus: { pending: 4, in_progress: 2, completed: 4, cancelled: 3 },
      byPriority: { low: 4, medium: 5, high: 4 },
      overdue: 1,
      dueNext7Days: 2,
      completedLast7Days: 4,
    });
  });

  it("scope=all: an admin counts everyone's tasks; a user gets 403", async () => {
    const before = await statsOf(admin, 'all');
    expect(before.status).toBe(200);
    const carol = await newUser();
    await create(carol, { status: 'pending', priority: 'high', dueDate: dayFromToday(-1) });
    await create(carol, { status: 'completed', priority: 'low' });
    await create(carol, { status: 'in_progress', priority: 'medium', dueDate: dayFromToday(3) });
    const theirs = (await statsOf(carol)).body.data;

    const after = await statsOf(admin, 'all');
    expect(after.status).toBe(200);
    const b = before.body.data;
    expect(after.body.data).toEqual({
      total: b.total + theirs.total,
      byStatus: {
        pending: b.byStatus.pending + 1,
        in_progress: b.byStatus.in_progress + 1,
        completed: b.byStatus.completed + 1,
        cancelled: b.byStatus.cancelled,
      },
      byPriority: { low: b.byPriority.low + 1, medium: b.byPriority.medium + 1, high: b.byPriority.high + 1 },
      overdue: b.overdue + 1,
      dueNext7Days: b.dueNext7Days + 1,
      completedLast7Days: b.completedLast7Days + 1,
    });
    // The totals agree with the admin list of every task.
    const all = await call<Ok<Page>>('GET', `${tasks}/admin/all?limit=1`, undefined, { token: admin.token });
    expect(after.body.data.total).toBe(all.body.data.page.total);

    // An admin's own statistics are only their own.
    const adminOwn = await statsOf(admin);
    const adminMine = await call<Ok<Page>>('GET', `${tasks}?limit=1`, undefined, { token: admin.token });
    expect(adminOwn.body.data.total).toBe(adminMine.body.data.page.total);
    expect(adminOwn.body.data.total).toBeLessThan(after.body.data.total);

    expectError(await statsOf(carol, 'all'), 403, 'FORBIDDEN');
    expectInvalid(await call('GET', `${tasks}/stats?scope=everyone`, undefined, { token: carol.token }), [
      'scope',
    ]);
    expectError(await statsOf(undefined), 401, 'UNAUTHENTICATED');
  });
});

describe('tasks and their owners', () => {
  const adminUser = (id: string) =>
    call<Ok<AdminUser>>('GET', `${adminUsers}/${id}`, undefined, { token: admin.token });

  it("the admin user list shows each user's task count", async () => {
    const busy = await signUpVerifiedUser(srv, sink, newIdentity('busy'));
    const idle = await signUpVerifiedUser(srv, sink, newIdentity('idle'));
    const session = { id: busy.user.id, token: busy.tokens.access };
    const made = [
      await create(session),
      await create(session),
      await create(session, { status: 'completed' }),
    ];

    const listed = await call<Ok<{ items: AdminUser[] }>>(
      'GET',
      `${adminUsers}?search=${busy.identity.username}`,
      undefined,
      { token: admin.token },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data.items.map((u) => [u.id, u.taskCount])).toEqual([[busy.user.id, 3]]);
    expect((await adminUser(busy.user.id)).body.data.taskCount).toBe(3);
    expect((await adminUser(idle.user.id)).body.data.taskCount).toBe(0);

    // Both on one page: each its own count.
    const page = await call<Ok<{ items: AdminUser[] }>>('GET', `${adminUsers}?limit=100`, undefined, {
      token: admin.token,
    });
    const counts = new Map(page.body.data.items.map((u) => [u.id, u.taskCount]));
    expect(counts.get(busy.user.id)).toBe(3);
    expect(counts.get(idle.user.id)).toBe(0);

    expect((await del(made[0]!.id, session)).status).toBe(204);
    expect((await adminUser(busy.user.id)).body.data.taskCount).toBe(2);
  });

  it('deleting a user deletes their tasks, and only theirs', async () => {
    const leaving = await signUpVerifiedUser(srv, sink, newIdentity('leaving'));
    const session = { id: leaving.user.id, token: leaving.tokens.access };
    const made = [await create(session), await create(session, { status: 'completed' })];
    const kept = await create(bob);
    const before = (await statsOf(admin, 'all')).body.data.total;

    const res = await call('DELETE', `${adminUsers}/${leaving.user.id}`, undefined, { token: admin.token });
    expect(res.status).toBe(204);

    for (const t of made) {
      expectError(await get(t.id, admin), 404, 'NOT_FOUND');
      expectError(
        await call('DELETE', `${tasks}/admin/${t.id}/delete`, undefined, { token: admin.token }),
        404,
        'NOT_FOUND',
      );
    }
    expect((await statsOf(admin, 'all')).body.data.total).toBe(before - 2);
    const rows = await srv.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ n: number }>>('select count(*)::int as n from tasks where owner_id = ?', [
        leaving.user.id,
      ]);
    expect(Number(rows[0]!.n)).toBe(0);
    expect(await current(kept.id, bob)).toEqual(kept);
  });
});

describe('tRPC and SDK', () => {
  const trpcFor = (who: Session, headers: Record<string, string> = {}) =>
    trpcClient(srv.baseUrl, { token: () => who.token, headers });

  it('tRPC: create and list work and agree with REST', async () => {
    const carol = await newUser();
    const api = trpcFor(carol);
    const created = await api.tasks.create.mutate({
      body: { title: '  Over tRPC  ', priority: 'high', dueDate: '2027-05-05' },
    });
    expect(created.success).toBe(true);
    expect(created.data).toMatchObject({
      title: 'Over tRPC',
      description: '',
      status: 'pending',
      priority: 'high',
      dueDate: '2027-05-05',
      ownerId: carol.id,
      completedAt: null,
      version: 1,
    });
    expect(await current(created.data.id, carol)).toEqual(created.data);

    const second = await api.tasks.create.mutate({
      body: { title: 'Second over tRPC', status: 'completed' },
    });
    expect(second.data.completedAt).not.toBeNull();

    const listed = await api.tasks.list.query({ query: {} });
    const rest = await call<Ok<Page>>('GET', tasks, undefined, { token: carol.token });
    expect(listed.data).toEqual(rest.body.data);
    expect(listed.data.items.map((t) => t.id).sort()).toEqual([created.data.id, second.data.id].sort());

    const one = await api.tasks.get.query({ params: { id: created.data.id } });
    expect(one.data).toEqual({ ...created.data, files: [] });
    const stats = await api.tasks.stats.query({ query: {} });
    expect(stats.data).toEqual((await statsOf(carol)).body.data);

    // Errors carry the REST status and envelope.
    const invalid = await failure(() => api.tasks.create.mutate({ body: { title: 'ab' } }));
    expect(invalid.httpStatus).toBe(400);
    expect(invalid.envelope.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(invalid.envelope.errors ?? {})).toEqual(['title']);
    const foreign = await failure(() => trpcFor(bob).tasks.get.query({ params: { id: created.data.id } }));
    expect(foreign).toMatchObject({ httpStatus: 404, envelope: { code: 'NOT_FOUND' } });
    const transition = await failure(() =>
      api.tasks.update.mutate({ params: { id: second.data.id }, body: { status: 'in_progress' } }),
    );
    expect(transition).toMatchObject({ httpStatus: 409, envelope: { code: 'INVALID_TRANSITION' } });
    const forbidden = await failure(() => api.tasks.list.query({ query: { scope: 'all' } }));
    expect(forbidden).toMatchObject({ httpStatus: 403, envelope: { code: 'FORBIDDEN' } });
    // If-Match travels as an HTTP header.
    const stale = await failure(() =>
      trpcFor(carol, { 'if-match': '"9"' }).tasks.update.mutate({
        params: { id: created.data.id },
        body: { title: 'Stale over tRPC' },
      }),
    );
    expect(stale).toMatchObject({ httpStatus: 412, envelope: { code: 'PRECONDITION_FAILED' } });
    expect((await current(created.data.id, carol)).title).toBe('Over tRPC');
  });

  it('SDK: createClient creates, lists, updates and deletes tasks', async () => {
    const carol = await newUser();
    const api = createClient({ baseUrl: srv.baseUrl, getAccessToken: () => carol.token });

    const created = await api.tasks.create({ body: { title: 'Through the SDK', dueDate: '2027-07-07' } });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body.data).toMatchObject({ title: 'Through the SDK', ownerId: carol.id, version: 1 });
    const id = created.body.data.id;

    const listed = await api.tasks.list({ query: {} });
    expect(listed.status).toBe(200);
    if (listed.status !== 200) return;
    expect(listed.body.data.items).toEqual([created.body.data]);
    expect(listed.body.data.page.total).toBe(1);

    const updated = await api.tasks.update({
      params: { id },
      body: { status: 'completed' },
      headers: { 'if-match': '"1"' },
    });
    expect(updated.status).toBe(200);
    if (updated.status !== 200) return;
    expect(updated.body.data).toMatchObject({ status: 'completed', version: 2 });
    const stale = await api.tasks.update({
      params: { id },
      body: { title: 'Late' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    if (stale.status === 412) expect(stale.body.code).toBe('PRECONDITION_FAILED');

    const removed = await api.tasks.remove({ params: { id }, headers: {} });
    expect(removed.status).toBe(204);
    expect((await api.tasks.get({ params: { id } })).status).toBe(404);
  });
});

describe('edge cases the database would refuse or race on', () => {
  it('a due date in the year 0000: 400 naming dueDate, not a server error', async () => {
    const task = await create(alice);
    expectInvalid(await post({ title: 'Year zero', dueDate: '0000-01-01' }, alice), ['dueDate']);
    expectInvalid(await patch(task.id, { dueDate: '0000-12-31' }, alice), ['dueDate']);
  });

  // PGlite runs requests one after another anyway: the race needs PostgreSQL.
  it.runIf(onPostgres)('concurrent writes without If-Match all apply, one after another', async () => {
    for (let round = 0; round < 3; round++) {
      const task = await create(alice);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => patch(task.id, { title: `Unconditional ${i}` }, alice)),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses, JSON.stringify(answers.map((r) => r.body))).toEqual(statuses.map(() => 200));
      expect((await current(task.id, alice)).version).toBe(11);
    }
  });
});
