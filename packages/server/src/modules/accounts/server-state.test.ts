import type { TokenPair } from '@taskvault/contract';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  expectError,
  jsonClient,
  newIdentity,
  refreshOf,
  type JsonClient,
  type Ok,
} from '../../../test/api.ts';
import { startTestServer, type TestServer } from '../../../test/harness.ts';
import { listen } from '../../../test/listen.ts';
import { failure, trpcClient } from '../../../test/trpc-client.ts';
import { createApp } from '../../app.ts';
import { createLogger } from '../../platform/logger.ts';
import { Session } from './session.entity.ts';
import { User } from './user.entity.ts';

/**
 * An access token's claims say who it was issued to, and nothing more. What it may do
 * rests on the database: its session exists, is live and belongs to `sub`; the role and the active state
 * are the user row's. Point 6 (part): a password change keeps this sign-in and ends every other one.
 */

const v1 = '/api/v1/auth';
const adminUsers = `${v1}/admin/users`;

let srv: TestServer;
let api: JsonClient;
beforeAll(async () => {
  srv = await startTestServer({ REQUIRE_EMAIL_VERIFICATION: 'false', LOGIN_IP_MAX_ATTEMPTS: '100000' });
  api = jsonClient(srv.baseUrl);
});
afterAll(async () => srv?.close());

/** Another instance of the application on the same database (and kv store), with a cache of its own. */
async function anotherInstance(sessionCacheTtlMs: number) {
  const config = { ...srv.config, auth: { ...srv.config.auth, sessionCacheTtlMs } };
  const app = createApp({ config, orm: srv.orm, logger: createLogger('silent'), platform: srv.platform });
  const http = await listen(app.express);
  return { ...http, api: jsonClient(http.baseUrl) };
}

