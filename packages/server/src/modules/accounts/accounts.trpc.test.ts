import { describe, expect, it } from 'vitest';
import { newIdentity, refreshOf, verificationLinkFor } from '../../../test/api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { failure, trpcClient, type TrpcClientOptions } from '../../../test/trpc-client.ts';

let sink: SmtpSink;
let srv: TestServer;

useServerWithMail({ PUBLIC_URL: 'http://taskvault.test' }, (env) => ({ sink, srv } = env));

/** A typed tRPC client; `token` is asked before every HTTP request, `onFetch` sees each one. */
const trpc = (options: TrpcClientOptions = {}) => trpcClient(srv.baseUrl, options);

/** Registers, follows the emailed link and logs in, all through tRPC. */
async function signUpVerified(identity = newIdentity('trpc')) {
  const api = trpc();
  await api.auth.register.mutate({ body: identity });
  const { uid, token } = await verificationLinkFor(sink, identity.email);
  await api.auth.verifyEmail.query({ params: { uid, token } });
  const login = await api.auth.login.mutate({ body: { email: identity.email, password: identity.password } });
  // The link names the account (signup answers no user, or it would tell a taken email from a new one).
  return { identity, user: { id: uid }, tokens: login.data };
}

/** A client that sends the access token of a pair (or whatever `holder.access` becomes). */
const authed = (holder: { access: string | null }) => trpc({ token: () => holder.access });

