import { randomBytes, randomUUID } from 'node:crypto';
import type { PageInfo, Task as TaskDto, TaskPriority, TaskStatus } from '@taskvault/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  signUpVerifiedUser,
  type Err,
  type JsonClient,
  type Ok,
  type Res,
} from '../../../test/api.ts';
import { testConfig, type TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { Task } from './task.entity.ts';

let sink: SmtpSink;
let srv: TestServer;
let api: JsonClient;

// Every request comes from 127.0.0.1: lift the per-address limits on logins and signups.
useServerWithMail(
  { PUBLIC_URL: 'http://taskvault.test', LOGIN_IP_MAX_ATTEMPTS: '100000' },
  (env) => ({ sink, srv, api } = env),
);

const TASKS = '/api/v1/tasks';
const ADMIN_ALL = `${TASKS}/admin/all`;
const STATUSES: TaskStatus[] = ['pending', 'in_progress', 'completed', 'cancelled'];
const PRIORITIES: TaskPriority[] = ['low', 'medium', 'high'];
const SORTS = ['createdAt', 'updatedAt', 'dueDate', 'priority', 'title'] as const;
const ORDERS = ['asc', 'desc'] as const;
type Sort = (typeof SORTS)[number];
type Order = (typeof ORDERS)[number];
const ORDERINGS = SORTS.flatMap((sort) => ORDERS.map((order) => ({ sort, order })));

type Page = { items: TaskDto[]; page: PageInfo };
type Session = Awaited<ReturnType<typeof signUpVerifiedUser>>;
/** Query values: a list becomes repeated keys (`?status=a&status=b`). */
type Query = Record<string, string | number | string[]>;

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const qs = (query: Query) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  return params.toString();
};

const list = (token: string, query: Query = {}, path = TASKS) =>
  api.get<Ok<Page>>(`${path}?${qs(query)}`, { token });

const ok = async (res: Promise<Res<Ok<Page>>>, label = '') => {
  const r = await res;
  expect(r.status, `${label} ${JSON.stringify(r.body)}`).toBe(200);
  expect(r.body.success).toBe(true);
  return r.body.data;
};
const idsOf = (tasks: Array<{ id: string }>) => tasks.map((t) => t.id);

