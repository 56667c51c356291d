import { createClient, type TaskvaultClient, type TokenPair, type User } from '@taskvault/sdk';
import { describe, expect, it } from 'vitest';
import { newIdentity, refreshOf, verificationLinkFor } from '../../../test/api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';

let sink: SmtpSink;
let srv: TestServer;

useServerWithMail({ PUBLIC_URL: 'http://taskvault.test' }, (env) => ({ sink, srv } = env));

/** Fails the test unless `res` has `status`, and narrows it to that answer of the contract. */
function assertStatus<R extends { status: number }, S extends R['status']>(
  res: R,
  status: S,
): asserts res is Extract<R, { status: S }> {
  expect(res.status, JSON.stringify(res)).toBe(status);
}

/**
 * The body of a `status` answer. `status` must be one the contract declares for the route, so this also
 * pins, at compile time, that signed-in routes list 401 and 403 in the SDK's types.
 */
function errorBody<R extends { status: number; body: unknown }, S extends R['status']>(
  res: R,
  status: S,
): Extract<R, { status: S }>['body'] {
  assertStatus(res, status);
  return res.body;
}

/** An SDK client whose access token is whatever `session.access` holds when a request goes out. */
const clientFor = (session: { access: string | null }): TaskvaultClient =>
  createClient({ baseUrl: `${srv.baseUrl}/`, getAccessToken: () => session.access });

const anonymous = () => createClient({ baseUrl: srv.baseUrl });

/** Registers, follows the emailed link and logs in, all through the SDK. */
async function signUpVerified(identity = newIdentity('sdk')): Promise<{
  identity: ReturnType<typeof newIdentity>;
  user: User;
  tokens: TokenPair;
}> {
  const api = anonymous();
  assertStatus(await api.auth.register({ body: identity }), 201);
  const { uid, token } = await verificationLinkFor(sink, identity.email);
  assertStatus(await api.auth.verifyEmail({ params: { uid, token } }), 200);
  const login = await api.auth.login({ body: { email: identity.email, password: identity.password } });
  assertStatus(login, 200);
  return { identity, user: login.body.data.user, tokens: login.body.data };
}

