import { randomBytes, randomUUID } from 'node:crypto';
import type { PageInfo, TokenPair, User } from '@taskvault/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  expectError,
  expectInvalid,
  newIdentity,
  signUpVerifiedUser,
  type Err,
  type JsonClient,
  type Ok,
  type Res,
} from '../../../test/api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { toUserDto } from '../accounts/user-dto.ts';
import { User as UserEntity } from '../accounts/user.entity.ts';

let sink: SmtpSink;
let srv: TestServer;
let api: JsonClient;
let admin: Awaited<ReturnType<typeof adminSession>>;
let plain: Awaited<ReturnType<typeof signUpVerifiedUser>>;

// Every request comes from 127.0.0.1: lift the per-address limits on logins and signups.
useServerWithMail(
  { PUBLIC_URL: 'http://taskvault.test', LOGIN_IP_MAX_ATTEMPTS: '100000' },
  (env) => ({ sink, srv, api } = env),
);
beforeAll(async () => {
  admin = await adminSession(srv);
  plain = await signUpVerifiedUser(srv, sink);
});

const v1 = '/api/v1/auth';
const users = `${v1}/admin/users`;

type Page = { items: User[]; page: PageInfo };
type Identity = ReturnType<typeof newIdentity>;

/** A term no other user of this file has in their email or username. */
const uniqueTerm = (prefix: string) => `${prefix}${randomBytes(3).toString('hex')}`;

/** No response may carry a password hash, whatever its shape. */
function expectNoSecrets(res: Res<unknown>) {
  expect(JSON.stringify(res.body ?? '')).not.toMatch(/argon2|passwordHash|password_hash|usernameKey/i);
}

const login = (identity: Identity) =>
  api.post<Ok<TokenPair>>(`${v1}/login`, { email: identity.email, password: identity.password });

/** Signs up (unverified); the new user as the contract shows it, read back from the database. */
const register = async (identity: Identity): Promise<User> => {
  const res = await api.post(`${v1}/register`, identity);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  // Signup answers no user (it would tell a taken email from a new one).
  return toUserDto(await srv.orm.em.fork().findOneOrFail(UserEntity, { email: identity.email }));
};

const list = (query: Record<string, string | number | boolean>, token = admin.tokens.access) =>
  api.get<Ok<Page>>(
    `${users}?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`,
    {
      token,
    },
  );

const patch = (id: string, body: unknown, token = admin.tokens.access) =>
  api.patch<Ok<User>>(`${users}/${id}`, body, { token });

describe('access', () => {
  it('every admin route: 401 without a token, 403 for a plain user, 2xx for an admin', async () => {
    const victim = await signUpVerifiedUser(srv, sink);
    const id = victim.user.id;
    const routes: Array<{ name: string; call: (token?: string) => Promise<Res<unknown>>; ok: number }> = [
      { name: 'list', call: (token) => api.get(users, token ? { token } : {}), ok: 200 },
      { name: 'get', call: (token) => api.get(`${users}/${id}`, token ? { token } : {}), ok: 200 },
      {
        name: 'update',
        call: (token) => api.patch(`${users}/${id}`, { isActive: true }, token ? { token } : {}),
        ok: 200,
      },
      { name: 'remove', call: (token) => api.delete(`${users}/${id}`, token ? { token } : {}), ok: 204 },
    ];
    for (const route of routes) {
      const anonymous = await route.call();
      expectError(anonymous, 401, 'UNAUTHENTICATED');
      expect(anonymous.headers.get('www-authenticate'), route.name).toBe('Bearer');

      expectError(await route.call('not.a.token'), 401, 'UNAUTHENTICATED');
      expectError(await route.call(plain.tokens.access), 403, 'FORBIDDEN');
      // The victim is a plain user too, and may not act on itself either.
      expectError(await route.call(victim.tokens.access), 403, 'FORBIDDEN');

      const allowed = await route.call(admin.tokens.access);
      expect(allowed.status, `${route.name}: ${JSON.stringify(allowed.body)}`).toBe(route.ok);
      expectNoSecrets(allowed);
      if (route.ok === 200) expect((allowed.body as Ok<unknown>).success).toBe(true);
    }
  });
});