/** The error envelope: success false, the code, a message. */
function expectError(res: Res<unknown>, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const body = res.body as Err;
  expect(body).toMatchObject({ success: false, code });
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

/** A 400 VALIDATION_FAILED whose `errors` name exactly these parameters (`status` or `status.0` alike). */
function expectInvalid(res: Res<unknown>, params: string[], label = '') {
  const body = expectError(res, 400, 'VALIDATION_FAILED');
  const named = [...new Set(Object.keys(body.errors ?? {}).map((k) => k.split('.')[0]!))].sort();
  expect(named, `${label} ${JSON.stringify(body)}`).toEqual([...params].sort());
  return body;
}

const create = async (
  token: string,
  body: {
    title: string;
    description?: string;
    status?: TaskStatus;
    priority?: TaskPriority;
    dueDate?: string | null;
  },
) => {
  const res = await api.post<Ok<TaskDto>>(TASKS, body, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
};

/** What ordering needs of a task; a seeded row and a listed task both have it. */
type Sortable = Pick<TaskDto, 'id' | 'title' | 'priority' | 'dueDate' | 'createdAt' | 'updatedAt'>;
const RANK: Record<TaskPriority, number> = { low: 1, medium: 2, high: 3 };
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The documented order: the field in the given direction, ties broken by id in the same direction; tasks
 * without a due date last whichever the direction; priority low < medium < high. Titles in the fixtures are
 * lower-case ASCII words, so code-point order is every collation's order. Timestamps are ISO strings of one
 * format, so comparing the strings compares the instants.
 */
function byOrdering(sort: Sort, order: Order) {
  const dir = order === 'asc' ? 1 : -1;
  const key = (t: Sortable): string | number =>
    sort === 'priority' ? RANK[t.priority] : sort === 'dueDate' ? (t.dueDate ?? '') : t[sort];
  return (a: Sortable, b: Sortable): number => {
    if (sort === 'dueDate' && (a.dueDate === null) !== (b.dueDate === null))
      return a.dueDate === null ? 1 : -1;
    return (cmp(key(a), key(b)) || cmp(a.id, b.id)) * dir;
  };
}
const sorted = <T extends Sortable>(tasks: T[], sort: Sort, order: Order) =>
  [...tasks].sort(byOrdering(sort, order));

/** The value a sort compares, nulls included, to tell ties apart. */
const sortValue = (t: Sortable, sort: Sort) => (sort === 'priority' ? t.priority : t[sort]);

/** Rows written straight through the ORM, with every timestamp chosen, so ties happen on purpose. */
type Seed = Sortable & { status: TaskStatus };

async function seed(ownerId: string, rows: Seed[]) {
  const em = srv.orm.em.fork();
  await em.insertMany(
    Task,
    rows.map((r) => ({
      id: r.id,
      owner: ownerId,
      title: r.title,
      description: '',
      status: r.status,
      priorityRank: RANK[r.priority],
      dueDate: r.dueDate,
      completedAt: r.status === 'completed' ? new Date(r.updatedAt) : null,
      createdAt: new Date(r.createdAt),
      updatedAt: new Date(r.updatedAt),
      version: 1,
    })),
  );
}

/** Follows `nextCursor` from the first page to the last, checking every page's bookkeeping. */
async function walk(
  token: string,
  query: Query,
  opts: {
    total?: (pageIndex: number) => number;
    between?: (pageIndex: number) => Promise<void>;
    path?: string;
  } = {},
) {
  const ids: string[] = [];
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    if (pages.length > 0) await opts.between?.(pages.length);
    const data: Page = await ok(
      list(token, { ...query, ...(cursor ? { cursor } : {}) }, opts.path),
      JSON.stringify(query),
    );
    if (opts.total) expect(data.page.total, `page ${pages.length}`).toBe(opts.total(pages.length));
    expect(data.page.limit).toBe(query.limit ?? 20);
    pages.push(data);
    ids.push(...idsOf(data.items));
    cursor = data.page.nextCursor;
    // A next cursor exactly when the page is full and more follow; never an empty page before the end.
    expect(data.items.length, `page ${pages.length - 1}`).toBeGreaterThan(0);
  } while (cursor && pages.length < 100);
  expect(cursor).toBeNull();
  return { ids, pages };
}

/** True when, cutting `order` into pages of `size`, some cut falls between two tasks with equal keys. */
const tieAcrossACut = (
  order: Sortable[],
  sort: Sort,
  size: number,
  pred: (t: Sortable) => boolean = () => true,
) =>
  order.some(
    (t, i) => i > 0 && i % size === 0 && pred(t) && sortValue(t, sort) === sortValue(order[i - 1]!, sort),
  );

describe('filters', () => {
  let alice: Session;
  let bob: Session;
  let mine: TaskDto[];
  let theirs: TaskDto[];
  let today: string;
  let yesterday: string;
  let tomorrow: string;

  // Texts for the search cases: case, description-only matches, and LIKE's wildcards written literally.
  const texts: Array<[string, string]> = [
    ['Buy Milk', ''],
    ['Write report', 'needs milk for the coffee'],
    ['100% done', 'progress'],
    ['100 percent', 'progress'],
    ['snake_case rename', ''],
    ['snakeXcase rename', ''],
    ['Fix path', 'C:\\temp\\x'],
    ['Plan trip', 'MiLk run on the way'],
  ];

  beforeAll(async () => {
    alice = await signUpVerifiedUser(srv, sink);
    bob = await signUpVerifiedUser(srv, sink);
    const now = Date.now();
    today = isoDay(now);
    yesterday = isoDay(now - DAY);
    tomorrow = isoDay(now + DAY);
    const dues = [null, isoDay(now - 10 * DAY), yesterday, today, tomorrow, isoDay(now + 30 * DAY)];
    // 24 tasks: every status with every priority twice, every due date (none included) with every status.
    mine = [];
    for (let i = 0; i < 24; i++) {
      const [title, description] = texts[i] ?? [`Chore number ${i}`, `routine ${i}`];
      mine.push(
        await create(alice.tokens.access, {
          title,
          description,
          status: STATUSES[i % 4]!,
          priority: PRIORITIES[i % 3]!,
          dueDate: dues[Math.floor(i / 4) % 6]!,
        }),
      );
    }
    // Bob's tasks would match the same filters, so any leak shows.
    theirs = [];
    for (let i = 0; i < 8; i++) {
      const [title, description] = texts[i]!;
      theirs.push(
        await create(bob.tokens.access, {
          title,
          description,
          status: STATUSES[(i + 1) % 4]!,
          priority: PRIORITIES[(i + 2) % 3]!,
          dueDate: dues[i % 6]!,
        }),
      );
    }
  });

  const open = (t: TaskDto) => t.status === 'pending' || t.status === 'in_progress';
  const overdue = (t: TaskDto) => open(t) && t.dueDate !== null && t.dueDate < today;
  const has = (term: string) => (t: TaskDto) =>
    t.title.toLowerCase().includes(term.toLowerCase()) ||
    t.description.toLowerCase().includes(term.toLowerCase());

  /** The list for the query equals the filter applied to the fixtures, in the default order (newest first). */
  async function expectFiltered(
    query: Query,
    want: (t: TaskDto) => boolean,
    opts: { session?: Session; fixtures?: TaskDto[]; empty?: boolean } = {},
  ) {
    const session = opts.session ?? alice;
    const expected = sorted((opts.fixtures ?? mine).filter(want), 'createdAt', 'desc');
    const label = JSON.stringify(query);
    if (!opts.empty) expect(expected.length, `${label} should match some fixtures`).toBeGreaterThan(0);
    const data = await ok(list(session.tokens.access, { limit: 100, ...query }), label);
    expect(idsOf(data.items), label).toEqual(idsOf(expected));
    expect(data.page, label).toEqual({ limit: 100, total: expected.length, nextCursor: null });
    expect(data.items.every((t) => t.ownerId === session.user.id)).toBe(true);
    return data;
  }

  it('without filters: all of one’s own tasks, newest first, and nobody else’s', async () => {
    await expectFiltered({}, () => true);
    await expectFiltered({}, () => true, { session: bob, fixtures: theirs });
    // Same for an explicit scope=mine.
    await expectFiltered({ scope: 'mine' }, () => true);
  });

  it('status: one, several by repeated keys, several by a comma list', async () => {
    for (const s of STATUSES) await expectFiltered({ status: s }, (t) => t.status === s);
    const two = (t: TaskDto) => t.status === 'pending' || t.status === 'completed';
    await expectFiltered({ status: ['pending', 'completed'] }, two);
    await expectFiltered({ status: 'pending,completed' }, two);
    await expectFiltered({ status: 'pending, completed' }, two);
    await expectFiltered({ status: ['pending', 'in_progress,cancelled'] }, (t) => t.status !== 'completed');
    await expectFiltered({ status: STATUSES.join(',') }, () => true);
    // The same status twice is the same filter.
    await expectFiltered({ status: ['cancelled', 'cancelled'] }, (t) => t.status === 'cancelled');
  });

  it('priority: one, several by repeated keys, several by a comma list', async () => {
    for (const p of PRIORITIES) await expectFiltered({ priority: p }, (t) => t.priority === p);
    const two = (t: TaskDto) => t.priority !== 'medium';
    await expectFiltered({ priority: ['low', 'high'] }, two);
    await expectFiltered({ priority: 'high,low' }, two);
    await expectFiltered({ priority: 'low,medium,high' }, () => true);
  });

  it('search: any case, in title or description, whitespace around it ignored', async () => {
    const milk = has('milk');
    expect(mine.filter(milk).map((t) => t.title)).toEqual(['Buy Milk', 'Write report', 'Plan trip']);
    for (const search of ['milk', 'MILK', 'mIlK', '  Milk  ']) await expectFiltered({ search }, milk);
    // Only in a description.
    await expectFiltered({ search: 'COFFEE' }, has('coffee'));
    // Only in a title, across words.
    await expectFiltered({ search: 'y mil' }, has('y mil'));
    await expectFiltered({ search: 'chore number 1' }, has('chore number 1'));
    await expectFiltered({ search: 'nothing like this' }, () => false, { empty: true });
  });

  it('search: % _ and \\ are literal characters, not wildcards', async () => {
    await expectFiltered({ search: '%' }, (t) => t.title === '100% done');
    // As a wildcard, 100% would match "100 percent" too.
    await expectFiltered({ search: '100%' }, (t) => t.title === '100% done');
    await expectFiltered({ search: '0% d' }, (t) => t.title === '100% done');
    await expectFiltered({ search: '_' }, (t) => t.title === 'snake_case rename');
    // As a wildcard, e_c would match "snakeXcase" too.
    await expectFiltered({ search: 'e_c' }, (t) => t.title === 'snake_case rename');
    await expectFiltered({ search: 'SNAKE_CASE' }, (t) => t.title === 'snake_case rename');
    await expectFiltered({ search: '\\temp\\' }, (t) => t.title === 'Fix path');
    await expectFiltered({ search: '\\' }, (t) => t.title === 'Fix path');
    for (const search of ['%milk', 'milk%', 'b_y', 'snake\\_case', '10_%', '\\%'])
      await expectFiltered({ search }, () => false, { empty: true });
  });

  it('dueBefore and dueAfter: inclusive; tasks without a due date match neither', async () => {
    await expectFiltered({ dueBefore: today }, (t) => t.dueDate !== null && t.dueDate <= today);
    await expectFiltered({ dueAfter: today }, (t) => t.dueDate !== null && t.dueDate >= today);
    await expectFiltered({ dueBefore: yesterday }, (t) => t.dueDate !== null && t.dueDate <= yesterday);
    await expectFiltered({ dueAfter: tomorrow }, (t) => t.dueDate !== null && t.dueDate >= tomorrow);
    // Both: a window, its ends included; one day wide is the tasks due that day.
    await expectFiltered(
      { dueAfter: yesterday, dueBefore: tomorrow },
      (t) => t.dueDate !== null && t.dueDate >= yesterday && t.dueDate <= tomorrow,
    );
    await expectFiltered({ dueAfter: today, dueBefore: today }, (t) => t.dueDate === today);
    await expectFiltered({ dueAfter: tomorrow, dueBefore: yesterday }, () => false, { empty: true });
    await expectFiltered({ dueBefore: '1999-01-01' }, () => false, { empty: true });
    await expectFiltered({ dueAfter: '1999-01-01' }, (t) => t.dueDate !== null);
  });

  it('overdue=true: open (pending or in progress) and due before today, UTC', async () => {
    const data = await expectFiltered({ overdue: 'true' }, overdue);
    // Due today is not overdue; completed and cancelled never are.
    expect(data.items.every((t) => t.dueDate! < today && open(t))).toBe(true);
    expect(mine.filter((t) => t.dueDate !== null && t.dueDate < today && !open(t)).length).toBeGreaterThan(0);
    expect(mine.filter((t) => t.dueDate === today && open(t)).length).toBeGreaterThan(0);
  });

  it('overdue=false excludes the overdue tasks', async () => {
    const data = await ok(list(alice.tokens.access, { overdue: 'false', limit: 100 }));
    const overdueIds = new Set(idsOf(mine.filter(overdue)));
    expect(data.items.some((t) => overdueIds.has(t.id))).toBe(false);
    expect(data.items.every((t) => !overdue(t))).toBe(true);
  });

  it('overdue=false: every task that is not overdue, open tasks without a due date included', async () => {
    expect(mine.filter((t) => open(t) && t.dueDate === null).length).toBeGreaterThan(0);
    await expectFiltered({ overdue: 'false' }, (t) => !overdue(t));
  });

  it('filters combine: every condition holds', async () => {
    const cases: Array<[Query, (t: TaskDto) => boolean]> = [
      [{ status: 'pending', priority: 'high' }, (t) => t.status === 'pending' && t.priority === 'high'],
      [
        { status: ['pending', 'in_progress'], priority: 'low,medium' },
        (t) => open(t) && t.priority !== 'high',
      ],
      [{ status: 'completed,cancelled', search: 'chore' }, (t) => !open(t) && has('chore')(t)],
      [{ search: 'milk', priority: ['medium', 'high'] }, (t) => has('milk')(t) && t.priority !== 'low'],
      [
        { priority: 'high', dueBefore: today },
        (t) => t.priority === 'high' && t.dueDate !== null && t.dueDate <= today,
      ],
      [
        { status: 'in_progress', dueAfter: yesterday, dueBefore: tomorrow },
        (t) =>
          t.status === 'in_progress' && t.dueDate !== null && t.dueDate >= yesterday && t.dueDate <= tomorrow,
      ],
      [{ overdue: 'true', priority: 'medium' }, (t) => overdue(t) && t.priority === 'medium'],
      [{ overdue: 'true', status: 'pending' }, (t) => overdue(t) && t.status === 'pending'],
      [{ overdue: 'true', dueAfter: yesterday }, (t) => overdue(t) && t.dueDate! >= yesterday],
      [{ overdue: 'true', search: 'routine' }, (t) => overdue(t) && has('routine')(t)],
      [
        {
          status: 'pending,in_progress,completed',
          priority: ['low', 'high'],
          search: 'NUMBER',
          dueAfter: '2000-01-01',
          dueBefore: tomorrow,
        },
        (t) =>
          t.status !== 'cancelled' &&
          t.priority !== 'medium' &&
          has('number')(t) &&
          t.dueDate !== null &&
          t.dueDate <= tomorrow,
      ],
    ];
    for (const [query, want] of cases) await expectFiltered(query, want);
    // Conditions that cannot hold together.
    await expectFiltered({ overdue: 'true', status: 'completed' }, () => false, { empty: true });
    await expectFiltered({ overdue: 'true', dueAfter: today }, () => false, { empty: true });
    await expectFiltered(
      { search: '%', status: 'cancelled,in_progress' },
      (t) => t.title.includes('%') && ['cancelled', 'in_progress'].includes(t.status),
      { empty: true },
    );
  });

  it('a user only ever sees their own tasks, whatever the filter', async () => {
    const queries: Query[] = [
      {},
      { search: 'milk' },
      { search: '%' },
      { status: STATUSES },
      { priority: 'low,medium,high' },
      { overdue: 'true' },
      { dueAfter: '1999-01-01' },
      ...ORDERINGS.map(({ sort, order }) => ({ sort, order })),
      // Parameters the route does not know are ignored: no way to name someone else.
      { ownerId: alice.user.id, owner: alice.user.id, userId: alice.user.id },
    ];
    const mineIds = new Set(idsOf(mine));
    const theirIds = new Set(idsOf(theirs));
    for (const query of queries) {
      const label = JSON.stringify(query);
      const asBob = await ok(list(bob.tokens.access, { limit: 100, ...query }), label);
      expect(
        asBob.items.every((t) => t.ownerId === bob.user.id && theirIds.has(t.id)),
        label,
      ).toBe(true);
      expect(asBob.items.length, label).toBeGreaterThan(0);
      const asAlice = await ok(list(alice.tokens.access, { limit: 100, ...query }), label);
      expect(
        asAlice.items.every((t) => t.ownerId === alice.user.id && mineIds.has(t.id)),
        label,
      ).toBe(true);
    }
    // A plain user asking for everyone's: refused, both ways.
    expectError(await list(bob.tokens.access, { scope: 'all' }), 403, 'FORBIDDEN');
    expectError(await list(bob.tokens.access, {}, ADMIN_ALL), 403, 'FORBIDDEN');
    expectError(await api.get(TASKS), 401, 'UNAUTHENTICATED');
  });
});

describe('admin: everyone’s tasks', () => {
  it('GET /tasks/admin/all and ?scope=all list every owner’s tasks, filtered and ordered the same way', async () => {
    const admin = await adminSession(srv);
    const term = `adm${randomBytes(3).toString('hex')}`;
    const one = await signUpVerifiedUser(srv, sink);
    const two = await signUpVerifiedUser(srv, sink);
    const all: TaskDto[] = [];
    for (const [i, owner] of [one, two, one, two, two].entries())
      all.push(
        await create(owner.tokens.access, {
          title: `${term} ${['delta', 'alpha', 'charlie', 'alpha', 'bravo'][i]}`,
          priority: PRIORITIES[i % 3]!,
          status: i === 4 ? 'completed' : 'pending',
        }),
      );
    const expected = sorted(all, 'title', 'asc');
    for (const [path, extra] of [
      [ADMIN_ALL, {}],
      [TASKS, { scope: 'all' }],
    ] as const) {
      const data = await ok(
        list(admin.tokens.access, { search: term, sort: 'title', order: 'asc', ...extra }, path),
      );
      expect(idsOf(data.items), path).toEqual(idsOf(expected));
      expect(new Set(data.items.map((t) => t.ownerId))).toEqual(new Set([one.user.id, two.user.id]));
      expect(data.page.total).toBe(5);

      const filtered = await ok(
        list(admin.tokens.access, { search: term, status: 'pending', priority: 'low,high', ...extra }, path),
      );
      expect(idsOf(filtered.items)).toEqual(
        idsOf(
          sorted(
            all.filter((t) => t.status === 'pending' && t.priority !== 'medium'),
            'createdAt',
            'desc',
          ),
        ),
      );

      // Pages by cursor across owners.
      const walked = await walk(
        admin.tokens.access,
        { search: term, sort: 'priority', order: 'desc', limit: 2, ...extra },
        { total: () => 5, path },
      );
      expect(walked.ids).toEqual(idsOf(sorted(all, 'priority', 'desc')));
    }
    // The admin's own list is still just the admin's own.
    expect((await ok(list(admin.tokens.access, { search: term }))).page.total).toBe(0);
    // The admin route has no scope parameter: an unknown one, ignored.
    expect((await ok(list(admin.tokens.access, { search: term, scope: 'mine' }, ADMIN_ALL))).page.total).toBe(
      5,
    );
  });
});

describe('ordering', () => {
  let carol: Session;
  let rows: Seed[];
  const TITLES = ['alpha', 'alphabet', 'bravo', 'charlie', 'delta'];
  const base = Date.parse('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    carol = await signUpVerifiedUser(srv, sink);
    // 36 tasks; each field drawn from a small pool with a stride co-prime to it, so every field has ties and
    // the ties fall differently for each field.
    rows = Array.from({ length: 36 }, (_, i): Seed => {
      const due = (i * 5) % 8;
      return {
        id: randomUUID(),
        title: TITLES[(i * 3) % 5]!,
        status: STATUSES[i % 4]!,
        priority: PRIORITIES[(i * 2) % 3]!,
        dueDate: due < 2 ? null : `2026-04-1${due}`,
        createdAt: new Date(base + ((i * 5) % 9) * 60_000).toISOString(),
        updatedAt: new Date(base + DAY + ((i * 3) % 7) * 1_000).toISOString(),
      };
    });
    await seed(carol.user.id, rows);
  });

  it('the fixtures have ties on every sort field, and tasks without a due date', () => {
    for (const sort of SORTS) {
      const values = rows.map((r) => sortValue(r, sort));
      expect(new Set(values).size, sort).toBeLessThan(values.length / 3);
    }
    expect(rows.filter((r) => r.dueDate === null).length).toBeGreaterThan(3);
  });

  it('the default is createdAt desc', async () => {
    const data = await ok(list(carol.tokens.access, { limit: 100 }));
    expect(idsOf(data.items)).toEqual(idsOf(sorted(rows, 'createdAt', 'desc')));
  });

  for (const { sort, order } of ORDERINGS)
    it(`sort=${sort}&order=${order}: exactly the expected order, ties broken by id ${order}`, async () => {
      const expected = sorted(rows, sort, order);
      const data = await ok(list(carol.tokens.access, { sort, order, limit: 100 }));
      expect(idsOf(data.items)).toEqual(idsOf(expected));
      expect(data.page).toEqual({ limit: 100, total: 36, nextCursor: null });
      // The fields as stored come back as written.
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const t of data.items) {
        const r = byId.get(t.id)!;
        expect({ ...t }).toMatchObject({
          title: r.title,
          priority: r.priority,
          dueDate: r.dueDate,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
        });
      }
      if (sort === 'dueDate') {
        // Tasks without a due date come last, in both directions.
        const nulls = data.items.findIndex((t) => t.dueDate === null);
        expect(nulls).toBeGreaterThan(0);
        expect(data.items.slice(nulls).every((t) => t.dueDate === null)).toBe(true);
      }
      // Cursor pages of 5 (ties cross the cuts) and offset pages of 7 give the same order.
      const walked = await walk(carol.tokens.access, { sort, order, limit: 5 }, { total: () => 36 });
      expect(walked.ids).toEqual(idsOf(expected));
      expect(walked.pages.map((p) => p.items.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 1]);
      expect(tieAcrossACut(expected, sort, 5)).toBe(true);
    });

  it('sort and filters together', async () => {
    const expected = sorted(
      rows.filter((r) => r.priority !== 'low' && r.dueDate !== null),
      'dueDate',
      'desc',
    );
    const data = await ok(
      list(carol.tokens.access, {
        sort: 'dueDate',
        order: 'desc',
        priority: 'medium,high',
        dueAfter: '2000-01-01',
      }),
    );
    expect(idsOf(data.items)).toEqual(idsOf(expected));
    const walked = await walk(
      carol.tokens.access,
      { sort: 'title', order: 'asc', status: 'pending,completed', limit: 4 },
      { total: () => 18 },
    );
    expect(walked.ids).toEqual(
      idsOf(
        sorted(
          rows.filter((r) => r.status === 'pending' || r.status === 'completed'),
          'title',
          'asc',
        ),
      ),
    );
  });
});