describe('accounts over tRPC', () => {
  it('register answers the envelope with no data, and emails a verification link to the trimmed address', async () => {
    const id = newIdentity('trpc');
    const out = await trpc().auth.register.mutate({
      body: { ...id, email: `  ${id.email.toUpperCase()} `, firstName: 'Ann' },
    });
    const data: null = out.data;
    expect(out).toEqual({ success: true, message: expect.stringMatching(/email/i) as string, data });
    const { mail, uid } = await verificationLinkFor(sink, id.email);
    expect(mail.text).toContain(`http://taskvault.test/verify-email/${uid}/`);
  });

  it('invalid registration: 400 VALIDATION_FAILED naming the same fields as REST', async () => {
    const data = await failure(() =>
      trpc().auth.register.mutate({ body: { email: 'not-an-email', username: 'a b', password: 'short' } }),
    );
    expect(data.httpStatus).toBe(400);
    expect(data.code).toBe('BAD_REQUEST');
    expect(data.envelope).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(Object.keys(data.envelope.errors ?? {}).sort()).toEqual(['email', 'password', 'username']);

    const role = await failure(() =>
      trpc().auth.register.mutate({ body: { ...newIdentity('trpc'), role: 'admin' } as never }),
    );
    expect(role.httpStatus).toBe(400);
    expect(role.envelope.errors).toEqual({ role: ['Unknown field'] });
  });

  it('a weak password is refused by the service with the same envelope as REST; a taken email is not refused', async () => {
    const id = newIdentity('trpc');
    const weak = await failure(() =>
      trpc().auth.register.mutate({ body: { ...id, password: '1234567890' } }),
    );
    expect(weak.httpStatus).toBe(400);
    expect(weak.envelope.errors?.password?.length).toBeGreaterThan(0);

    const created = await trpc().auth.register.mutate({ body: id });
    // The same answer as a new account: signup-enumeration.test.ts covers the rest.
    const taken = await trpc().auth.register.mutate({ body: { ...newIdentity('trpc'), email: id.email } });
    expect(taken).toEqual(created);
  });

  it('the emailed link verifies through auth.verifyEmail once; reuse: 400 INVALID_LINK', async () => {
    const id = newIdentity('trpc');
    await trpc().auth.register.mutate({ body: id });
    const early = await failure(() =>
      trpc().auth.login.mutate({ body: { email: id.email, password: id.password } }),
    );
    expect(early.httpStatus).toBe(403);
    expect(early.envelope.code).toBe('EMAIL_NOT_VERIFIED');

    const { uid, token } = await verificationLinkFor(sink, id.email);
    const ok = await trpc().auth.verifyEmail.query({ params: { uid, token } });
    expect(ok).toEqual({ success: true, message: expect.stringMatching(/verified/i) as string, data: null });

    const again = await failure(() => trpc().auth.verifyEmail.query({ params: { uid, token } }));
    expect(again.httpStatus).toBe(400);
    expect(again.envelope).toMatchObject({ success: false, code: 'INVALID_LINK' });
    const tampered = await failure(() =>
      trpc().auth.verifyEmail.query({ params: { uid: 'not-a-uid', token } }),
    );
    expect(tampered.envelope.code).toBe('INVALID_LINK');
  });

  it('login answers the token pair; wrong passwords get 401 INVALID_CREDENTIALS', async () => {
    const { identity, user } = await signUpVerified();
    const out = await trpc().auth.login.mutate({
      body: { username: identity.username.toUpperCase(), password: identity.password },
    });
    expect(out.success).toBe(true);
    const pair = out.data;
    expect(pair).toMatchObject({
      tokenType: 'Bearer',
      user: { id: user.id, email: identity.email, emailVerified: true },
    });
    expect(pair.access.split('.')).toHaveLength(3);
    expect(pair.refresh).toEqual(expect.any(String));
    expect(new Date(pair.accessExpiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(JSON.stringify(out)).not.toMatch(/argon2/);

    const wrong = await failure(() =>
      trpc().auth.login.mutate({ body: { email: identity.email, password: 'not the password at all' } }),
    );
    expect(wrong.httpStatus).toBe(401);
    expect(wrong.code).toBe('UNAUTHORIZED');
    expect(wrong.envelope.code).toBe('INVALID_CREDENTIALS');
    const both = await failure(() =>
      trpc().auth.login.mutate({ body: { email: identity.email, username: 'x', password: 'x' } }),
    );
    expect(both.httpStatus).toBe(400);
    expect(both.envelope.errors?.email).toBeDefined();
  });

  it('auth.profile answers the caller with the token from the getter; none or a bad one: 401 UNAUTHENTICATED', async () => {
    const { identity, tokens } = await signUpVerified();
    const holder: { access: string | null } = { access: tokens.access };
    const me = await authed(holder).auth.profile.query();
    expect(me.data).toMatchObject({
      email: identity.email,
      username: identity.username,
      emailVerified: true,
    });
    expect(me.data.lastLoginAt).not.toBeNull();

    const anonymous = await failure(() => trpc().auth.profile.query());
    expect(anonymous.httpStatus).toBe(401);
    expect(anonymous.code).toBe('UNAUTHORIZED');
    expect(anonymous.envelope).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });

    // The getter is asked on every request: the same client stops working once its token does.
    const client = authed(holder);
    holder.access = 'not-a-jwt';
    const forged = await failure(() => client.auth.profile.query());
    expect(forged.httpStatus).toBe(401);
    expect(forged.envelope.code).toBe('UNAUTHENTICATED');
    holder.access = null;
    expect((await failure(() => client.auth.profile.query())).httpStatus).toBe(401);
    holder.access = tokens.access;
    expect((await client.auth.profile.query()).data.id).toBe(me.data.id);
  });

  it('auth.updateProfile changes the caller', async () => {
    const { tokens } = await signUpVerified();
    const client = authed(tokens);
    const out = await client.auth.updateProfile.mutate({ body: { firstName: 'Grace', lastName: 'Hopper' } });
    expect(out.data).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', emailVerified: true });
    const empty = await failure(() => client.auth.updateProfile.mutate({ body: {} }));
    expect(empty.httpStatus).toBe(400);
    expect(empty.envelope.code).toBe('VALIDATION_FAILED');
  });

  it('refresh rotates; replaying a spent token: 401 INVALID_REFRESH_TOKEN and the newer token dies too', async () => {
    const { tokens } = await signUpVerified();
    const api = trpc();
    const first = await api.auth.refresh.mutate({ body: { refresh: refreshOf(tokens) } });
    expect(first.data.tokenType).toBe('Bearer');
    expect(first.data.refresh).not.toBe(tokens.refresh);
    const second = await api.auth.refresh.mutate({ body: { refresh: refreshOf(first.data) } });
    expect(second.data.refresh).not.toBe(first.data.refresh);
    expect((await authed(second.data).auth.profile.query()).data.id).toBe(tokens.user.id);

    const replay = await failure(() => api.auth.refresh.mutate({ body: { refresh: refreshOf(tokens) } }));
    expect(replay.httpStatus).toBe(401);
    expect(replay.envelope).toMatchObject({ success: false, code: 'INVALID_REFRESH_TOKEN' });

    const newest = await failure(() =>
      api.auth.refresh.mutate({ body: { refresh: refreshOf(second.data) } }),
    );
    expect(newest.httpStatus).toBe(401);
    expect(newest.envelope.code).toBe('INVALID_REFRESH_TOKEN');
    const access = await failure(() => authed(second.data).auth.profile.query());
    expect(access.httpStatus).toBe(401);
    expect(access.envelope.code).toBe('UNAUTHENTICATED');
  });

  it('garbage refresh tokens: 401', async () => {
    for (const refresh of ['x', `${crypto.randomUUID()}.${'A'.repeat(43)}`]) {
      const data = await failure(() => trpc().auth.refresh.mutate({ body: { refresh } }));
      expect(data.httpStatus, refresh).toBe(401);
      expect(data.envelope.code, refresh).toBe('INVALID_REFRESH_TOKEN');
    }
  });

  it('logout ends that sign-in only, idempotently', async () => {
    const { identity, tokens } = await signUpVerified();
    const other = await trpc().auth.login.mutate({
      body: { email: identity.email, password: identity.password },
    });
    const api = trpc();
    expect(await api.auth.logout.mutate({ body: { refresh: refreshOf(tokens) } })).toMatchObject({
      success: true,
      data: null,
    });
    expect((await api.auth.logout.mutate({ body: { refresh: refreshOf(tokens) } })).success).toBe(true);
    expect(
      (await failure(() => api.auth.refresh.mutate({ body: { refresh: refreshOf(tokens) } }))).httpStatus,
    ).toBe(401);
    expect((await failure(() => authed(tokens).auth.profile.query())).httpStatus).toBe(401);
    expect((await authed(other.data).auth.profile.query()).data.email).toBe(identity.email);
  });

  it('logout without a refresh token and without the CSRF header: 403', async () => {
    const data = await failure(() => trpc().auth.logout.mutate({ body: {} }));
    expect(data.httpStatus).toBe(403);
    expect(data.envelope.code).toBe('FORBIDDEN');
  });

  it('logoutAll ends every sign-in of the caller', async () => {
    const { identity, tokens } = await signUpVerified();
    const other = await trpc().auth.login.mutate({
      body: { email: identity.email, password: identity.password },
    });
    const out = await authed(tokens).auth.logoutAll.mutate();
    expect(out.data.revokedSessions).toBe(2);
    expect((await failure(() => authed(other.data).auth.profile.query())).httpStatus).toBe(401);
    expect(
      (await failure(() => trpc().auth.refresh.mutate({ body: { refresh: refreshOf(other.data) } })))
        .httpStatus,
    ).toBe(401);
    expect((await failure(() => trpc().auth.logoutAll.mutate())).httpStatus).toBe(401);
  });

  it('changePassword needs the current one, keeps this sign-in and ends the others', async () => {
    const { identity, tokens } = await signUpVerified();
    const other = await trpc().auth.login.mutate({
      body: { email: identity.email, password: identity.password },
    });
    const client = authed(tokens);
    const newPassword = 'a brand new passphrase 7';

    const wrong = await failure(() =>
      client.auth.changePassword.mutate({ body: { currentPassword: 'nope nope nope', newPassword } }),
    );
    expect(wrong.httpStatus).toBe(400);
    expect(wrong.envelope.errors?.currentPassword).toBeDefined();
    const weak = await failure(() =>
      client.auth.changePassword.mutate({
        body: { currentPassword: identity.password, newPassword: 'password' },
      }),
    );
    expect(weak.httpStatus).toBe(400);
    expect(weak.envelope.errors?.newPassword).toBeDefined();
    const anonymous = await failure(() =>
      trpc().auth.changePassword.mutate({ body: { currentPassword: identity.password, newPassword } }),
    );
    expect(anonymous.httpStatus).toBe(401);

    const ok = await client.auth.changePassword.mutate({
      body: { currentPassword: identity.password, newPassword },
    });
    expect(ok).toMatchObject({ success: true, data: null });
    expect((await client.auth.profile.query()).data.email).toBe(identity.email);
    expect((await failure(() => authed(other.data).auth.profile.query())).httpStatus).toBe(401);
    const old = await failure(() =>
      trpc().auth.login.mutate({ body: { email: identity.email, password: identity.password } }),
    );
    expect(old.envelope.code).toBe('INVALID_CREDENTIALS');
    const fresh = await trpc().auth.login.mutate({ body: { email: identity.email, password: newPassword } });
    expect(fresh.data.user.id).toBe(tokens.user.id);
  });

  it('batches auth.profile and system.health into one HTTP request', async () => {
    const { identity, tokens } = await signUpVerified();
    let requests = 0;
    const client = trpc({ token: () => tokens.access, onFetch: () => requests++ });
    const [me, health] = await Promise.all([client.auth.profile.query(), client.system.health.query()]);
    expect(requests).toBe(1);
    expect(me.data.email).toBe(identity.email);
    expect(health.data.status).toBe('ok');

    // The other way round, and with a failing call in the batch: each call gets its own answer.
    requests = 0;
    const anonymous = trpc({ onFetch: () => requests++ });
    const [h2, denied] = await Promise.allSettled([
      anonymous.system.health.query(),
      anonymous.auth.profile.query(),
    ]);
    expect(requests).toBe(1);
    expect(h2.status === 'fulfilled' && h2.value.data.status).toBe('ok');
    expect(denied.status).toBe('rejected');
    expect((await failure(() => anonymous.auth.profile.query())).envelope.code).toBe('UNAUTHENTICATED');
  });

  it('the deprecated legacy.* routes are procedures too: signup, verifyEmail and login work', async () => {
    const id = newIdentity('legacy');
    const api = trpc();
    const reg = await api.legacy.signup.mutate({ body: id });
    expect(reg).toMatchObject({ success: true, data: null });
    const { uid, token } = await verificationLinkFor(sink, id.email);
    expect((await api.legacy.verifyEmail.query({ params: { uid, token } })).success).toBe(true);
    expect(
      (await failure(() => api.legacy.verifyEmail.query({ params: { uid, token } }))).envelope.code,
    ).toBe('INVALID_LINK');

    const login = await api.legacy.login.mutate({ body: { username: id.username, password: id.password } });
    expect(login.data).toMatchObject({ tokenType: 'Bearer', user: { id: uid, emailVerified: true } });
    expect((await authed(login.data).auth.profile.query()).data.username).toBe(id.username);
    const wrong = await failure(() =>
      api.legacy.login.mutate({ body: { username: id.username, password: 'wrong password here' } }),
    );
    expect(wrong.httpStatus).toBe(401);
    expect(wrong.envelope.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('calls batched into one HTTP request', () => {
  it('each get their own unit of work: a password change batched with a refresh really changes the password', async () => {
    const { identity, tokens } = await signUpVerified();
    const api = trpc({ token: () => tokens.access });
    const newPassword = 'batched change of password 9';
    const [changed, refreshed] = await Promise.all([
      api.auth.changePassword.mutate({ body: { currentPassword: identity.password, newPassword } }),
      api.auth.refresh.mutate({ body: { refresh: tokens.refresh! } }),
    ]);
    expect(changed.success).toBe(true);
    expect(refreshed.data.refresh).toEqual(expect.any(String));
    const old = await failure(() =>
      trpc().auth.login.mutate({ body: { email: identity.email, password: identity.password } }),
    );
    expect(old.httpStatus).toBe(401);
    const fresh = await trpc().auth.login.mutate({ body: { email: identity.email, password: newPassword } });
    expect(fresh.data.user.email).toBe(identity.email);
  });
});