describe('list', () => {
  it('is newest first, with the user fields and no secrets', async () => {
    const term = uniqueTerm('order');
    const created: User[] = [];
    for (let i = 0; i < 3; i++) created.push(await register(newIdentity(term)));

    const res = await list({ search: term });
    expect(res.status).toBe(200);
    expectNoSecrets(res);
    expect(res.body.success).toBe(true);
    expect(res.body.data.items.map((u) => u.id)).toEqual(created.map((u) => u.id).reverse());
    expect(res.body.data.items[0]).toEqual({ ...created.at(-1), taskCount: 0 });
    expect(res.body.data.page).toEqual({ limit: 20, total: 3, nextCursor: null });

    const all = await list({ limit: 100 });
    const stamps = all.body.data.items.map((u) => Date.parse(u.createdAt));
    expect(stamps).toEqual([...stamps].sort((a, b) => b - a));
    expect(all.body.data.items.map((u) => u.id)).toContain(admin.tokens.user.id);
  });

  it('walks every page with limit and cursor: no duplicates, no gaps, total counts the filtered set', async () => {
    const term = uniqueTerm('pages');
    const created: User[] = [];
    for (let i = 0; i < 7; i++) created.push(await register(newIdentity(term)));
    const expected = created.map((u) => u.id).reverse();

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Res<Ok<Page>> = await list({ search: term, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.page.total).toBe(7);
      expect(res.body.data.page.limit).toBe(3);
      sizes.push(res.body.data.items.length);
      seen.push(...res.body.data.items.map((u) => u.id));
      cursor = res.body.data.page.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    expect(sizes).toEqual([3, 3, 1]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);

    // Users who sign up while someone pages do not shift the pages already cut.
    const first = await list({ search: term, limit: 3 });
    await register(newIdentity(term));
    const second = await list({ search: term, limit: 3, cursor: first.body.data.page.nextCursor! });
    expect(second.body.data.items.map((u) => u.id)).toEqual(expected.slice(3, 6));
    expect(second.body.data.page.total).toBe(8);

    // offset serves page-number UIs, and exact-size last pages have no next cursor.
    const byOffset = await list({ search: term, limit: 3, offset: 4 });
    expect(byOffset.body.data.items.map((u) => u.id)).toEqual(expected.slice(3, 6));
    const exact = await list({ search: term, limit: 8 });
    expect(exact.body.data.items).toHaveLength(8);
    expect(exact.body.data.page.nextCursor).toBeNull();
  });

  it('search matches email or username, in any case', async () => {
    const term = uniqueTerm('srch');
    const byEmail = await register({
      ...newIdentity('other'),
      email: `${term}-box@example.com`,
    });
    const byName = await register({
      ...newIdentity('plain'),
      username: `Zz${term.toUpperCase()}Q`,
    });
    await register(newIdentity('unrelated'));

    for (const search of [term, term.toUpperCase(), `  ${term[0]!.toUpperCase()}${term.slice(1)} `]) {
      const res = await list({ search });
      expect(res.status).toBe(200);
      expect(res.body.data.items.map((u) => u.id).sort(), search).toEqual([byEmail.id, byName.id].sort());
      expect(res.body.data.page.total).toBe(2);
    }
    const email = await list({ search: `${term.toUpperCase()}-BOX@EXAMPLE` });
    expect(email.body.data.items.map((u) => u.id)).toEqual([byEmail.id]);
    const name = await list({ search: `zz${term}q` });
    expect(name.body.data.items.map((u) => u.id)).toEqual([byName.id]);
    expect(name.body.data.items[0]!.username).toBe(`Zz${term.toUpperCase()}Q`);

    const none = await list({ search: `${term}-nobody` });
    expect(none.body.data).toEqual({ items: [], page: { limit: 20, total: 0, nextCursor: null } });
  });

  it('search treats % and _ literally', async () => {
    const term = uniqueTerm('lit');
    const underscore = await register({
      ...newIdentity(),
      username: `a_${term}`,
      email: `a_${term}@example.com`,
    });
    const letter = await register({
      ...newIdentity(),
      username: `ax${term}`,
      email: `ax${term}@example.com`,
    });

    const both = await list({ search: term });
    expect(both.body.data.items.map((u) => u.id).sort()).toEqual([underscore.id, letter.id].sort());
    // As LIKE wildcards, `_` would match the x and `%` anything at all.
    const literalUnderscore = await list({ search: `a_${term}` });
    expect(literalUnderscore.body.data.items.map((u) => u.id)).toEqual([underscore.id]);
    expect(literalUnderscore.body.data.page.total).toBe(1);
    for (const search of [`a%${term}`, `%${term}`, `${term}%`, '%', `_x${term}`, `a\\_${term}`]) {
      const res = await list({ search });
      expect(res.status, search).toBe(200);
      expect(res.body.data.items, search).toEqual([]);
      expect(res.body.data.page.total, search).toBe(0);
    }
  });

  it('filters by role, verified and active, alone and together', async () => {
    const term = uniqueTerm('filt');
    const verified = await signUpVerifiedUser(srv, sink, newIdentity(term));
    const unverified = await register(newIdentity(term));
    const disabled = await signUpVerifiedUser(srv, sink, newIdentity(term));
    const promoted = await signUpVerifiedUser(srv, sink, newIdentity(term));
    expect((await patch(disabled.user.id, { isActive: false })).status).toBe(200);
    expect((await patch(promoted.user.id, { role: 'admin' })).status).toBe(200);

    const ids = async (query: Record<string, string>) => {
      const res = await list({ search: term, ...query });
      expect(res.status, JSON.stringify(query)).toBe(200);
      expect(res.body.data.page.total, JSON.stringify(query)).toBe(res.body.data.items.length);
      return res.body.data.items.map((u) => u.id).sort();
    };
    const sorted = (...xs: string[]) => xs.sort();

    expect(await ids({})).toEqual(
      sorted(verified.user.id, unverified.id, disabled.user.id, promoted.user.id),
    );
    expect(await ids({ role: 'admin' })).toEqual([promoted.user.id]);
    expect(await ids({ role: 'user' })).toEqual(sorted(verified.user.id, unverified.id, disabled.user.id));
    expect(await ids({ verified: 'true' })).toEqual(
      sorted(verified.user.id, disabled.user.id, promoted.user.id),
    );
    expect(await ids({ verified: 'false' })).toEqual([unverified.id]);
    expect(await ids({ active: 'false' })).toEqual([disabled.user.id]);
    expect(await ids({ active: 'true' })).toEqual(sorted(verified.user.id, unverified.id, promoted.user.id));
    expect(await ids({ role: 'user', verified: 'true', active: 'true' })).toEqual([verified.user.id]);
    expect(await ids({ role: 'admin', active: 'false' })).toEqual([]);

    // Without a search, the filter alone: every admin, the operator-made one among them.
    const admins = await list({ role: 'admin', limit: 100 });
    expect(admins.body.data.items.every((u) => u.role === 'admin')).toBe(true);
    expect(admins.body.data.items.map((u) => u.id)).toEqual(
      expect.arrayContaining([admin.tokens.user.id, promoted.user.id]),
    );
    const unverifiedAll = await list({ verified: false, limit: 100 });
    expect(unverifiedAll.body.data.items.every((u) => !u.emailVerified)).toBe(true);
    const inactiveAll = await list({ active: false, limit: 100 });
    expect(inactiveAll.body.data.items.every((u) => !u.isActive)).toBe(true);
  });

  it('bad query input: 400 naming the field; unknown parameters are ignored', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ limit: '0' }, 'limit'],
      [{ limit: '1000' }, 'limit'],
      [{ limit: '2.5' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ offset: '-1' }, 'offset'],
      [{ role: 'root' }, 'role'],
      [{ verified: 'maybe' }, 'verified'],
      [{ active: 'nope' }, 'active'],
      [{ search: 'x'.repeat(101) }, 'search'],
      [{ cursor: 'garbage' }, 'cursor'],
      [{ cursor: 'x'.repeat(513) }, 'cursor'],
      [{ cursor: Buffer.from('{"k":"not a date","id":"x"}').toString('base64url') }, 'cursor'],
      [{ cursor: Buffer.from('{"k":42,"id":"x"}').toString('base64url') }, 'cursor'],
      [{ cursor: Buffer.from('[1,2]').toString('base64url') }, 'cursor'],
    ];
    for (const [query, field] of cases) {
      expectInvalid(await list(query), [field]);
    }
    const several = await list({ limit: '0', role: 'root', verified: 'maybe' });
    expectInvalid(several, ['limit', 'role', 'verified']);

    const ignored = await list({ limit: 1, sort: 'email', admin: 'yes', page: 7 });
    expect(ignored.status).toBe(200);
    expect(ignored.body.data.items).toHaveLength(1);
  });

  it('a decodable cursor whose id is not a uuid: 400 naming cursor', async () => {
    const cursor = Buffer.from(JSON.stringify({ k: new Date().toISOString(), id: 'x' })).toString(
      'base64url',
    );
    expectInvalid(await list({ cursor }), ['cursor']);
  });

  it('a cursor whose date PostgreSQL cannot hold: 400 naming cursor', async () => {
    const cursor = Buffer.from(
      JSON.stringify({ k: new Date(-8.64e15).toISOString(), id: randomUUID() }),
    ).toString('base64url');
    expectInvalid(await list({ cursor }), ['cursor']);
  });

  it('a search containing a NUL character: 400 naming search', async () => {
    const res = await api.get<Err>(`${users}?search=a%00b`, { token: admin.tokens.access });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: { search: ['Must not contain NUL characters'] },
    });
  });

  it('the server keeps answering after a request its database refused', async () => {
    await api.get(`${users}?search=a%00b`, { token: admin.tokens.access });
    const cursor = Buffer.from(JSON.stringify({ k: new Date().toISOString(), id: 'x' })).toString(
      'base64url',
    );
    await list({ cursor });
    const res = await list({ limit: 1 });
    expect(res.status).toBe(200);
    expect(res.body.data.items).toHaveLength(1);
  });
});