describe('offset pagination', () => {
  let frank: Session;
  let rows: Seed[];

  beforeAll(async () => {
    frank = await signUpVerifiedUser(srv, sink);
    const base = Date.parse('2026-02-01T08:00:00.000Z');
    rows = Array.from({ length: 33 }, (_, i): Seed => ({
      id: randomUUID(),
      title: ['kilo', 'lima', 'mike'][(i * 2) % 3]!,
      status: STATUSES[(i * 3) % 4]!,
      priority: PRIORITIES[i % 3]!,
      dueDate: i % 4 === 0 ? null : `2026-06-0${1 + (i % 5)}`,
      createdAt: new Date(base + (i % 11) * 1000).toISOString(),
      updatedAt: new Date(base + (i % 6) * 1000).toISOString(),
    }));
    await seed(frank.user.id, rows);
  });

  it('offset+limit pages are slices of the full order, for every ordering', async () => {
    for (const { sort, order } of ORDERINGS) {
      const full = idsOf(sorted(rows, sort, order));
      for (const [offset, limit] of [
        [0, 7],
        [7, 7],
        [14, 7],
        [28, 7],
        [5, 10],
        [32, 3],
      ] as const) {
        const data = await ok(list(frank.tokens.access, { sort, order, offset, limit }));
        const label = `${sort} ${order} offset=${offset} limit=${limit}`;
        expect(idsOf(data.items), label).toEqual(full.slice(offset, offset + limit));
        expect(data.page.total, label).toBe(33);
        expect(data.page.nextCursor === null, label).toBe(offset + limit >= 33);
      }
      // Past the end: an empty page, the total still counted.
      const beyond = await ok(list(frank.tokens.access, { sort, order, offset: 33 }));
      expect(beyond).toEqual({ items: [], page: { limit: 20, total: 33, nextCursor: null } });
    }
  });

  it('the cursor of an offset page continues right after it; with a cursor, offset is ignored', async () => {
    const full = idsOf(sorted(rows, 'dueDate', 'asc'));
    const page = await ok(list(frank.tokens.access, { sort: 'dueDate', order: 'asc', offset: 10, limit: 6 }));
    expect(idsOf(page.items)).toEqual(full.slice(10, 16));
    const next = await ok(
      list(frank.tokens.access, {
        sort: 'dueDate',
        order: 'asc',
        limit: 6,
        cursor: page.page.nextCursor!,
        offset: 3,
      }),
    );
    expect(idsOf(next.items)).toEqual(full.slice(16, 22));
  });
});

