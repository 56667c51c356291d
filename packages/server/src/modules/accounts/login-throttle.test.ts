/**
 * Password guessing is throttled without handing anybody a lockout: an attacker's failures
 * refuse the attacker's address, never the owner signing in from an address of their own. Client
 * addresses come from X-Forwarded-For, which the server trusts from loopback (TRUST_PROXY=loopback).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newIdentity } from '../../../test/api.ts';
import { AUTH_ROUTES, freshAddress, type AuthAnswer } from '../../../test/auth-routes.ts';
import { startTestServer, TEST_REDIS_URL, type TestServer } from '../../../test/harness.ts';

const PER_PAIR = 5; // LOGIN_MAX_FAILURES, the default
const PER_ADDRESS = 30; // LOGIN_IP_MAX_ATTEMPTS, the default
const PER_ACCOUNT = 20; // LOGIN_ACCOUNT_MAX_FAILURES, lowered from 50 to keep the test short
const WINDOW = 900; // AUTH_RATE_WINDOW_SECONDS, the default

const kvEngines: Array<{ engine: string; env: Record<string, string> }> = [
  { engine: 'in-process memory', env: {} },
  { engine: 'Redis', env: { REDIS_URL: TEST_REDIS_URL } },
];

describe.each(kvEngines)('login throttling on $engine', ({ env }) => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      TRUST_PROXY: 'loopback',
      REQUIRE_EMAIL_VERIFICATION: 'false',
      LOGIN_ACCOUNT_MAX_FAILURES: String(PER_ACCOUNT),
      ...env,
    });
    expect(srv.config.auth).toMatchObject({
      loginMaxFailures: PER_PAIR,
      loginIpMaxAttempts: PER_ADDRESS,
      rateWindowSeconds: WINDOW,
    });
  });
  afterAll(async () => srv.close());

  describe.each(AUTH_ROUTES)('over $name', (routes) => {
    /** An account that can sign in at once, made from an address of its own. */
    const account = async () => {
      const identity = newIdentity('throttle');
      const res = await routes.register(srv.baseUrl, identity, { address: freshAddress() });
      expect(res.status, res.text).toBe(routes.created);
      return identity;
    };
    const login = (identity: { email: string }, password: string, address: string) =>
      routes.login(srv.baseUrl, { email: identity.email, password }, { address });
    const refused = (a: AuthAnswer, atLeast = 1, atMost = WINDOW) => {
      expect(a.status, a.text).toBe(429);
      expect(a.envelope).toMatchObject({ success: false, code: 'RATE_LIMITED' });
      const seconds = Number(a.retryAfter);
      expect(seconds).toBeGreaterThanOrEqual(atLeast);
      expect(seconds).toBeLessThanOrEqual(atMost);
      return seconds;
    };

    it("an attacker failing again and again does not lock the owner out: only the attacker's address is refused", async () => {
      const owner = await account();
      const attacker = freshAddress();
      const statuses = [];
      for (let i = 0; i < 15; i++) statuses.push((await login(owner, `guess number ${i}`, attacker)).status);
      expect(statuses).toEqual([
        ...Array<number>(PER_PAIR).fill(401),
        ...Array<number>(15 - PER_PAIR).fill(429),
      ]);
      // The attacker's address is refused even with the right password, with a Retry-After...
      refused(await login(owner, owner.password, attacker));
      // ...while the owner, from an address of their own, signs in.
      const signedIn = await login(owner, owner.password, freshAddress());
      expect(signedIn.status, signedIn.text).toBe(200);
      expect(signedIn.envelope.data).toMatchObject({ user: { email: owner.email } });
      // And the attacker, on an account it has not failed on, is only a client like any other.
      const other = await account();
      expect((await login(other, other.password, attacker)).status).toBe(200);
    });

    it('the owner failing a few times from their own address keeps their budget, and signing in clears it', async () => {
      const owner = await account();
      const home = freshAddress();
      for (let i = 0; i < PER_PAIR - 1; i++) expect((await login(owner, `typo ${i}`, home)).status).toBe(401);
      expect((await login(owner, owner.password, home)).status).toBe(200);
      for (let i = 0; i < PER_PAIR; i++) expect((await login(owner, `typo ${i}`, home)).status).toBe(401);
      refused(await login(owner, owner.password, home));
    });

    it('one address guessing many accounts stays throttled: 429 with Retry-After past its attempts per window', async () => {
      const attacker = freshAddress();
      const owners = [await account(), await account()];
      const statuses = [];
      // Unknown accounts and known ones alike; one guess each, so no account's own budget is reached.
      for (let i = 0; i < PER_ADDRESS; i++) {
        const target = owners[i] ?? newIdentity('nobody');
        statuses.push((await login(target, 'a guess at it', attacker)).status);
      }
      expect(statuses).toEqual(Array(PER_ADDRESS).fill(401));
      refused(await login({ email: 'someone-else@example.com' }, 'a guess at it', attacker));
      refused(await login(owners[0]!, owners[0]!.password, attacker));
      // The accounts themselves are untouched.
      expect((await login(owners[0]!, owners[0]!.password, freshAddress())).status).toBe(200);
    });

    it('distributed guessing (many addresses, one account) is still throttled, and still locks nobody out', async () => {
      const owner = await account();
      const early = Array.from({ length: PER_ACCOUNT - 1 }, freshAddress);
      // Under the account's budget, every address has its own budget of failures.
      for (const address of early) expect((await login(owner, 'a guess', address)).status).toBe(401);
      expect((await login(owner, 'a second guess', early[0]!)).status).toBe(401); // failure PER_ACCOUNT
      // From here on, one failure holds its address off the account for a refusal window.
      refused(await login(owner, 'a third guess', early[0]!), WINDOW - 5, WINDOW);
      for (const address of early.slice(1, 6)) {
        expect((await login(owner, 'a second guess', address)).status).toBe(401);
        refused(await login(owner, 'a third guess', address), WINDOW - 5, WINDOW);
      }
      const newcomer = freshAddress();
      expect((await login(owner, 'a guess', newcomer)).status).toBe(401);
      // Refused even with the right password: this address failed on this account.
      refused(await login(owner, owner.password, newcomer), WINDOW - 5, WINDOW);

      // The owner, from an address that has not failed, signs in; the attack is not forgotten for it.
      expect((await login(owner, owner.password, freshAddress())).status).toBe(200);
      for (let i = 0; i < 2 * PER_ACCOUNT - 27; i++) await login(owner, 'more guessing', freshAddress());
      // Failure 2 * PER_ACCOUNT: the refusal window doubles.
      const late = freshAddress();
      expect((await login(owner, 'a guess', late)).status).toBe(401);
      refused(await login(owner, 'again', late), 2 * WINDOW - 5, 2 * WINDOW);
      expect((await login(owner, owner.password, freshAddress())).status).toBe(200);
    });
  });
});