describe('get', () => {
  it('answers 200 with the user; 404 for an unknown id; 400 for a malformed one', async () => {
    const res = await api.get<Ok<User>>(`${users}/${plain.user.id}`, { token: admin.tokens.access });
    expect(res.status).toBe(200);
    expectNoSecrets(res);
    expect(res.body.success).toBe(true);
    expect(res.body.data).toMatchObject({
      id: plain.user.id,
      email: plain.identity.email,
      username: plain.identity.username,
      role: 'user',
      emailVerified: true,
      isActive: true,
    });
    expect(Date.parse(res.body.data.lastLoginAt ?? '')).not.toBeNaN();
    expect(Object.keys(res.body.data).sort()).toEqual(
      [
        'createdAt',
        'email',
        'emailVerified',
        'firstName',
        'id',
        'isActive',
        'lastLoginAt',
        'lastName',
        'role',
        'taskCount',
        'updatedAt',
        'username',
      ].sort(),
    );

    const missing = await api.get(`${users}/${randomUUID()}`, { token: admin.tokens.access });
    expectError(missing, 404, 'NOT_FOUND');
    expectInvalid(await api.get(`${users}/not-a-uuid`, { token: admin.tokens.access }), ['id']);
  });
});

describe('update', () => {
  it('promote: a new login of the user has admin access', async () => {
    const { identity, user, tokens } = await signUpVerifiedUser(srv, sink);
    const res = await patch(user.id, { role: 'admin' });
    expect(res.status).toBe(200);
    expectNoSecrets(res);
    expect(res.body.data).toMatchObject({ id: user.id, role: 'admin', isActive: true });
    expect(
      (await api.get<Ok<User>>(`${users}/${user.id}`, { token: admin.tokens.access })).body.data.role,
    ).toBe('admin');

    // Access tokens are checked against the user's row: the old one, which says user, is refused at once
    // (401, anywhere); a promotion ends no sign-in, so a refresh (what the SDK does on a 401) gives a token
    // with the new role.
    expectError(await list({}, tokens.access), 401, 'UNAUTHENTICATED');
    expectError(await api.get(`${v1}/profile`, { token: tokens.access }), 401, 'UNAUTHENTICATED');
    const refreshed = await api.post<Ok<TokenPair>>(`${v1}/refresh`, { refresh: tokens.refresh });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.user.role).toBe('admin');
    expect((await list({}, refreshed.body.data.access)).status).toBe(200);

    const again = await login(identity);
    expect(again.status).toBe(200);
    expect(again.body.data.user.role).toBe('admin');
    expect((await list({}, again.body.data.access)).status).toBe(200);
  });

  it('demote: signs the user out everywhere; their next login is a plain user', async () => {
    const { identity, user } = await signUpVerifiedUser(srv, sink);
    expect((await patch(user.id, { role: 'admin' })).status).toBe(200);
    const asAdmin = await login(identity);
    expect((await list({}, asAdmin.body.data.access)).status).toBe(200);

    const res = await patch(user.id, { role: 'user' });
    expect(res.status).toBe(200);
    expect(res.body.data.role).toBe('user');

    expectError(await list({}, asAdmin.body.data.access), 401, 'UNAUTHENTICATED');
    expect((await api.get(`${v1}/profile`, { token: asAdmin.body.data.access })).status).toBe(401);
    expect((await api.post(`${v1}/refresh`, { refresh: asAdmin.body.data.refresh })).status).toBe(401);

    const after = await login(identity);
    expect(after.status).toBe(200);
    expect(after.body.data.user.role).toBe('user');
    expectError(await list({}, after.body.data.access), 403, 'FORBIDDEN');
  });

  it('deactivate: tokens stop working and login answers 403 ACCOUNT_DISABLED; reactivate: login works again', async () => {
    const { identity, user, tokens } = await signUpVerifiedUser(srv, sink);
    const second = await login(identity);

    const off = await patch(user.id, { isActive: false });
    expect(off.status).toBe(200);
    expect(off.body.data).toMatchObject({ id: user.id, isActive: false });

    for (const pair of [tokens, second.body.data]) {
      expectError(await api.get(`${v1}/profile`, { token: pair.access }), 401, 'UNAUTHENTICATED');
      expect((await api.post(`${v1}/refresh`, { refresh: pair.refresh })).status).toBe(401);
    }
    expectError(await login(identity), 403, 'ACCOUNT_DISABLED');

    const on = await patch(user.id, { isActive: true });
    expect(on.status).toBe(200);
    expect(on.body.data.isActive).toBe(true);
    const back = await login(identity);
    expect(back.status).toBe(200);
    expect((await api.get(`${v1}/profile`, { token: back.body.data.access })).status).toBe(200);
    // The old sign-ins stay ended.
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(401);
  });

  it('role and status together, and no-op changes, answer 200', async () => {
    const { identity, user } = await signUpVerifiedUser(srv, sink);
    const both = await patch(user.id, { role: 'admin', isActive: false });
    expect(both.status).toBe(200);
    expect(both.body.data).toMatchObject({ role: 'admin', isActive: false });
    expectError(await login(identity), 403, 'ACCOUNT_DISABLED');
    const same = await patch(user.id, { role: 'admin', isActive: false });
    expect(same.status).toBe(200);
    expect((await patch(user.id, { isActive: true })).status).toBe(200);
    const back = await login(identity);
    expect((await list({}, back.body.data.access)).status).toBe(200);
  });

  it('an admin cannot demote or deactivate themselves', async () => {
    const me = admin.tokens.user.id;
    const demote = expectInvalid(await patch(me, { role: 'user' }), ['role']);
    expect(demote.errors?.role?.[0]).toMatch(/own/i);
    expectInvalid(await patch(me, { isActive: false }), ['isActive']);
    expectInvalid(await patch(me, { role: 'user', isActive: false }), ['role', 'isActive']);
    // The check compares the stored account, so an id written in upper case is still oneself.
    expectInvalid(await patch(me.toUpperCase(), { role: 'user' }), ['role']);
    expectInvalid(await patch(me.toUpperCase(), { isActive: false }), ['isActive']);

    // Nothing changed, and the admin is still signed in as one.
    const self = await api.get<Ok<User>>(`${users}/${me}`, { token: admin.tokens.access });
    expect(self.body.data).toMatchObject({ role: 'admin', isActive: true });
    expect((await list({}, admin.tokens.access)).status).toBe(200);
    // Confirming what already holds is harmless.
    expect((await patch(me, { role: 'admin', isActive: true })).status).toBe(200);
    expect((await list({}, admin.tokens.access)).status).toBe(200);
  });

  it('another admin may demote an admin', async () => {
    const other = await adminSession(srv);
    const res = await patch(other.tokens.user.id, { role: 'user' });
    expect(res.status).toBe(200);
    expectError(await list({}, other.tokens.access), 401, 'UNAUTHENTICATED');
  });

  it('bad bodies: 400 naming the field; unknown and malformed ids', async () => {
    const id = plain.user.id;
    expectInvalid(await patch(id, {}), ['body']);
    expectInvalid(await patch(id, { role: 'admin', email: 'x@example.com' }), ['email']);
    expect((await patch(id, { isAdmin: true })).body).toMatchObject({
      errors: { isAdmin: ['Unknown field'] },
    });
    expectInvalid(await patch(id, { role: 'root' }), ['role']);
    expectInvalid(await patch(id, { isActive: 'false' }), ['isActive']);
    expectInvalid(await patch(id, { role: null }), ['role']);

    // None of it touched the user.
    const still = await api.get<Ok<User>>(`${users}/${id}`, { token: admin.tokens.access });
    expect(still.body.data).toMatchObject({ role: 'user', isActive: true });

    expectError(await patch(randomUUID(), { isActive: false }), 404, 'NOT_FOUND');
    expectInvalid(await patch('not-a-uuid', { isActive: false }), ['id']);
  });
});