describe('cursor pagination over 250 tasks', () => {
  let dave: Session;
  let rows: Seed[];

  beforeAll(async () => {
    dave = await signUpVerifiedUser(srv, sink);
    const base = Date.parse('2026-01-10T09:30:00.000Z');
    // 37 distinct creation instants (uneven groups, so ties straddle page cuts), 30% without a due date.
    rows = Array.from({ length: 250 }, (_, i): Seed => ({
      id: randomUUID(),
      title: `task ${String((i * 13) % 40).padStart(2, '0')}`,
      status: STATUSES[i % 4]!,
      priority: PRIORITIES[(i * 7) % 3]!,
      dueDate: (i * 7) % 10 < 3 ? null : isoDay(Date.parse('2026-05-01') + ((i * 11) % 20) * DAY),
      createdAt: new Date(base + ((i * 17) % 37) * 1000).toISOString(),
      updatedAt: new Date(base + i * 1000).toISOString(),
    }));
    await seed(dave.user.id, rows);
  });

  const walks: Array<{ sort: Sort; order: Order; query: Query }> = [
    { sort: 'createdAt', order: 'desc', query: {} },
    { sort: 'dueDate', order: 'asc', query: { sort: 'dueDate', order: 'asc' } },
    { sort: 'priority', order: 'desc', query: { sort: 'priority', order: 'desc' } },
    { sort: 'dueDate', order: 'desc', query: { sort: 'dueDate', order: 'desc' } },
    // No order given: desc.
    { sort: 'title', order: 'desc', query: { sort: 'title' } },
  ];
  for (const { sort, order, query } of walks)
    it(`sort=${sort}&order=${order}, limit=20: every task once, in order, total 250 on every page`, async () => {
      const expected = sorted(rows, sort, order);
      // The fixture does what the test needs: equal keys on both sides of some cut.
      expect(tieAcrossACut(expected, sort, 20)).toBe(true);
      if (sort === 'dueDate') expect(tieAcrossACut(expected, sort, 20, (t) => t.dueDate === null)).toBe(true);

      const { ids, pages } = await walk(dave.tokens.access, { ...query, limit: 20 }, { total: () => 250 });
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(250);
      expect(ids).toEqual(idsOf(expected));
      expect(pages.map((p) => p.items.length)).toEqual([...Array<number>(12).fill(20), 10]);
      expect(pages.slice(0, -1).every((p) => typeof p.page.nextCursor === 'string')).toBe(true);
      expect(pages.at(-1)!.page.nextCursor).toBeNull();
    });

  it('a full last page has no next cursor', async () => {
    const { pages } = await walk(dave.tokens.access, { limit: 50 }, { total: () => 250 });
    expect(pages.map((p) => p.items.length)).toEqual([50, 50, 50, 50, 50]);
  });
});