/** A new account and `n` sign-ins of it. */
async function signIns(n: number, prefix = 'state') {
  const identity = newIdentity(prefix);
  expect((await api.post(`${v1}/register`, identity)).status).toBe(201);
  const pairs: TokenPair[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api.post<Ok<TokenPair>>(`${v1}/login`, {
      email: identity.email,
      password: identity.password,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pairs.push(res.body.data);
  }
  return { identity, userId: pairs[0]!.user.id, pairs };
}

type Claims = jwt.JwtPayload & { sub: string; sid: string; role: string };
const claimsOf = (token: string) => jwt.decode(token) as Claims;
/** A token signed with the server's own key: what a leaked key, or a misconfigured deployment, allows. */
const signed = (claims: object, header: Record<string, unknown> = {}) =>
  jwt.sign(claims, srv.platform.signingSecret, {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'JWT', ...header },
  });

/** Polls until `status()` answers `want`; how long that took, in ms. */
async function msUntil(want: number, status: () => Promise<number>, limitMs = 10_000) {
  const started = Date.now();
  for (;;) {
    if ((await status()) === want) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`still not ${want} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('tokens signed with the real key but claims the database does not back', () => {
  let user: { userId: string; pairs: TokenPair[] };
  let other: { userId: string; pairs: TokenPair[] };
  let admin: TokenPair;
  beforeAll(async () => {
    user = await signIns(1);
    other = await signIns(1);
    admin = (await adminSession(srv)).tokens;
  });
  const now = () => Math.floor(Date.now() / 1000);
  const genuine = () => claimsOf(user.pairs[0]!.access);

  const forged: Array<[string, () => string]> = [
    ['a role raised to admin', () => signed({ ...genuine(), role: 'admin' })],
    ['an unknown sid', () => signed({ ...genuine(), sid: randomUUID() })],
    [
      'the sid of another user’s session',
      () => signed({ ...genuine(), sid: claimsOf(other.pairs[0]!.access).sid }),
    ],
    [
      'an admin’s sub on a user’s session',
      () => signed({ ...genuine(), sub: claimsOf(admin.access).sub, role: 'admin' }),
    ],
    ['a sid that is not a uuid', () => signed({ ...genuine(), sid: 'not-a-session' })],
    ['a crit header', () => signed(genuine(), { crit: ['x-taskvault-ext'], 'x-taskvault-ext': true })],
    [
      'an iat a year ahead',
      () => signed({ ...genuine(), iat: now() + 365 * 86_400, exp: now() + 365 * 86_400 + 900 }),
    ],
    ['an iat 61 s ahead', () => signed({ ...genuine(), iat: now() + 61 })],
  ];

  it('control: the genuine claims re-signed in the test are accepted, also with an iat within the skew', async () => {
    expect((await api.get(`${v1}/profile`, { token: signed(genuine()) })).status).toBe(200);
    const ahead = signed({ ...genuine(), iat: now() + 30 });
    expect((await api.get(`${v1}/profile`, { token: ahead })).status).toBe(200);
  });

  it.each(forged)('%s: 401 over REST, on user and admin routes', async (_name, make) => {
    const token = make();
    for (const path of [`${v1}/profile`, adminUsers, '/api/v1/tasks']) {
      const res = await api.get(path, { token });
      expectError(res, 401, 'UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it.each(forged)('%s: 401 over tRPC, on user and admin routes', async (_name, make) => {
    const client = trpcClient(srv.baseUrl, { token: make });
    for (const call of [() => client.auth.profile.query(), () => client.users.list.query({ query: {} })]) {
      const data = await failure(call);
      expect(data.httpStatus).toBe(401);
      expect(data.envelope).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    }
  });

  it('the principal comes from the database: a username changed since the token was issued is the new one', async () => {
    const { pairs } = await signIns(1);
    const username = `renamed${Date.now().toString(36)}`;
    const res = await api.patch(`${v1}/profile`, { username }, { token: pairs[0]!.access });
    expect(res.status).toBe(200);
    const me = await api.get<Ok<{ username: string }>>(`${v1}/profile`, { token: pairs[0]!.access });
    expect(me.body.data.username).toBe(username);
  });
});

describe('changes made in the database behind the server’s back (another process, an operator)', () => {
  it('a role taken away in the users row ends admin access within the cache TTL, without any revocation', async () => {
    const { identity, tokens } = await adminSession(srv);
    expect((await api.get(adminUsers, { token: tokens.access })).status).toBe(200);
    await srv.orm.em.fork().nativeUpdate(User, { email: identity.email }, { role: 'user' });
    const ms = await msUntil(401, async () => (await api.get(adminUsers, { token: tokens.access })).status);
    expect(ms).toBeLessThan(srv.config.auth.sessionCacheTtlMs + 1_000);
    expectError(await api.get(`${v1}/profile`, { token: tokens.access }), 401, 'UNAUTHENTICATED');
  });

  it('a user deactivated in the users row is refused within the cache TTL', async () => {
    const { userId, pairs } = await signIns(1);
    expect((await api.get(`${v1}/profile`, { token: pairs[0]!.access })).status).toBe(200);
    await srv.orm.em.fork().nativeUpdate(User, { id: userId }, { isActive: false });
    const ms = await msUntil(
      401,
      async () => (await api.get(`${v1}/profile`, { token: pairs[0]!.access })).status,
    );
    expect(ms).toBeLessThan(srv.config.auth.sessionCacheTtlMs + 1_000);
  });
});

describe('the sign-in cache: one TTL on other instances, at once on the instance that makes the change', () => {
  // Long enough that "at once" and "within the TTL" cannot be confused on a slow machine.
  const TTL = 3_000;
  let x: Awaited<ReturnType<typeof anotherInstance>>;
  let y: Awaited<ReturnType<typeof anotherInstance>>;
  let admin: TokenPair;
  beforeAll(async () => {
    x = await anotherInstance(TTL);
    y = await anotherInstance(TTL);
    admin = (await adminSession(srv)).tokens;
  });
  afterAll(async () => {
    await x?.close();
    await y?.close();
  });
  const status = async (on: JsonClient, token: string, path = `${v1}/profile`) =>
    (await on.get(path, { token })).status;

  it('a hit asks the database nothing: a session revoked in the database still works here until the TTL ends', async () => {
    const { pairs } = await signIns(1);
    const token = pairs[0]!.access;
    expect(await status(x.api, token)).toBe(200);
    await srv.orm.em
      .fork()
      .nativeUpdate(Session, { id: claimsOf(token).sid }, { revokedAt: new Date(), revokedReason: 'test' });
    // The instance that had not seen the sign-in asks, and refuses; the one that had remembers it.
    expect(await status(api, token)).toBe(401);
    expect(await status(x.api, token)).toBe(200);
    const ms = await msUntil(401, () => status(x.api, token));
    expect(ms).toBeLessThan(TTL + 1_000);
  });

  it('logout: refused at once on the instance that ended it, within the TTL on another', async () => {
    const { pairs } = await signIns(1);
    const { access, refresh } = { access: pairs[0]!.access, refresh: refreshOf(pairs[0]!) };
    expect(await status(x.api, access)).toBe(200);
    expect(await status(y.api, access)).toBe(200);
    expect((await x.api.post(`${v1}/logout`, { refresh })).status).toBe(200);
    expect(await status(x.api, access)).toBe(401);
    expect(await msUntil(401, () => status(y.api, access))).toBeLessThan(TTL + 1_000);
  });

  it('an admin demoted by another admin: no admin access at once on that instance, within the TTL elsewhere', async () => {
    const demoted = await adminSession(srv);
    const token = demoted.tokens.access;
    expect(await status(x.api, token, adminUsers)).toBe(200);
    expect(await status(y.api, token, adminUsers)).toBe(200);
    const res = await x.api.patch(
      `${adminUsers}/${demoted.tokens.user.id}`,
      { role: 'user' },
      { token: admin.access },
    );
    expect(res.status).toBe(200);
    expectError(await x.api.get(adminUsers, { token }), 401, 'UNAUTHENTICATED');
    expect(await msUntil(401, () => status(y.api, token, adminUsers))).toBeLessThan(TTL + 1_000);
  });

  it('a user deactivated by an admin: refused at once on that instance, within the TTL elsewhere', async () => {
    const { userId, pairs } = await signIns(1);
    const token = pairs[0]!.access;
    expect(await status(x.api, token)).toBe(200);
    expect(await status(y.api, token)).toBe(200);
    const res = await x.api.patch(`${adminUsers}/${userId}`, { isActive: false }, { token: admin.access });
    expect(res.status).toBe(200);
    expectError(await x.api.get(`${v1}/profile`, { token }), 401, 'UNAUTHENTICATED');
    expect(await msUntil(401, () => status(y.api, token))).toBeLessThan(TTL + 1_000);
  });

  it('a promotion: the token that says user is refused at once there, and a refresh brings the admin role', async () => {
    const { userId, pairs } = await signIns(1);
    const token = pairs[0]!.access;
    expect(await status(x.api, token)).toBe(200);
    expect(
      (await x.api.patch(`${adminUsers}/${userId}`, { role: 'admin' }, { token: admin.access })).status,
    ).toBe(200);
    expectError(await x.api.get(`${v1}/profile`, { token }), 401, 'UNAUTHENTICATED');
    const refreshed = await x.api.post<Ok<TokenPair>>(`${v1}/refresh`, { refresh: refreshOf(pairs[0]!) });
    expect(refreshed.status).toBe(200);
    expect(await status(x.api, refreshed.body.data.access, adminUsers)).toBe(200);
  });

  it('a deleted user: refused at once on that instance, within the TTL elsewhere', async () => {
    const { userId, pairs } = await signIns(1);
    const token = pairs[0]!.access;
    expect(await status(x.api, token)).toBe(200);
    expect(await status(y.api, token)).toBe(200);
    expect((await x.api.delete(`${adminUsers}/${userId}`, { token: admin.access })).status).toBe(204);
    expectError(await x.api.get(`${v1}/profile`, { token }), 401, 'UNAUTHENTICATED');
    expect(await msUntil(401, () => status(y.api, token))).toBeLessThan(TTL + 1_000);
  });
});

describe('a password change keeps this sign-in and ends every other one', () => {
  const newPassword = 'a brand new passphrase 7';
  const message = 'Password changed; you stay signed in here, and every other sign-in has ended';

  it('over REST: the others’ access and refresh tokens are refused, this one’s work', async () => {
    const { identity, pairs } = await signIns(3);
    const [current, ...others] = pairs as [TokenPair, ...TokenPair[]];
    for (const p of pairs) expect((await api.get(`${v1}/profile`, { token: p.access })).status).toBe(200);

    const res = await api.post<Ok<null>>(
      `${v1}/change-password`,
      { currentPassword: identity.password, newPassword },
      { token: current.access },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message, data: null });

    for (const p of others) {
      expectError(await api.get(`${v1}/profile`, { token: p.access }), 401, 'UNAUTHENTICATED');
      expectError(await api.post(`${v1}/refresh`, { refresh: refreshOf(p) }), 401, 'INVALID_REFRESH_TOKEN');
    }
    expect((await api.get(`${v1}/profile`, { token: current.access })).status).toBe(200);
    const refreshed = await api.post<Ok<TokenPair>>(`${v1}/refresh`, { refresh: refreshOf(current) });
    expect(refreshed.status).toBe(200);
    expect((await api.get(`${v1}/profile`, { token: refreshed.body.data.access })).status).toBe(200);
  });

  it('over tRPC: the same', async () => {
    const { identity, pairs } = await signIns(3, 'statetrpc');
    const [current, ...others] = pairs as [TokenPair, ...TokenPair[]];
    const as = (token: string) => trpcClient(srv.baseUrl, { token: () => token });
    const out = await as(current.access).auth.changePassword.mutate({
      body: { currentPassword: identity.password, newPassword },
    });
    expect(out).toEqual({ success: true, message, data: null });

    for (const p of others) {
      expect((await failure(() => as(p.access).auth.profile.query())).httpStatus).toBe(401);
      const spent = await failure(() => as('').auth.refresh.mutate({ body: { refresh: refreshOf(p) } }));
      expect(spent.envelope.code).toBe('INVALID_REFRESH_TOKEN');
    }
    expect((await as(current.access).auth.profile.query()).data.email).toBe(identity.email);
    const refreshed = await as('').auth.refresh.mutate({ body: { refresh: refreshOf(current) } });
    expect((await as(refreshed.data.access).auth.profile.query()).data.email).toBe(identity.email);
  });
});
