import type { ErrorEnvelope, TokenPair } from '@taskvault/contract';
import { expect } from 'vitest';
import { createAdmin } from '../src/modules/accounts/create-admin.ts';
import { PasswordHasher } from '../src/modules/accounts/password-hasher.ts';
import type { SmtpSink } from './smtp-sink.ts';
import type { TestServer } from './harness.ts';

export type Res<T = unknown> = { status: number; body: T; headers: Headers };

export type JsonClient = ReturnType<typeof jsonClient>;

/** JSON over real HTTP, with an optional bearer token and extra headers. */
export function jsonClient(baseUrl: string) {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    init: { token?: string; headers?: Record<string, string> } = {},
  ): Promise<Res<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...init.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  };
  return {
    get: <T = unknown>(path: string, init?: { token?: string; headers?: Record<string, string> }) =>
      call<T>('GET', path, undefined, init),
    post: <T = unknown>(
      path: string,
      body?: unknown,
      init?: { token?: string; headers?: Record<string, string> },
    ) => call<T>('POST', path, body, init),
    patch: <T = unknown>(path: string, body?: unknown, init?: { token?: string }) =>
      call<T>('PATCH', path, body, init),
    delete: <T = unknown>(path: string, init?: { token?: string }) =>
      call<T>('DELETE', path, undefined, init),
  };
}

export type Ok<T> = { success: true; message: string; data: T };
export type Err = ErrorEnvelope;

/** The error envelope, exactly: success false, a message, the code, and nothing but `errors` besides. */
export function expectError(res: Res<unknown>, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const body = res.body as Err;
  expect(body).toMatchObject({ success: false, code });
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(Object.keys(body).filter((k) => !['success', 'message', 'code', 'errors'].includes(k))).toEqual([]);
  return body;
}

/** A 400 VALIDATION_FAILED that names exactly these fields. */
export function expectInvalid(res: Res<unknown>, fields: string[]) {
  const body = expectError(res, 400, 'VALIDATION_FAILED');
  expect(Object.keys(body.errors ?? {}).sort(), JSON.stringify(body)).toEqual([...fields].sort());
  return body;
}

/** The refresh token of a pair; fails the test when there is none (it is null when it went in a cookie). */
export const refreshOf = (pair: TokenPair): string => {
  expect(pair.refresh).toEqual(expect.any(String));
  return pair.refresh!;
};

let counter = 0;
/** A fresh, valid identity: unique within the run, with a password the policy accepts. */
export const newIdentity = (prefix = 'user') => {
  const n = `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
  return { email: `${n}@example.com`, username: n, password: 'correct horse battery staple 42' };
};

/** The verification link in the email the sink received for `email`, as `{ uid, token }`. */
export async function verificationLinkFor(
  sink: SmtpSink,
  email: string,
  kind: 'verify-email' | 'reset-password' = 'verify-email',
) {
  const mail = await sink.waitFor((m) => m.to.includes(email) && m.text.includes(`/${kind}/`));
  const match = new RegExp(`https?://[^\\s]+/${kind}/([^/\\s]+)/([^/\\s]+)`).exec(mail.text);
  expect(match, `a ${kind} link in the email to ${email}`).not.toBeNull();
  return { uid: match![1]!, token: match![2]!, mail };
}

/** Registers through the API, follows the emailed link, and logs in. */
export async function signUpVerifiedUser(srv: TestServer, sink: SmtpSink, identity = newIdentity()) {
  const api = jsonClient(srv.baseUrl);
  const reg = await api.post('/api/v1/auth/register', identity);
  expect(reg.status).toBe(201);
  const { uid, token } = await verificationLinkFor(sink, identity.email);
  expect((await api.get(`/api/v1/auth/verify-email/${uid}/${token}`)).status).toBe(200);
  const login = await api.post<Ok<TokenPair>>('/api/v1/auth/login', {
    email: identity.email,
    password: identity.password,
  });
  expect(login.status).toBe(200);
  // Signup answers no user (it would tell a taken email from a new one): the sign-in says who it is.
  return { identity, user: login.body.data.user, tokens: login.body.data };
}

/** An administrator made the way an operator makes the first one, then logged in through the API. */
export async function adminSession(srv: TestServer, identity = newIdentity('admin')) {
  await createAdmin(srv.orm.em.fork(), new PasswordHasher(), identity);
  const login = await jsonClient(srv.baseUrl).post<Ok<TokenPair>>('/api/v1/auth/login', {
    email: identity.email,
    password: identity.password,
  });
  expect(login.status).toBe(200);
  return { identity, tokens: login.body.data };
}

/**
 * Registers a fresh identity and signs it in, where email verification is not required
 * (REQUIRE_EMAIL_VERIFICATION=false); the token pair of the new sign-in.
 */
export async function registerAndLogin(baseUrl: string, prefix = 'user'): Promise<TokenPair> {
  const api = jsonClient(baseUrl);
  const identity = newIdentity(prefix);
  const registered = await api.post('/api/v1/auth/register', identity);
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const login = await api.post<Ok<TokenPair>>('/api/v1/auth/login', {
    email: identity.email,
    password: identity.password,
  });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return login.body.data;
}