describe('cursor pagination while tasks are being created', () => {
  let erin: Session;
  let rows: Seed[];

  beforeAll(async () => {
    erin = await signUpVerifiedUser(srv, sink);
    // Created in the past, so every task made during the test is newer.
    const base = Date.now() - 30 * DAY;
    rows = Array.from({ length: 250 }, (_, i): Seed => ({
      id: randomUUID(),
      title: `seeded ${i}`,
      status: 'pending',
      priority: 'medium',
      dueDate: null,
      createdAt: new Date(base + ((i * 29) % 83) * 1000).toISOString(),
      updatedAt: new Date(base).toISOString(),
    }));
    await seed(erin.user.id, rows);
  });

  it('createdAt desc: new tasks neither appear in later pages nor displace any', async () => {
    const expected = idsOf(sorted(rows, 'createdAt', 'desc'));
    const created: TaskDto[] = [];
    const { ids, pages } = await walk(
      erin.tokens.access,
      { limit: 20 },
      {
        between: async () => {
          for (let k = 0; k < 2; k++)
            created.push(await create(erin.tokens.access, { title: `new during walk` }));
        },
        total: (n) => 250 + 2 * n,
      },
    );
    expect(created).toHaveLength(24);
    expect(ids).toEqual(expected);
    expect(pages).toHaveLength(13);
    const newIds = new Set(idsOf(created));
    expect(ids.some((id) => newIds.has(id))).toBe(false);

    // A fresh walk starts with them, newest first.
    const first = await ok(list(erin.tokens.access, { limit: 30 }));
    expect(idsOf(first.items)).toEqual([
      ...idsOf(sorted(created, 'createdAt', 'desc')),
      ...expected.slice(0, 6),
    ]);
    expect(first.page.total).toBe(274);
  });

  it('createdAt asc: tasks created meanwhile are reached at the end, once each', async () => {
    const before = sorted((await ok(list(erin.tokens.access, { limit: 100 }))).items, 'createdAt', 'asc');
    const existing = (await ok(list(erin.tokens.access, { limit: 1 }))).page.total;
    const created: TaskDto[] = [];
    const { ids } = await walk(
      erin.tokens.access,
      { sort: 'createdAt', order: 'asc', limit: 25 },
      {
        between: async (n) => {
          if (n <= 4) created.push(await create(erin.tokens.access, { title: `new during asc walk ${n}` }));
        },
      },
    );
    expect(ids).toHaveLength(existing + 4);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(-4)).toEqual(idsOf(sorted(created, 'createdAt', 'asc')));
    expect(ids.slice(0, existing).slice(-before.length)).toEqual(idsOf(before));
  });
});