describe('remove', () => {
  it('answers 204 with an empty body; the user is gone, signed out, and cannot log in', async () => {
    const { identity, user, tokens } = await signUpVerifiedUser(srv, sink);
    const res = await api.delete(`${users}/${user.id}`, { token: admin.tokens.access });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();

    expectError(await api.get(`${v1}/profile`, { token: tokens.access }), 401, 'UNAUTHENTICATED');
    expect((await api.post(`${v1}/refresh`, { refresh: tokens.refresh })).status).toBe(401);
    expectError(await login(identity), 401, 'INVALID_CREDENTIALS');

    expectError(await api.get(`${users}/${user.id}`, { token: admin.tokens.access }), 404, 'NOT_FOUND');
    expectError(await api.delete(`${users}/${user.id}`, { token: admin.tokens.access }), 404, 'NOT_FOUND');
    const listed = await list({ search: identity.username });
    expect(listed.body.data.page.total).toBe(0);

    // The address and username are free again.
    expect((await api.post(`${v1}/register`, identity)).status).toBe(201);
  });

  it('a deleted admin is signed out too', async () => {
    const other = await adminSession(srv);
    expect(
      (await api.delete(`${users}/${other.tokens.user.id}`, { token: admin.tokens.access })).status,
    ).toBe(204);
    expectError(await list({}, other.tokens.access), 401, 'UNAUTHENTICATED');
  });

  it('404 for an unknown id, 400 for a malformed one, 400 for oneself', async () => {
    expectError(
      await api.delete(`${users}/${randomUUID()}`, { token: admin.tokens.access }),
      404,
      'NOT_FOUND',
    );
    expectInvalid(await api.delete(`${users}/not-a-uuid`, { token: admin.tokens.access }), ['id']);

    const me = admin.tokens.user.id;
    const self = expectInvalid(await api.delete(`${users}/${me}`, { token: admin.tokens.access }), ['id']);
    expect(self.errors?.id?.[0]).toMatch(/own/i);
    const still = await api.get<Ok<User>>(`${users}/${me}`, { token: admin.tokens.access });
    expect(still.status).toBe(200);
    expect((await list({}, admin.tokens.access)).status).toBe(200);
  });

  it('an admin cannot delete themselves by writing their id in upper case', async () => {
    const other = await adminSession(srv);
    const id = other.tokens.user.id;
    const res = await api.delete(`${users}/${id.toUpperCase()}`, { token: other.tokens.access });
    expectInvalid(res, ['id']);
    expect((await api.get(`${users}/${id}`, { token: admin.tokens.access })).status).toBe(200);
  });
});
