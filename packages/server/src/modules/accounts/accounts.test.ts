import type { TokenPair, User } from '@taskvault/contract';
import { describe, expect, it } from 'vitest';
import {
  newIdentity,
  signUpVerifiedUser,
  verificationLinkFor,
  type Err,
  type JsonClient,
  type Ok,
} from '../../../test/api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { User as UserEntity } from './user.entity.ts';

let sink: SmtpSink;
let srv: TestServer;
let api: JsonClient;

// Every test here signs up from 127.0.0.1: per-address limits are tested in security.test.ts.
useServerWithMail(
  { PUBLIC_URL: 'http://taskvault.test', LOGIN_IP_MAX_ATTEMPTS: '10000' },
  (env) => ({ sink, srv, api } = env),
);

const v1 = '/api/v1/auth';

describe('register', () => {
  it('creates the account, answers 201 with no data, and emails a verification link', async () => {
    const id = newIdentity();
    const res = await api.post<Ok<null>>(`${v1}/register`, {
      ...id,
      email: `  ${id.email.toUpperCase()} `,
      firstName: 'Ann',
    });
    expect(res.status).toBe(201);
    expect(res.body.message).toMatch(/verification/i);
    // No user: it would tell a new account from an email that has one (signup-enumeration.test.ts).
    expect(res.body).toEqual({ success: true, message: res.body.message, data: null });

    const { mail, uid } = await verificationLinkFor(sink, id.email);
    expect(mail.subject).toMatch(/confirm/i);
    expect(mail.text).toContain(`http://taskvault.test/verify-email/${uid}/`);
    expect(mail.html).toContain('Confirm email address');
    const row = await srv.orm.em.fork().findOneOrFail(UserEntity, { id: uid });
    expect(row).toMatchObject({ email: id.email, username: id.username, firstName: 'Ann', role: 'user' });
    expect(row.emailVerifiedAt).toBeNull();
  });

  it('refuses invalid data with 400 naming each field', async () => {
    const res = await api.post<Err>(`${v1}/register`, {
      email: 'not-an-email',
      username: 'a b',
      password: 'short',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.errors ?? {}).sort()).toEqual(['email', 'password', 'username']);
  });

  it("refuses weak passwords with the policy's reasons", async () => {
    const id = newIdentity();
    for (const password of ['password123', '1234567890', `${id.username}99`]) {
      const res = await api.post<Err>(`${v1}/register`, { ...id, password });
      expect(res.status, password).toBe(400);
      expect(res.body.errors?.password?.length, password).toBeGreaterThan(0);
    }
  });

  it('answers a taken email as a new one (no account is made), and refuses a taken username in any case', async () => {
    const id = newIdentity();
    const first = await api.post(`${v1}/register`, id);
    expect(first.status).toBe(201);
    const again = await api.post(`${v1}/register`, { ...newIdentity(), email: id.email.toUpperCase() });
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(await srv.orm.em.fork().count(UserEntity, { email: id.email })).toBe(1);
    const sameName = await api.post<Err>(`${v1}/register`, {
      ...newIdentity(),
      username: id.username.toUpperCase(),
    });
    expect(sameName.status).toBe(400);
    expect(sameName.body.errors).toEqual({ username: ['This username is taken'] });
  });

  it('rejects unknown fields such as a self-assigned role', async () => {
    const res = await api.post<Err>(`${v1}/register`, { ...newIdentity(), role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ role: ['Unknown field'] });
  });

  it('two concurrent signups with the same email: exactly one account, the same answer to both', async () => {
    const id = newIdentity();
    const results = await Promise.all([
      api.post(`${v1}/register`, id),
      api.post(`${v1}/register`, { ...newIdentity(), email: id.email }),
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    expect(results[0].body).toEqual(results[1].body);
    expect(await srv.orm.em.fork().count(UserEntity, { email: id.email })).toBe(1);
  });
});

describe('email verification', () => {
  it('the emailed link verifies once; a second use, a tampered or malformed link: 400 INVALID_LINK', async () => {
    const id = newIdentity();
    await api.post(`${v1}/register`, id);
    const { uid, token } = await verificationLinkFor(sink, id.email);
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await api.get<Err>(`${v1}/verify-email/${uid}/${tampered}`)).body.code).toBe('INVALID_LINK');
    expect((await api.get<Err>(`${v1}/verify-email/not-a-uid/${token}`)).status).toBe(400);
    expect((await api.get<Err>(`${v1}/verify-email/${uid}/garbage`)).status).toBe(400);

    const ok = await api.get<Ok<null>>(`${v1}/verify-email/${uid}/${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body.message).toMatch(/verified/i);
    const again = await api.get<Err>(`${v1}/verify-email/${uid}/${token}`);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_LINK');
  });

  it('the deprecated file-sharing path verifies the same way', async () => {
    const id = newIdentity();
    await api.post(`/api/signup/`, id);
    const { uid, token } = await verificationLinkFor(sink, id.email);
    expect((await api.get(`/api/verify-email/${uid}/${token}/`)).status).toBe(200);
    expect((await api.get(`/api/verify-email/${uid}/${token}/`)).status).toBe(400);
  });

  it('resend answers 202 alike for unknown and known addresses, and sends a fresh link to the known one', async () => {
    const id = newIdentity();
    await api.post(`${v1}/register`, id);
    const unknown = await api.post<Ok<null>>(`${v1}/verify-email/resend`, {
      email: 'nobody-here@example.com',
    });
    const known = await api.post<Ok<null>>(`${v1}/verify-email/resend`, { email: id.email });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    await sink.waitFor(() => sink.messages.filter((m) => m.to.includes(id.email)).length === 2);
  });
});

describe('login', () => {
  it('before verification: 403 EMAIL_NOT_VERIFIED; after: 200 with the token pair', async () => {
    const id = newIdentity();
    await api.post(`${v1}/register`, id);
    const early = await api.post<Err>(`${v1}/login`, { email: id.email, password: id.password });
    expect(early.status).toBe(403);
    expect(early.body.code).toBe('EMAIL_NOT_VERIFIED');

    const { uid, token } = await verificationLinkFor(sink, id.email);
    await api.get(`${v1}/verify-email/${uid}/${token}`);
    const res = await api.post<Ok<TokenPair>>(`${v1}/login`, {
      username: id.username.toUpperCase(),
      password: id.password,
    });
    expect(res.status).toBe(200);
    const pair = res.body.data;
    expect(pair).toMatchObject({ tokenType: 'Bearer', user: { email: id.email, emailVerified: true } });
    expect(pair.refresh).toEqual(expect.any(String));
    expect(new Date(pair.accessExpiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    const claims = JSON.parse(Buffer.from(pair.access.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      sub: pair.user.id,
      email: id.email,
      username: id.username,
      role: 'user',
      iss: 'taskvault',
      aud: 'taskvault-api',
    });
    expect(claims.jti).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toMatch(/argon2/);
  });

  it('unknown user and wrong password get the same 401', async () => {
    const { identity } = await signUpVerifiedUser(srv, sink);
    const wrong = await api.post<Err>(`${v1}/login`, {
      email: identity.email,
      password: 'not the password at all',
    });
    const unknown = await api.post<Err>(`${v1}/login`, {
      email: 'ghost@example.com',
      password: 'not the password at all',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('needs exactly one of email and username', async () => {
    const both = await api.post<Err>(`${v1}/login`, { email: 'a@example.com', username: 'a', password: 'x' });
    expect(both.status).toBe(400);
    expect(both.body.errors?.email).toBeDefined();
    expect((await api.post<Err>(`${v1}/login`, { password: 'x' })).status).toBe(400);
  });

  it('the deprecated /api/login/ logs in with username and password', async () => {
    const { identity } = await signUpVerifiedUser(srv, sink);
    const res = await api.post<Ok<TokenPair>>('/api/login/', {
      username: identity.username,
      password: identity.password,
    });
    expect(res.status).toBe(200);
    expect(
      (await api.post('/api/login/', { username: identity.username, password: 'wrong password here' }))
        .status,
    ).toBe(401);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; replaying a spent one revokes the whole family', async () => {
    const { tokens } = await signUpVerifiedUser(srv, sink);
    const first = await api.post<Ok<TokenPair>>(`${v1}/refresh`, { refresh: tokens.refresh });
    expect(first.status).toBe(200);
    const second = await api.post<Ok<TokenPair>>(`${v1}/refresh`, { refresh: first.body.data.refresh });
    expect(second.status).toBe(200);
    expect(second.body.data.refresh).not.toBe(first.body.data.refresh);

    const replay = await api.post<Err>(`${v1}/refresh`, { refresh: tokens.refresh });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('INVALID_REFRESH_TOKEN');
    // The newest token of the family died with it, and so did its access token.
    expect((await api.post(`${v1}/refresh`, { refresh: second.body.data.refresh })).status).toBe(401);
    expect((await api.get(`${v1}/profile`, { token: second.body.data.access })).status).toBe(401);
  });

  it('garbage, forged and unknown refresh tokens: 401', async () => {
    for (const refresh of ['x', `${crypto.randomUUID()}.${'A'.repeat(43)}`, 'a'.repeat(300)]) {
      expect((await api.post(`${v1}/refresh`, { refresh })).status, refresh).toBe(401);
    }
  });

  it('logout revokes that sign-in only', async () => {
    const { identity, tokens } = await signUpVerifiedUser(srv, sink);
    const other = await api.post<Ok<TokenPair>>(`${v1}/login`, {
      email: identity.email,
      password: identity.password,
    });
    expect((await api.post(`${v1}/logout`, { refresh: tokens.refresh })).status).toBe(200);
    expect((await api.post(`${v1}/logout`, { refresh: tokens.refresh })).status).toBe(200);
    expect((await api.post(`${v1}/refresh`, { refresh: tokens.refresh })).status).toBe(401);
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(401);
    expect((await api.get(`${v1}/profile`, { token: other.body.data.access })).status).toBe(200);
  });

  it('logout-all revokes every sign-in', async () => {
    const { identity, tokens } = await signUpVerifiedUser(srv, sink);
    const other = await api.post<Ok<TokenPair>>(`${v1}/login`, {
      email: identity.email,
      password: identity.password,
    });
    const res = await api.post<Ok<{ revokedSessions: number }>>(`${v1}/logout-all`, undefined, {
      token: tokens.access,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.revokedSessions).toBe(2);
    expect((await api.post(`${v1}/refresh`, { refresh: other.body.data.refresh })).status).toBe(401);
    expect((await api.get(`${v1}/profile`, { token: other.body.data.access })).status).toBe(401);
  });
});

describe('refresh token in an HttpOnly cookie', () => {
  it('login sets the cookie and returns no refresh token; refresh and logout read it with the CSRF header', async () => {
    const { identity } = await signUpVerifiedUser(srv, sink);
    const login = await api.post<Ok<TokenPair>>(`${v1}/login`, {
      email: identity.email,
      password: identity.password,
      refreshTransport: 'cookie',
    });
    expect(login.status).toBe(200);
    expect(login.body.data.refresh).toBeNull();
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^tv_refresh=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/api\/v1\/auth/);
    const cookie = setCookie.split(';')[0]!;

    const noCsrf = await api.post<Err>(`${v1}/refresh`, {}, { headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    // No body at all: the cookie is the whole request (a `{}` is not needed).
    const refreshed = await api.post<Ok<TokenPair>>(`${v1}/refresh`, undefined, {
      headers: { cookie, 'x-taskvault-csrf': '1' },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.refresh).toBeNull();
    const next = (refreshed.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(next).not.toBe(cookie);

    const out = await api.post(`${v1}/logout`, undefined, {
      headers: { cookie: next, 'x-taskvault-csrf': '1' },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/tv_refresh=;/);
    expect(
      (await api.post(`${v1}/refresh`, {}, { headers: { cookie: next, 'x-taskvault-csrf': '1' } })).status,
    ).toBe(401);
  });
});

describe('profile', () => {
  it('needs a token; shows and updates the caller', async () => {
    expect((await api.get<Err>(`${v1}/profile`)).status).toBe(401);
    const { tokens, identity } = await signUpVerifiedUser(srv, sink);
    const me = await api.get<Ok<User>>(`${v1}/profile`, { token: tokens.access });
    expect(me.body.data.email).toBe(identity.email);
    const changed = await api.patch<Ok<User>>(
      `${v1}/profile`,
      { firstName: 'Grace', lastName: 'Hopper' },
      { token: tokens.access },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', emailVerified: true });
    expect((await api.patch<Err>(`${v1}/profile`, {}, { token: tokens.access })).status).toBe(400);
  });

  it('a new email needs the current password, makes the account unverified, links the new address and tells the old one', async () => {
    const { tokens, identity } = await signUpVerifiedUser(srv, sink);
    const newEmail = newIdentity().email;
    const without = await api.patch<Err>(`${v1}/profile`, { email: newEmail }, { token: tokens.access });
    expect(without.status).toBe(400);
    expect(without.body.errors?.currentPassword).toBeDefined();
    const wrong = await api.patch<Err>(
      `${v1}/profile`,
      { email: newEmail, currentPassword: 'not it at all' },
      { token: tokens.access },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual({ currentPassword: ['The current password is wrong'] });

    const res = await api.patch<Ok<User>>(
      `${v1}/profile`,
      { email: newEmail, currentPassword: identity.password },
      { token: tokens.access },
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ email: newEmail, emailVerified: false });
    const { uid, token } = await verificationLinkFor(sink, newEmail);
    const notice = await sink.waitFor((m) => m.to.includes(identity.email) && /was changed/.test(m.subject));
    expect(notice.text).toContain(newEmail);
    expect((await api.get(`${v1}/verify-email/${uid}/${token}`)).status).toBe(200);
  });

  it('a taken username: 400 naming it', async () => {
    const a = await signUpVerifiedUser(srv, sink);
    const b = await signUpVerifiedUser(srv, sink);
    const res = await api.patch<Err>(
      `${v1}/profile`,
      { username: a.identity.username },
      { token: b.tokens.access },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ username: ['This username is taken'] });
  });
});

describe('passwords', () => {
  it('change-password needs the current one, keeps this session and ends the others', async () => {
    const { identity, tokens } = await signUpVerifiedUser(srv, sink);
    const other = await api.post<Ok<TokenPair>>(`${v1}/login`, {
      email: identity.email,
      password: identity.password,
    });
    const wrong = await api.post<Err>(
      `${v1}/change-password`,
      { currentPassword: 'nope nope nope', newPassword: 'a brand new passphrase 7' },
      { token: tokens.access },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors?.currentPassword).toBeDefined();
    const weak = await api.post<Err>(
      `${v1}/change-password`,
      { currentPassword: identity.password, newPassword: 'password' },
      { token: tokens.access },
    );
    expect(weak.status).toBe(400);
    expect(weak.body.errors?.newPassword).toBeDefined();

    const ok = await api.post(
      `${v1}/change-password`,
      { currentPassword: identity.password, newPassword: 'a brand new passphrase 7' },
      { token: tokens.access },
    );
    expect(ok.status).toBe(200);
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(200);
    expect((await api.post(`${v1}/refresh`, { refresh: tokens.refresh })).status).toBe(200);
    expect((await api.get(`${v1}/profile`, { token: other.body.data.access })).status).toBe(401);
    expect((await api.post(`${v1}/refresh`, { refresh: other.body.data.refresh })).status).toBe(401);
    expect(
      (await api.post(`${v1}/login`, { email: identity.email, password: identity.password })).status,
    ).toBe(401);
    expect(
      (await api.post(`${v1}/login`, { email: identity.email, password: 'a brand new passphrase 7' })).status,
    ).toBe(200);
  });

  it('reset: 202 alike for anyone; the emailed link works once and ends every session', async () => {
    const { identity, tokens } = await signUpVerifiedUser(srv, sink);
    const ghost = await api.post<Ok<null>>(`${v1}/password-reset`, { email: 'ghost-reset@example.com' });
    const real = await api.post<Ok<null>>(`${v1}/password-reset`, { email: identity.email });
    expect(ghost.status).toBe(202);
    expect(real.body).toEqual(ghost.body);
    const { uid, token } = await verificationLinkFor(sink, identity.email, 'reset-password');

    const weak = await api.post<Err>(`${v1}/password-reset/confirm`, { uid, token, newPassword: '12345678' });
    expect(weak.status).toBe(400);
    const ok = await api.post(`${v1}/password-reset/confirm`, {
      uid,
      token,
      newPassword: 'reset worked fine 2026',
    });
    expect(ok.status).toBe(200);
    const again = await api.post<Err>(`${v1}/password-reset/confirm`, {
      uid,
      token,
      newPassword: 'another one entirely 9',
    });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_LINK');
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(401);
    expect(
      (await api.post(`${v1}/login`, { email: identity.email, password: 'reset worked fine 2026' })).status,
    ).toBe(200);
  });
});
