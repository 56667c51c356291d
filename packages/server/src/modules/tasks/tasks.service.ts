import { LockMode, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import {
  canTransition,
  TASK_STATUSES,
  TASK_TRANSITIONS,
  type AdminListTasksQuery,
  type CreateTaskBody,
  type PageInfo,
  type ReplaceTaskBody,
  type Task as TaskDto,
  type TaskStats,
  type TaskStatus,
  type UpdateTaskBody,
} from '@taskvault/contract';
import type { EntityManager } from '../../platform/db/orm.ts';
import {
  cursorTimestamp,
  decodeCursor,
  encodeCursor,
  keysetAfter,
  pageInfo,
  type Cursor,
} from '../../platform/db/pagination.ts';
import { escapeLike } from '../../platform/db/sql.ts';
import type { Principal } from '../../core/principal.ts';
import { AppError, validationError } from '../../core/errors.ts';
import { User } from '../accounts/user.entity.ts';
import { etagOf, priorityRank, toTaskDto } from './task-dto.ts';
import { Task } from './task.entity.ts';

export type TaskFilters = Omit<AdminListTasksQuery, 'limit' | 'cursor' | 'offset'>;
type SortColumn = 'createdAt' | 'updatedAt' | 'dueDate' | 'priorityRank' | 'title';

const OPEN: TaskStatus[] = ['pending', 'in_progress'];
const DAY = 86_400_000;
const notFound = () => new AppError('NOT_FOUND', 'No such task');
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const badCursor = () => validationError({ cursor: ['Invalid cursor'] });
/** `YYYY-MM-DD` naming a day that exists (not 2026-02-30). */
const isCalendarDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};

/**
 * Tasks: users see and change only their own (others' are 404, their existence not revealed);
 * administrators reach all. Writes honour an `If-Match` version and the status transition rule.
 */
export class TasksService {
  readonly #em: EntityManager;
  readonly #now: () => Date;

  constructor(em: EntityManager, deps: { now?: () => Date } = {}) {
    this.#em = em;
    this.#now = deps.now ?? (() => new Date());
  }

