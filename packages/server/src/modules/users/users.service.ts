import type { AdminUpdateUserBody, AdminUser, ListUsersQuery, PageInfo } from '@taskvault/contract';
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import {
  cursorTimestamp,
  decodeCursor,
  encodeCursor,
  keysetAfter,
  pageInfo,
} from '../../platform/db/pagination.ts';
import { escapeLike } from '../../platform/db/sql.ts';
import type { Principal } from '../../core/principal.ts';
import { AppError, validationError } from '../../core/errors.ts';
import type { Sessions } from '../accounts/sessions.ts';
import { toUserDto } from '../accounts/user-dto.ts';
import { User } from '../accounts/user.entity.ts';

const notFound = () => new AppError('NOT_FOUND', 'No such user');

/** What deleting a user must also delete outside the database: the content of their files. */
export type UserFiles = {
  idsOwnedBy(userId: string): Promise<string[]>;
  deleteBlobs(ids: readonly string[]): Promise<void>;
};

/** Administration of accounts. Admins cannot lock themselves out: no self-demotion, -deactivation or -deletion. */
export class UsersService {
  readonly #em: EntityManager;
  readonly #sessions: Sessions;
  readonly #files: UserFiles;

  constructor(em: EntityManager, deps: { sessions: Sessions; files: UserFiles }) {
    this.#em = em;
    this.#sessions = deps.sessions;
    this.#files = deps.files;
  }

  /** Newest first, with a keyset cursor on (createdAt, id) so pages stay stable while users sign up. */
  async list(query: ListUsersQuery): Promise<{ items: AdminUser[]; page: PageInfo }> {
    const where: FilterQuery<User> = {};
    if (query.search) {
      const like = `%${escapeLike(query.search.toLowerCase())}%`;
      where.$or = [{ email: { $like: like } }, { usernameKey: { $like: like } }];
    }
    if (query.role) where.role = query.role;
    if (query.verified !== undefined) where.emailVerifiedAt = query.verified ? { $ne: null } : null;
    if (query.active !== undefined) where.isActive = query.active;

    const total = await this.#em.count(User, where);
    let pageWhere: FilterQuery<User> = where;
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      // Only cursors this service could have made: a real timestamp in PostgreSQL's range (decodeCursor checks the id).
      const at = cursorTimestamp(c.k);
      if (!at) throw validationError({ cursor: ['Invalid cursor'] });
      pageWhere = { $and: [where, keysetAfter('createdAt', 'desc', at, c.id)] };
    }
    const rows = await this.#em.find(User, pageWhere, {
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      limit: query.limit + 1,
      ...(query.cursor ? {} : { offset: query.offset ?? 0 }),
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    const next =
      rows.length > query.limit && last
        ? encodeCursor({ k: last.createdAt.toISOString(), id: last.id })
        : null;
    return { items: await this.#withTaskCounts(items), page: pageInfo(query.limit, total, next) };
  }

  async get(id: string): Promise<AdminUser> {
    const user = await this.#em.findOne(User, { id });
    if (!user) throw notFound();
    return (await this.#withTaskCounts([user]))[0]!;
  }

  async update(actor: Principal, id: string, body: AdminUpdateUserBody): Promise<AdminUser> {
    const user = await this.#em.findOne(User, { id });
    if (!user) throw notFound();
    if (user.id === actor.id) {
      const errors: Record<string, string[]> = {};
      if (body.role === 'user') errors.role = ['You cannot remove your own administrator role'];
      if (body.isActive === false) errors.isActive = ['You cannot deactivate your own account'];
      if (Object.keys(errors).length) throw validationError(errors);
    }
    const demoted = body.role !== undefined && body.role !== user.role && body.role === 'user';
    const deactivated = body.isActive === false && user.isActive;
    if (body.role !== undefined) user.role = body.role;
    if (body.isActive !== undefined) user.isActive = body.isActive;
    // A demoted or deactivated user is signed out everywhere (the revocation comes first: should the flush
    // fail, the client retries a change that has not happened, with nobody signed in meanwhile).
    if (demoted || deactivated)
      await this.#sessions.revokeAllOf(this.#em, user.id, deactivated ? 'account-disabled' : 'role-changed');
    await this.#em.flush();
    // Access tokens are checked against the user's row: once it has changed, this instance must not go on
    // believing what it remembered of it (a promoted user's old tokens are refused, and they refresh).
    if (body.role !== undefined || body.isActive !== undefined) this.#sessions.forgetUser(user.id);
    return (await this.#withTaskCounts([user]))[0]!;
  }

  async remove(actor: Principal, id: string): Promise<void> {
    const user = await this.#em.findOne(User, { id });
    if (!user) throw notFound();
    // Compared on the stored id: the path may spell the same uuid in another case.
    if (user.id === actor.id) throw validationError({ id: ['You cannot delete your own account'] });
    await this.#sessions.revokeAllOf(this.#em, user.id, 'account-deleted');
    const fileIds = await this.#files.idsOwnedBy(user.id);
    this.#em.remove(user);
    await this.#em.flush();
    // The rows went with the user (on delete cascade); their content goes after the commit, never before.
    await this.#files.deleteBlobs(fileIds);
  }

  /** One grouped count for the whole page, not a query per user. */
  async #withTaskCounts(users: User[]): Promise<AdminUser[]> {
    if (users.length === 0) return [];
    const rows = await this.#em
      .getConnection()
      .execute<Array<{ owner_id: string; n: number }>>(
        'select owner_id, count(*)::int as n from tasks where owner_id in (?) group by owner_id',
        [users.map((u) => u.id)],
      );
    const counts = new Map(rows.map((r) => [r.owner_id, Number(r.n)]));
    return users.map((u) => ({ ...toUserDto(u), taskCount: counts.get(u.id) ?? 0 }));
  }
}