describe('bad input', () => {
  let gina: Session;
  const forge = (c: unknown) => Buffer.from(JSON.stringify(c)).toString('base64url');

  beforeAll(async () => {
    gina = await signUpVerifiedUser(srv, sink);
    for (let i = 0; i < 5; i++)
      await create(gina.tokens.access, { title: `gina task ${i}`, dueDate: i % 2 ? '2026-07-01' : null });
  });

  it('400 naming the parameter', async () => {
    const cases: Array<[Query, string[]]> = [
      [{ status: 'unknown' }, ['status']],
      [{ status: 'pending,unknown' }, ['status']],
      [{ status: ['pending', 'done'] }, ['status']],
      [{ status: ',' }, ['status']],
      [{ status: Array<string>(11).fill('pending').join(',') }, ['status']],
      [{ priority: 'urgent' }, ['priority']],
      [{ priority: 'low,urgent' }, ['priority']],
      [{ priority: 'HIGH' }, ['priority']],
      [{ dueBefore: '2026-13-01' }, ['dueBefore']],
      [{ dueBefore: '2026-02-30' }, ['dueBefore']],
      [{ dueAfter: 'tomorrow' }, ['dueAfter']],
      [{ dueAfter: '2026-01-01T00:00:00Z' }, ['dueAfter']],
      [{ overdue: 'maybe' }, ['overdue']],
      [{ overdue: '1' }, ['overdue']],
      [{ sort: 'owner' }, ['sort']],
      [{ sort: 'priorityRank' }, ['sort']],
      [{ order: 'up' }, ['order']],
      [{ order: 'DESC' }, ['order']],
      [{ limit: 0 }, ['limit']],
      [{ limit: 1000 }, ['limit']],
      [{ limit: 101 }, ['limit']],
      [{ limit: 'ten' }, ['limit']],
      [{ limit: 2.5 }, ['limit']],
      [{ offset: -1 }, ['offset']],
      [{ offset: 'x' }, ['offset']],
      [{ search: 'x'.repeat(201) }, ['search']],
      [{ search: '   ' }, ['search']],
      [{ scope: 'everything' }, ['scope']],
      [{ cursor: 'garbage' }, ['cursor']],
      [{ cursor: 'x'.repeat(513) }, ['cursor']],
      [{ cursor: forge([1, 2]) }, ['cursor']],
      [
        { status: 'unknown', priority: 'urgent', sort: 'owner', limit: 0 },
        ['status', 'priority', 'sort', 'limit'],
      ],
    ];
    for (const [query, params] of cases)
      expectInvalid(await list(gina.tokens.access, query), params, JSON.stringify(query));
    // The admin route validates the same way.
    const admin = await adminSession(srv);
    expectInvalid(await list(admin.tokens.access, { sort: 'owner', status: 'x' }, ADMIN_ALL), [
      'sort',
      'status',
    ]);
  });

  it('a cursor from one ordering reused with another: 400 naming cursor', async () => {
    for (const { sort, order } of ORDERINGS) {
      const page = await ok(list(gina.tokens.access, { sort, order, limit: 2 }));
      const cursor = page.page.nextCursor!;
      expect(typeof cursor).toBe('string');
      // It works where it came from...
      expect((await list(gina.tokens.access, { sort, order, limit: 2, cursor })).status).toBe(200);
      // ...and nowhere else.
      for (const other of ORDERINGS.filter((o) => o.sort !== sort || o.order !== order))
        expectInvalid(
          await list(gina.tokens.access, { ...other, limit: 2, cursor }),
          ['cursor'],
          `${sort}:${order} → ${other.sort}:${other.order}`,
        );
    }
    // The default ordering is createdAt desc, spelled out or not.
    const implicit = (await ok(list(gina.tokens.access, { limit: 2 }))).page.nextCursor!;
    expect(
      (await list(gina.tokens.access, { sort: 'createdAt', order: 'desc', limit: 2, cursor: implicit }))
        .status,
    ).toBe(200);
    expectInvalid(await list(gina.tokens.access, { order: 'asc', cursor: implicit }), ['cursor']);
  });

  it('forged cursors: 400 naming cursor', async () => {
    const id = randomUUID();
    const cursors: Array<[Query, unknown]> = [
      [{}, { k: new Date().toISOString(), id }],
      [{}, { s: 'createdAt:desc', k: new Date().toISOString(), id: 'not-a-uuid' }],
      [{}, { s: 'createdAt:desc', k: 'yesterday', id }],
      [{}, { s: 'createdAt:desc', k: 42, id }],
      [{}, { s: 'createdAt:desc', k: new Date(-8.64e15).toISOString(), id }],
      [{}, { s: 'createdAt:desc', id }],
      [
        { sort: 'priority', order: 'asc' },
        { s: 'priority:asc', k: 7, id },
      ],
      [
        { sort: 'priority', order: 'asc' },
        { s: 'priority:asc', k: 'high', id },
      ],
      [
        { sort: 'title', order: 'asc' },
        { s: 'title:asc', k: 'x'.repeat(201), id },
      ],
      [
        { sort: 'title', order: 'asc' },
        { s: 'title:asc', k: 3, id },
      ],
      [
        { sort: 'dueDate', order: 'asc' },
        { s: 'dueDate:asc', k: 'soon', id },
      ],
      [
        { sort: 'dueDate', order: 'asc' },
        { s: 'dueDate:asc', k: 20260101, id },
      ],
      [
        { sort: 'updatedAt', order: 'desc' },
        { s: 'updatedAt:desc', k: {}, id },
      ],
    ];
    for (const [query, cursor] of cursors)
      expectInvalid(
        await list(gina.tokens.access, { ...query, cursor: forge(cursor) }),
        ['cursor'],
        JSON.stringify(cursor),
      );
    // The server is still fine.
    expect((await ok(list(gina.tokens.access))).page.total).toBe(5);
  });

  it('a cursor whose due date is no calendar day: 400 naming cursor', async () => {
    const cursor = forge({ s: 'dueDate:asc', k: '2026-02-30', id: randomUUID() });
    expectInvalid(await list(gina.tokens.access, { sort: 'dueDate', order: 'asc', cursor }), ['cursor']);
  });

  it('a cursor whose title holds a NUL character: 400 naming cursor', async () => {
    const cursor = forge({ s: 'title:asc', k: 'a\u0000b', id: randomUUID() });
    expectInvalid(await list(gina.tokens.access, { sort: 'title', order: 'asc', cursor }), ['cursor']);
  });

  it('unknown parameters are ignored', async () => {
    const plain = await ok(list(gina.tokens.access, { limit: 3 }));
    const noisy = await ok(
      list(gina.tokens.access, {
        limit: 3,
        page: 2,
        filter: 'x',
        sortBy: 'title',
        ownerId: randomUUID(),
        q: 'z',
      }),
    );
    expect(idsOf(noisy.items)).toEqual(idsOf(plain.items));
    expect(noisy.page.total).toBe(5);
  });
});

