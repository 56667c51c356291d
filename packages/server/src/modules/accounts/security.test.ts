import type { TokenPair } from '@taskvault/contract';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  jsonClient,
  newIdentity,
  signUpVerifiedUser,
  verificationLinkFor,
  type Err,
} from '../../../test/api.ts';
import { startTestServer, TEST_REDIS_URL, testConfig, type TestServer } from '../../../test/harness.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { OutboxMessage } from '../../platform/mail/outbox-message.entity.ts';
import { User } from './user.entity.ts';

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => sink.close());

const v1 = '/api/v1/auth';

describe('forged and stale access tokens', () => {
  let srv: TestServer;
  let tokens: TokenPair;
  beforeAll(async () => {
    srv = await startTestServer({ SMTP_URL: sink.url });
    ({ tokens } = await signUpVerifiedUser(srv, sink));
  });
  afterAll(async () => srv.close());

  const secret = () => testConfig().auth.jwtSecret!;
  const claims = () => {
    const { iat: _iat, exp: _exp, ...rest } = jwt.decode(tokens.access) as jwt.JwtPayload;
    return rest;
  };
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

  const forged: Array<[string, () => string]> = [
    [
      'alg none',
      () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), exp: Math.floor(Date.now() / 1000) + 600 })}.`,
    ],
    [
      'a different secret',
      () => jwt.sign(claims(), 'some-other-secret-of-enough-length-0123456789', { expiresIn: 600 }),
    ],
    [
      'HS512 with the right secret',
      () => jwt.sign(claims(), secret(), { algorithm: 'HS512', expiresIn: 600 }),
    ],
    [
      'the wrong audience',
      () => jwt.sign({ ...claims(), aud: 'someone-else' }, secret(), { expiresIn: 600 }),
    ],
    ['the wrong issuer', () => jwt.sign({ ...claims(), iss: 'evil' }, secret(), { expiresIn: 600 })],
    ['an expired token', () => jwt.sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 5 }, secret())],
    [
      'a role raised by editing the payload',
      () => {
        const [h, , s] = tokens.access.split('.');
        return `${h}.${b64({ ...(jwt.decode(tokens.access) as object), role: 'admin' })}.${s}`;
      },
    ],
    ['garbage', () => 'not.a.jwt'],
  ];

  it('the genuine token works', async () => {
    expect((await jsonClient(srv.baseUrl).get(`${v1}/profile`, { token: tokens.access })).status).toBe(200);
  });

  it.each(forged)('%s: 401', async (_name, make) => {
    const res = await jsonClient(srv.baseUrl).get<Err>(`${v1}/profile`, { token: make() });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
  });

  it('a header that is not a Bearer token: 401', async () => {
    const res = await fetch(`${srv.baseUrl}${v1}/profile`, {
      headers: { authorization: `Basic ${btoa('a:b')}` },
    });
    expect(res.status).toBe(401);
  });
});

const kvEngines: Array<{ engine: string; env: Record<string, string> }> = [
  { engine: 'in-process memory', env: {} },
  { engine: 'Redis', env: { REDIS_URL: TEST_REDIS_URL } },
];
describe.each(kvEngines)('rate limits and revocation on $engine', ({ env }) => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      SMTP_URL: sink.url,
      LOGIN_MAX_FAILURES: '3',
      LOGIN_IP_MAX_ATTEMPTS: '1000',
      ...env,
    });
  });
  afterAll(async () => srv.close());

  it('blocks the address that keeps failing on an account with 429 and Retry-After, even with the right password', async () => {
    const api = jsonClient(srv.baseUrl);
    const { identity } = await signUpVerifiedUser(srv, sink);
    const attempt = (password: string) => api.post<Err>(`${v1}/login`, { email: identity.email, password });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password number x')).status).toBe(401);
    const blocked = await attempt(identity.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(testConfig().auth.rateWindowSeconds);
    // Another account is not affected.
    const other = await signUpVerifiedUser(srv, sink);
    expect(other.tokens.access).toBeTruthy();
  });

  it("a successful login clears the account's failures", async () => {
    const api = jsonClient(srv.baseUrl);
    const { identity } = await signUpVerifiedUser(srv, sink); // one successful login already
    const attempt = (password: string) => api.post(`${v1}/login`, { email: identity.email, password });
    expect((await attempt('wrong password number x')).status).toBe(401);
    expect((await attempt(identity.password)).status).toBe(200);
    expect((await attempt('wrong password number y')).status).toBe(401);
    expect((await attempt('wrong password number z')).status).toBe(401);
    expect((await attempt(identity.password)).status).toBe(200);
  });

  it("a revoked sign-in's access token is refused at once", async () => {
    const api = jsonClient(srv.baseUrl);
    const { tokens } = await signUpVerifiedUser(srv, sink);
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(200);
    await api.post(`${v1}/logout`, { refresh: tokens.refresh });
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(401);
  });
});

describe('Redis unreachable', () => {
  let srv: TestServer;
  beforeAll(async () => {
    // A port nothing listens on: every kv command fails.
    srv = await startTestServer({ SMTP_URL: sink.url, REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => srv.close());

  it('login answers 503 SERVICE_UNAVAILABLE in the envelope, not a 500', async () => {
    const res = await jsonClient(srv.baseUrl).post<Err>(`${v1}/login`, {
      email: 'a@example.com',
      password: 'whatever it is',
    });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('rate limit per client address', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ SMTP_URL: sink.url, LOGIN_IP_MAX_ATTEMPTS: '4' });
  });
  afterAll(async () => srv.close());

  it('counts attempts across accounts from one address', async () => {
    const api = jsonClient(srv.baseUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await api.post(`${v1}/login`, { email: `nobody${i}@example.com`, password: 'whatever it is' }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });
});

describe('mail delivery', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ SMTP_URL: sink.url });
  });
  afterAll(async () => srv.close());

  it('an SMTP outage at signup fails no request and loses no email: it is retried until delivered', async () => {
    sink.failNext(1);
    const id = newIdentity();
    const res = await jsonClient(srv.baseUrl).post(`${v1}/register`, id);
    expect(res.status).toBe(201);
    const { uid } = await verificationLinkFor(sink, id.email);
    // The dispatcher records the delivery just after the server accepted it.
    const row = await vi.waitFor(async () => {
      const r = await srv.orm.em.fork().findOneOrFail(OutboxMessage, { to: id.email });
      expect(r.status).toBe('sent');
      return r;
    });
    expect(row.attempts).toBe(2);
    expect(row.lastError).toMatch(/451/);
    expect(uid).toBe((await srv.orm.em.fork().findOneOrFail(User, { email: id.email })).id);
  });

  it('a signup refused by validation queues no email', async () => {
    const id = newIdentity();
    expect(
      (await jsonClient(srv.baseUrl).post(`${v1}/register`, { ...id, password: 'password' })).status,
    ).toBe(400);
    expect(await srv.orm.em.fork().count(OutboxMessage, { to: id.email })).toBe(0);
  });
});