  async list(
    principal: Principal,
    query: AdminListTasksQuery,
    scope: 'mine' | 'all',
  ): Promise<{ items: TaskDto[]; page: PageInfo }> {
    if (scope === 'all' && principal.role !== 'admin')
      throw new AppError('FORBIDDEN', "Only administrators can list everyone's tasks");
    const where = this.#filters(query, scope === 'all' ? undefined : principal.id);
    const column: SortColumn = query.sort === 'priority' ? 'priorityRank' : query.sort;
    const dir = query.order;
    const signature = `${query.sort}:${dir}`;

    const total = await this.#em.count(Task, where);
    let pageWhere = where;
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      if (cursor.s !== signature) throw badCursor();
      pageWhere = { $and: [where, this.#after(column, dir, cursor)] };
    }
    const nulls = column === 'dueDate' ? ' nulls last' : '';
    const orderBy = [{ [column]: `${dir}${nulls}` }, { id: dir }] as QueryOrderMap<Task>[];
    // Read-only rows: no identity map or change tracking needed, which is most of the ORM's per-row cost.
    const rows = await this.#em.find(Task, pageWhere, {
      disableIdentityMap: true,
      orderBy,
      limit: query.limit + 1,
      ...(query.cursor ? {} : { offset: query.offset ?? 0 }),
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ s: signature, k: this.#keyOf(last, column), id: last.id })
        : null;
    return { items: items.map(toTaskDto), page: pageInfo(query.limit, total, nextCursor) };
  }

  async create(principal: Principal, body: CreateTaskBody): Promise<TaskDto> {
    const task = this.#em.create(Task, {
      owner: this.#em.getReference(User, principal.id),
      title: body.title,
      description: body.description,
      status: body.status,
      priorityRank: priorityRank(body.priority),
      dueDate: body.dueDate,
      completedAt: body.status === 'completed' ? this.#now() : null,
    });
    await this.#em.flush();
    return toTaskDto(task);
  }

  async get(principal: Principal, id: string): Promise<TaskDto> {
    return toTaskDto(await this.#reachable(principal, id));
  }

  /**
   * PUT and PATCH: the changes given, under the transition rule and the caller's `If-Match`. The row is locked
   * while it is checked and written, so concurrent writers queue: each sees the previous one's result, the
   * transition rule holds for every one of them, and without `If-Match` the last write wins.
   */
  async update(
    principal: Principal,
    id: string,
    changes: ReplaceTaskBody | UpdateTaskBody,
    ifMatch?: string,
  ): Promise<TaskDto> {
    return this.#em.transactional(async (em) => {
      const task = await this.#reachable(principal, id, em, LockMode.PESSIMISTIC_WRITE);
      this.#precondition(task, ifMatch);
      if (changes.status !== undefined && !canTransition(task.status, changes.status)) {
        const allowed = TASK_TRANSITIONS[task.status as TaskStatus].join(', ');
        throw new AppError(
          'INVALID_TRANSITION',
          `A ${task.status} task cannot become ${changes.status}; it can become: ${allowed}`,
        );
      }
      if (changes.status !== undefined && changes.status !== task.status) {
        task.completedAt = changes.status === 'completed' ? this.#now() : null;
        task.status = changes.status;
      }
      if (changes.title !== undefined) task.title = changes.title;
      if (changes.description !== undefined) task.description = changes.description;
      if (changes.priority !== undefined) task.priorityRank = priorityRank(changes.priority);
      if (changes.dueDate !== undefined) task.dueDate = changes.dueDate;
      await em.flush();
      return toTaskDto(task);
    });
  }

  async remove(principal: Principal, id: string, ifMatch?: string): Promise<void> {
    await this.#em.transactional(async (em) => {
      const task = await this.#reachable(principal, id, em, LockMode.PESSIMISTIC_WRITE);
      this.#precondition(task, ifMatch);
      em.remove(task);
    });
  }

  /** The admin route: any task, no precondition. */
  async removeAny(id: string): Promise<void> {
    if ((await this.#em.nativeDelete(Task, { id })) === 0) throw notFound();
  }

  async stats(principal: Principal, scope: 'mine' | 'all'): Promise<TaskStats> {
    if (scope === 'all' && principal.role !== 'admin')
      throw new AppError('FORBIDDEN', "Only administrators can see everyone's statistics");
    const now = this.#now();
    const today = isoDay(now);
    const inAWeek = isoDay(new Date(now.getTime() + 7 * DAY));
    const weekAgo = new Date(now.getTime() - 7 * DAY);
    const open = `status in ('pending', 'in_progress')`;
    const rows = await this.#em.getConnection().execute<Array<Record<string, number>>>(
      `select count(*)::int as total,
        ${TASK_STATUSES.map((s) => `count(*) filter (where status = '${s}')::int as "s_${s}"`).join(',\n        ')},
        count(*) filter (where priority_rank = 1)::int as p_low,
        count(*) filter (where priority_rank = 2)::int as p_medium,
        count(*) filter (where priority_rank = 3)::int as p_high,
        count(*) filter (where ${open} and due_date < ?)::int as overdue,
        count(*) filter (where ${open} and due_date >= ? and due_date < ?)::int as due_next,
        count(*) filter (where completed_at >= ?)::int as completed_recently
      from tasks ${scope === 'all' ? '' : 'where owner_id = ?'}`,
      [today, today, inAWeek, weekAgo, ...(scope === 'all' ? [] : [principal.id])],
    );
    const r = rows[0] ?? {};
    const n = (k: string) => Number(r[k] ?? 0);
    return {
      total: n('total'),
      byStatus: {
        pending: n('s_pending'),
        in_progress: n('s_in_progress'),
        completed: n('s_completed'),
        cancelled: n('s_cancelled'),
      },
      byPriority: { low: n('p_low'), medium: n('p_medium'), high: n('p_high') },
      overdue: n('overdue'),
      dueNext7Days: n('due_next'),
      completedLast7Days: n('completed_recently'),
    };
  }

  async #reachable(principal: Principal, id: string, em = this.#em, lockMode?: LockMode): Promise<Task> {
    const task = await em.findOne(Task, { id }, lockMode ? { lockMode } : {});
    // Someone else's task is "not found": its existence is not revealed.
    if (!task || (principal.role !== 'admin' && task.owner.id !== principal.id)) throw notFound();
    return task;
  }

  #precondition(task: Task, ifMatch: string | undefined) {
    if (ifMatch === undefined) return;
    const tags = ifMatch.split(',').map((t) => t.trim());
    if (!tags.includes('*') && !tags.includes(etagOf(task)))
      throw new AppError(
        'PRECONDITION_FAILED',
        `The task has changed since ${ifMatch}; it is now at ${etagOf(task)}`,
        {
          headers: { ETag: etagOf(task) },
        },
      );
  }

  #filters(f: TaskFilters, ownerId: string | undefined): FilterQuery<Task> {
    const and: FilterQuery<Task>[] = [];
    if (ownerId) and.push({ owner: ownerId });
    if (f.status) and.push({ status: { $in: f.status } });
    if (f.priority) and.push({ priorityRank: { $in: f.priority.map(priorityRank) } });
    if (f.search) {
      const like = `%${escapeLike(f.search)}%`;
      and.push({ $or: [{ title: { $ilike: like } }, { description: { $ilike: like } }] });
    }
    if (f.dueBefore) and.push({ dueDate: { $lte: f.dueBefore } });
    if (f.dueAfter) and.push({ dueDate: { $gte: f.dueAfter } });
    if (f.overdue !== undefined) {
      const today = isoDay(this.#now());
      const overdue: FilterQuery<Task> = { status: { $in: OPEN }, dueDate: { $lt: today } };
      // Spelled out rather than NOT(...): with no due date the comparison is NULL, and NOT NULL drops the row.
      const notOverdue: FilterQuery<Task> = {
        $or: [{ status: { $nin: OPEN } }, { dueDate: null }, { dueDate: { $gte: today } }],
      };
      and.push(f.overdue ? overdue : notOverdue);
    }
    return and.length ? { $and: and } : {};
  }

  /** Rows strictly after the cursor in (column dir, id dir) order; for due dates, nulls come last. */
  #after(column: SortColumn, dir: 'asc' | 'desc', c: Cursor): FilterQuery<Task> {
    const beyond = dir === 'asc' ? '$gt' : '$lt';
    const idAfter = { id: { [beyond]: c.id } };
    if (column === 'dueDate') {
      if (c.k === null) return { dueDate: null, ...idAfter };
      if (typeof c.k !== 'string' || !isCalendarDate(c.k)) throw badCursor();
      return { $or: [{ dueDate: { [beyond]: c.k } }, { dueDate: c.k, ...idAfter }, { dueDate: null }] };
    }
    let key: string | number | Date | undefined;
    if (column === 'priorityRank') key = typeof c.k === 'number' && [1, 2, 3].includes(c.k) ? c.k : undefined;
    else if (column === 'title') key = typeof c.k === 'string' && c.k.length <= 200 ? c.k : undefined;
    else key = cursorTimestamp(c.k);
    if (key === undefined) throw badCursor();
    return keysetAfter(column, dir, key, c.id);
  }

  #keyOf(t: Task, column: SortColumn): string | number | null {
    if (column === 'createdAt' || column === 'updatedAt') return t[column].toISOString();
    if (column === 'dueDate') return t.dueDate ?? null;
    return t[column];
  }
}
