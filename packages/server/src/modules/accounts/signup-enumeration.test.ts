/**
 * Signup and login do not tell who has an account: a taken email gets the very answer a new
 * one gets, in the same time, and its owner an email instead; an unknown account's login takes as long as
 * a wrong password's. Over every route that serves them: REST, the legacy paths and tRPC.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { newIdentity, verificationLinkFor, type JsonClient } from '../../../test/api.ts';
import { AUTH_ROUTES } from '../../../test/auth-routes.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { OutboxMessage } from '../../platform/mail/outbox-message.entity.ts';
import { User } from './user.entity.ts';

let sink: SmtpSink;
let srv: TestServer;
let api: JsonClient;

// Every request comes from 127.0.0.1: lift the per-address limits (login-throttle.test.ts tests them).
useServerWithMail(
  { PUBLIC_URL: 'http://taskvault.test', LOGIN_IP_MAX_ATTEMPTS: '100000' },
  (env) => ({ sink, srv, api } = env),
);

const NOTICE = /tried to sign up/i;
const TRIES = 30;

/** An account made through REST (unverified; it exists, which is all a taken email needs). */
const existing = async () => {
  const identity = newIdentity('owner');
  expect((await api.post('/api/v1/auth/register', identity)).status).toBe(201);
  return identity;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

/**
 * Times `a` and `b` TRIES times each, after a warm-up of each and once the mail of the setup is sent
 * (the dispatcher runs in this process). They take turns, a-b then b-a, so drift in the machine's load
 * and whatever one leaves running in the background hit both alike. The medians, in milliseconds.
 */
async function medians(a: (i: number) => Promise<void>, b: (i: number) => Promise<void>) {
  const time = async (run: () => Promise<void>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  await a(-1);
  await b(-1);
  await vi.waitFor(
    async () => expect(await srv.orm.em.fork().count(OutboxMessage, { status: 'pending' })).toBe(0),
    { timeout: 30_000, interval: 100 },
  );
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < TRIES; i++) {
    if (i % 2) tb.push(await time(() => b(i)));
    ta.push(await time(() => a(i)));
    if (i % 2 === 0) tb.push(await time(() => b(i)));
  }
  return [median(ta), median(tb)] as const;
}

/** The one timing comparison the issue asks for, and a generous one: within 5 ms, or within 25%. */
const expectAlike = (what: string, [a, b]: readonly [number, number]) => {
  console.log(`${what}: medians ${a.toFixed(1)} ms and ${b.toFixed(1)} ms over ${TRIES} tries each`);
  expect(Math.abs(a - b), what).toBeLessThanOrEqual(Math.max(5, 0.25 * Math.max(a, b)));
};

describe.each(AUTH_ROUTES)('over $name', (routes) => {
  const register = (body: unknown) => routes.register(srv.baseUrl, body);

  it('a taken email answers exactly what a new one answers: same status, same body byte for byte', async () => {
    const owner = await existing();
    const fresh = newIdentity('fresh');
    const created = await register(fresh);
    const taken = await register({ ...newIdentity('intruder'), email: owner.email });
    const takenAgain = await register({
      ...newIdentity('intruder'),
      email: `  ${owner.email.toUpperCase()} `,
      firstName: 'Eve',
    });
    expect(created.status).toBe(routes.created);
    expect(taken.status).toBe(created.status);
    expect(taken.text).toBe(created.text);
    expect(takenAgain.text).toBe(created.text);
    expect(created.envelope).toEqual({ success: true, message: expect.any(String) as string, data: null });
    // What happened is not what was answered alike: one account each, the owner's untouched.
    const em = srv.orm.em.fork();
    expect(await em.count(User, { email: fresh.email })).toBe(1);
    expect(await em.count(User, { email: owner.email })).toBe(1);
    expect((await em.findOneOrFail(User, { email: owner.email })).username).toBe(owner.username);
  });

  it("the owner of a taken email is told by email, with a reset link that works; the intruder's password does nothing", async () => {
    const owner = await existing();
    const intruder = { ...newIdentity('intruder'), email: owner.email, password: 'intruder passphrase 77' };
    expect((await register(intruder)).status).toBe(routes.created);

    const notice = await sink.waitFor((m) => m.to.includes(owner.email) && NOTICE.test(m.subject));
    expect(notice.text).toContain(owner.username);
    expect(notice.text).not.toContain(intruder.username);
    const { uid, token } = await verificationLinkFor(sink, owner.email, 'reset-password');
    expect(notice.text).toContain(`http://taskvault.test/reset-password/${uid}/${token}`);
    expect(notice.html).toContain('Choose a new password');

    const login = (password: string) => api.post('/api/v1/auth/login', { email: owner.email, password });
    expect((await login(intruder.password)).status).toBe(401);
    const newPassword = 'owner is back in 2026';
    const reset = await api.post('/api/v1/auth/password-reset/confirm', { uid, token, newPassword });
    expect(reset.status).toBe(200);
    expect((await login(newPassword)).status).toBe(200);
  });

  it('signups of a taken email and of a new one take the same time (median of 30 each)', async () => {
    const owners = await Promise.all(Array.from({ length: TRIES + 1 }, existing));
    const result = await medians(
      async (i) => {
        const res = await register({ ...newIdentity('intruder'), email: owners[i + 1]!.email });
        expect(res.status).toBe(routes.created);
      },
      async () => {
        expect((await register(newIdentity('fresh'))).status).toBe(routes.created);
      },
    );
    expectAlike(`${routes.name}: signup, taken email vs new`, result);
  });

  it('login of an unknown account and a wrong password for a known one take the same time (median of 30 each)', async () => {
    // One failure per account, so no account's budget is reached.
    const known = await Promise.all(Array.from({ length: TRIES + 1 }, existing));
    const login = async (email: string) => {
      const res = await routes.login(srv.baseUrl, { email, password: 'not the password at all' });
      expect(res.status, res.text).toBe(401);
      expect(res.envelope.code).toBe('INVALID_CREDENTIALS');
      return res;
    };
    let unknownAnswer = '';
    let knownAnswer = '';
    const result = await medians(
      async () => {
        unknownAnswer = (await login(newIdentity('nobody').email)).text;
      },
      async (i) => {
        knownAnswer = (await login(known[i + 1]!.email)).text;
      },
    );
    expect(unknownAnswer).toBe(knownAnswer);
    expectAlike(`${routes.name}: login, unknown account vs wrong password`, result);
  });
});

describe('the notice to the owner', () => {
  it('is sent at most 3 times per window with the verification email, however often someone signs up with the address', async () => {
    const owner = await existing(); // the first of the address' 3 signup emails: its verification
    for (let i = 0; i < 5; i++) {
      const res = await api.post('/api/v1/auth/register', { ...newIdentity('intruder'), email: owner.email });
      expect(res.status).toBe(201);
    }
    const notices = await srv.orm.em
      .fork()
      .find(OutboxMessage, { to: owner.email, subject: { $like: '%tried to sign up%' } });
    expect(notices).toHaveLength(2);
  });

  it('for a deactivated account, says so and carries no reset link (a reset would not reopen it)', async () => {
    const owner = await existing();
    const em = srv.orm.em.fork();
    await em.nativeUpdate(User, { email: owner.email }, { isActive: false });
    expect((await api.post('/api/v1/auth/register', { ...newIdentity(), email: owner.email })).status).toBe(
      201,
    );
    const notice = await sink.waitFor((m) => m.to.includes(owner.email) && NOTICE.test(m.subject));
    expect(notice.text).toMatch(/deactivated/);
    expect(notice.text).not.toContain('/reset-password/');
  });

  it('a new account gets the verification email, and no notice', async () => {
    const identity = newIdentity();
    expect((await api.post('/api/v1/auth/register', identity)).status).toBe(201);
    await verificationLinkFor(sink, identity.email);
    expect(await srv.orm.em.fork().count(OutboxMessage, { to: identity.email })).toBe(1);
  });
});