describe('accounts through @taskvault/sdk', () => {
  it('register, verify the emailed link, log in, then read the profile with the token from login', async () => {
    const id = newIdentity('sdk');
    const session: { access: string | null } = { access: null };
    let asked = 0;
    const api = createClient({
      baseUrl: srv.baseUrl,
      getAccessToken: () => {
        asked++;
        return session.access;
      },
    });

    const reg = await api.auth.register({ body: { ...id, firstName: 'Ada' } });
    assertStatus(reg, 201);
    // No user in the answer: it would tell a new account from an email that already has one.
    expect(reg.body).toEqual({ success: true, message: expect.any(String) as string, data: null });

    const early = await api.auth.login({ body: { email: id.email, password: id.password } });
    assertStatus(early, 403);
    expect(early.body.code).toBe('EMAIL_NOT_VERIFIED');

    const { uid, token } = await verificationLinkFor(sink, id.email);
    const verified = await api.auth.verifyEmail({ params: { uid, token } });
    assertStatus(verified, 200);
    expect(verified.body).toEqual({
      success: true,
      message: expect.stringMatching(/verified/i) as string,
      data: null,
    });
    const reused = await api.auth.verifyEmail({ params: { uid, token } });
    assertStatus(reused, 400);
    expect(reused.body).toMatchObject({ success: false, code: 'INVALID_LINK' });

    const login = await api.auth.login({ body: { username: id.username, password: id.password } });
    assertStatus(login, 200);
    expect(login.body.data).toMatchObject({
      tokenType: 'Bearer',
      user: { id: uid, emailVerified: true },
    });
    session.access = login.body.data.access;

    const before = asked;
    const me = await api.auth.profile();
    expect(asked).toBe(before + 1);
    assertStatus(me, 200);
    expect(me.body.data).toMatchObject({
      id: uid,
      email: id.email,
      firstName: 'Ada',
      emailVerified: true,
    });
    expect(me.body.data.lastLoginAt).not.toBeNull();
  });

  it('narrows answers by status: the 200 body is typed as the user, a declared 401 as the error envelope', async () => {
    const { identity, tokens } = await signUpVerified();
    const res = await clientFor(tokens).auth.profile();
    let email: string | undefined;
    if (res.status === 200) email = res.body.data.email;
    expect(email).toBe(identity.email);

    const wrong = await anonymous().auth.login({
      body: { email: identity.email, password: 'not the password at all' },
    });
    let code: string | undefined;
    if (wrong.status === 401) code = wrong.body.code;
    expect(code).toBe('INVALID_CREDENTIALS');

    const denied = await anonymous().auth.profile();
    expect(errorBody(denied, 401)).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('a bad registration: 400 VALIDATION_FAILED with the fields named', async () => {
    const res = await anonymous().auth.register({
      body: { email: 'not-an-email', username: 'a b', password: 'short' },
    });
    assertStatus(res, 400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(Object.keys(res.body.errors ?? {}).sort()).toEqual(['email', 'password', 'username']);

    const id = newIdentity('sdk');
    assertStatus(await anonymous().auth.register({ body: id }), 201);
    const taken = await anonymous().auth.register({ body: { ...newIdentity('sdk'), username: id.username } });
    assertStatus(taken, 400);
    expect(taken.body.errors).toEqual({ username: ['This username is taken'] });
  });

  it('refresh rotates the pair; replaying a spent token: 401 and the newer token dies too', async () => {
    const { tokens } = await signUpVerified();
    const api = anonymous();
    const first = await api.auth.refresh({ body: { refresh: refreshOf(tokens) } });
    assertStatus(first, 200);
    expect(first.body.data.tokenType).toBe('Bearer');
    expect(first.body.data.refresh).not.toBe(tokens.refresh);
    expect(first.body.data.user.id).toBe(tokens.user.id);
    const second = await api.auth.refresh({ body: { refresh: refreshOf(first.body.data) } });
    assertStatus(second, 200);
    expect(second.body.data.refresh).not.toBe(first.body.data.refresh);
    assertStatus(await clientFor(second.body.data).auth.profile(), 200);

    const replay = await api.auth.refresh({ body: { refresh: refreshOf(tokens) } });
    assertStatus(replay, 401);
    expect(replay.body.code).toBe('INVALID_REFRESH_TOKEN');
    const newest = await api.auth.refresh({ body: { refresh: refreshOf(second.body.data) } });
    assertStatus(newest, 401);
    expect(newest.body.code).toBe('INVALID_REFRESH_TOKEN');
    expect(errorBody(await clientFor(second.body.data).auth.profile(), 401).code).toBe('UNAUTHENTICATED');
  });

  it('logout ends that sign-in: its refresh and access tokens stop working', async () => {
    const { identity, tokens } = await signUpVerified();
    const other = await anonymous().auth.login({
      body: { email: identity.email, password: identity.password },
    });
    assertStatus(other, 200);

    const out = await anonymous().auth.logout({ body: { refresh: refreshOf(tokens) } });
    assertStatus(out, 200);
    expect(out.body).toMatchObject({ success: true, data: null });
    assertStatus(await anonymous().auth.logout({ body: { refresh: refreshOf(tokens) } }), 200);
    assertStatus(await anonymous().auth.refresh({ body: { refresh: refreshOf(tokens) } }), 401);
    const gone = errorBody(await clientFor(tokens).auth.profile(), 401);
    expect(gone).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    assertStatus(await clientFor(other.body.data).auth.profile(), 200);
  });

  it('after logout-all the profile answers 401 for every sign-in', async () => {
    const { identity, tokens } = await signUpVerified();
    const other = await anonymous().auth.login({
      body: { email: identity.email, password: identity.password },
    });
    assertStatus(other, 200);

    const all = await clientFor(tokens).auth.logoutAll();
    assertStatus(all, 200);
    expect(all.body.data.revokedSessions).toBe(2);
    for (const pair of [tokens, other.body.data]) {
      const res = await clientFor(pair).auth.profile();
      expect(errorBody(res, 401)).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
      assertStatus(await anonymous().auth.refresh({ body: { refresh: refreshOf(pair) } }), 401);
    }
    expect(errorBody(await anonymous().auth.logoutAll(), 401).code).toBe('UNAUTHENTICATED');
  });

  it('updates the profile and changes the password', async () => {
    const { identity, tokens } = await signUpVerified();
    const api = clientFor(tokens);
    const changed = await api.auth.updateProfile({ body: { firstName: 'Grace' } });
    assertStatus(changed, 200);
    expect(changed.body.data.firstName).toBe('Grace');

    const newPassword = 'a brand new passphrase 7';
    const wrong = await api.auth.changePassword({ body: { currentPassword: 'nope nope nope', newPassword } });
    assertStatus(wrong, 400);
    expect(wrong.body.errors?.currentPassword).toBeDefined();
    assertStatus(
      await api.auth.changePassword({ body: { currentPassword: identity.password, newPassword } }),
      200,
    );
    assertStatus(await api.auth.profile(), 200);
    const old = await anonymous().auth.login({
      body: { email: identity.email, password: identity.password },
    });
    assertStatus(old, 401);
    expect(old.body.code).toBe('INVALID_CREDENTIALS');
    assertStatus(
      await anonymous().auth.login({ body: { email: identity.email, password: newPassword } }),
      200,
    );
  });

  it('the deprecated legacy paths are in the SDK too', async () => {
    const { identity } = await signUpVerified();
    const res = await anonymous().legacy.login({
      body: { username: identity.username, password: identity.password },
    });
    assertStatus(res, 200);
    expect(res.body.data.user.email).toBe(identity.email);
  });
});