/** A plan node of EXPLAIN (FORMAT JSON), children included. */
type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
};
const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];
const INDEX_SCANS = ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'];

describe('indexes (PostgreSQL)', () => {
  const pg = !!testConfig().testDatabaseUrl;
  let owner: Session;

  beforeAll(async () => {
    if (!pg) return;
    owner = await signUpVerifiedUser(srv, sink);
    const tag = randomBytes(4).toString('hex');
    const conn = srv.orm.em.fork().getConnection();
    // 49 more owners, then 200 tasks for each of the 50: 10,000 rows, varied in every sorted column.
    await conn.execute(
      `insert into users (id, email, username, username_key, password_hash, created_at, updated_at)
       select gen_random_uuid(), 'bulk' || g || '-${tag}@example.com', 'bulk${tag}' || g, 'bulk${tag}' || g,
              'not-a-hash', now(), now()
       from generate_series(1, 49) g`,
    );
    await conn.execute(
      `insert into tasks (id, owner_id, title, description, status, priority_rank, due_date, completed_at,
                          created_at, updated_at, version)
       select gen_random_uuid(), u.id, 'bulk task ' || g, 'row ' || g,
              (array['pending', 'in_progress', 'completed', 'cancelled'])[1 + g % 4],
              1 + g % 3,
              case when g % 5 = 0 then null else date '2026-01-01' + (g * 7) % 365 end,
              null,
              timestamptz '2025-01-01' + (g * 37 % 200) * interval '1 minute',
              timestamptz '2025-06-01' + (g * 53 % 200) * interval '1 second',
              1
       from users u cross join generate_series(1, 200) g
       where u.email like 'bulk%-${tag}@example.com' or u.id = '${owner.user.id}'`,
    );
    await conn.execute('analyze tasks');
  });

  /** Every SQL statement on tasks the server sends while `fn` runs, as the ORM hands it to the driver. */
  async function capturing(fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const platform = srv.orm.em.getPlatform();
    const previous = srv.orm.config.get('onQuery');
    srv.orm.config.set('onQuery', (sql: string, params: readonly unknown[]) => {
      seen.push(platform.formatQuery(sql, params as unknown[]));
      return previous(sql, params);
    });
    try {
      await fn();
    } finally {
      srv.orm.config.set('onQuery', previous);
    }
    return seen.filter((s) => /\bfrom "tasks"/i.test(s));
  }
  const isPageSelect = (sql: string) => / limit 21\b/i.test(sql) && !/count\(/i.test(sql);

  /** The page query and the count query of one GET /tasks (limit 20) by the seeded owner. */
  async function listSql(query: Query): Promise<{ select: string; count: string }> {
    const seen = await capturing(async () => {
      const data = await ok(list(owner.tokens.access, { ...query, limit: 20 }));
      expect(data.page.total).toBe(200);
    });
    const select = seen.filter(isPageSelect);
    const count = seen.filter((s) => /count\(/i.test(s));
    expect(select, JSON.stringify(seen)).toHaveLength(1);
    expect(count, JSON.stringify(seen)).toHaveLength(1);
    return { select: select[0]!, count: count[0]! };
  }

  async function plan(sql: string): Promise<PlanNode[]> {
    const rows = await srv.orm.em
      .fork()
      .getConnection()
      .execute<Array<Record<string, unknown>>>(`explain (format json) ${sql}`);
    const raw = rows[0]!['QUERY PLAN'];
    const doc = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
    return flatten(doc[0]!.Plan);
  }

  const onTasks = (nodes: PlanNode[]) =>
    nodes.filter((n) => n['Relation Name'] === 'tasks' || n['Index Name']?.startsWith('tasks_'));

  it.runIf(pg)('seeded: 10,000+ tasks across 50 owners, 200 of them the signed-in owner’s', async () => {
    const conn = srv.orm.em.fork().getConnection();
    const [row] = await conn.execute<Array<{ n: number; owners: number }>>(
      'select count(*)::int as n, count(distinct owner_id)::int as owners from tasks',
    );
    expect(row!.n).toBeGreaterThanOrEqual(10_000);
    expect(row!.owners).toBeGreaterThanOrEqual(50);
  });

  for (const { sort, order } of ORDERINGS)
    it.runIf(pg)(
      `sort=${sort}&order=${order} limit 20: one owner's page is read through a tasks index, no sequential scan`,
      async () => {
        const { select, count } = await listSql({ sort, order });
        expect(select).toMatch(/order by/i);
        const nodes = await plan(select);
        const label = `${select}\n${JSON.stringify(nodes.map((n) => [n['Node Type'], n['Index Name']]))}`;
        const tasksNodes = onTasks(nodes);
        expect(tasksNodes.length, label).toBeGreaterThan(0);
        expect(
          tasksNodes.filter((n) => n['Node Type'] === 'Seq Scan'),
          label,
        ).toEqual([]);
        expect(
          tasksNodes.some(
            (n) => INDEX_SCANS.includes(n['Node Type']) && n['Index Name']?.startsWith('tasks_'),
          ),
          label,
        ).toBe(true);
        if (!(sort === 'dueDate' && order === 'desc')) {
          // The index (owner_id, column, id) gives the order, walked forwards or backwards, so the scan stops
          // after 21 rows instead of sorting all 200. (Not for dueDate desc: it wants NULLS LAST, which a
          // backward walk of the ascending index does not give.)
          const column = {
            createdAt: 'created_at',
            updatedAt: 'updated_at',
            dueDate: 'due_date',
            priority: 'priority_rank',
            title: 'title',
          }[sort];
          expect(
            nodes.some((n) => n['Node Type'] === 'Sort'),
            label,
          ).toBe(false);
          expect(
            tasksNodes.some((n) => n['Index Name'] === `tasks_owner_id_${column}_id_index`),
            label,
          ).toBe(true);
        }
        // The total is counted through an index too.
        const countNodes = onTasks(await plan(count));
        expect(countNodes.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
        expect(countNodes.some((n) => INDEX_SCANS.includes(n['Node Type']))).toBe(true);
      },
    );

  it.runIf(pg)('a later page (by cursor) and a filtered page are index scans too', async () => {
    const first = await ok(list(owner.tokens.access, { limit: 20 }));
    const seen = await capturing(async () => {
      await ok(list(owner.tokens.access, { limit: 20, cursor: first.page.nextCursor! }));
      await ok(list(owner.tokens.access, { limit: 20, status: 'pending', sort: 'priority' }));
    });
    const selects = seen.filter(isPageSelect);
    expect(selects).toHaveLength(2);
    for (const sql of selects) {
      const nodes = onTasks(await plan(sql));
      expect(
        nodes.some((n) => n['Node Type'] === 'Seq Scan'),
        sql,
      ).toBe(false);
      expect(
        nodes.some((n) => INDEX_SCANS.includes(n['Node Type'])),
        sql,
      ).toBe(true);
    }
  });
});
