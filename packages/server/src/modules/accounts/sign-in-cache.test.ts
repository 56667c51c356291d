import { describe, expect, it } from 'vitest';
import { SignInCache, type SignInState } from './sign-in-cache.ts';

// The cache on its own, with a clock the test moves; server-state.test.ts checks it through real HTTP.
const state = (userId = 'u1'): SignInState => ({
  userId,
  email: `${userId}@example.com`,
  username: userId,
  role: 'user',
  isActive: true,
  revoked: false,
  expiresAt: Number.MAX_SAFE_INTEGER,
});

function setup(ttlMs = 1000, maxEntries = 100) {
  let now = 0;
  const cache = new SignInCache({ ttlMs, maxEntries, now: () => now });
  let queries = 0;
  const load =
    (answer: SignInState | null = state(), wait?: Promise<void>) =>
    async () => {
      queries++;
      await wait;
      return answer;
    };
  return {
    cache,
    load,
    queries: () => queries,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A promise and the function that settles it. */
const gate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

describe('SignInCache', () => {
  it('one query per session per TTL: a hit asks nothing, concurrent misses share one query', async () => {
    const t = setup();
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.cache.get('s1', t.load())));
    expect(answers.every((a) => a?.userId === 'u1')).toBe(true);
    expect(t.queries()).toBe(1);
    t.advance(999);
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(1);
    t.advance(1);
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(2);
  });

  it('remembers that a session does not exist, too', async () => {
    const t = setup();
    expect(await t.cache.get('nope', t.load(null))).toBeNull();
    expect(await t.cache.get('nope', t.load(state()))).toBeNull();
    expect(t.queries()).toBe(1);
  });

  it('a forgotten session is asked again, and not cached for one TTL', async () => {
    const t = setup();
    await t.cache.get('s1', t.load());
    t.cache.forgetSessions(['s1']);
    await t.cache.get('s1', t.load());
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(3);
    t.advance(1000);
    await t.cache.get('s1', t.load());
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(4);
  });

  it('forgetting a user forgets each of their sessions and no one else’s', async () => {
    const t = setup();
    await t.cache.get('a1', t.load(state('a')));
    await t.cache.get('a2', t.load(state('a')));
    await t.cache.get('b1', t.load(state('b')));
    t.cache.forgetUser('a');
    await t.cache.get('a1', t.load(state('a')));
    await t.cache.get('a2', t.load(state('a')));
    await t.cache.get('b1', t.load(state('b')));
    expect(t.queries()).toBe(5);
  });

  it('a lookup under way when the session is forgotten neither stores its answer nor serves later requests', async () => {
    const t = setup();
    const slow = gate();
    const before = t.cache.get('s1', t.load(state(), slow.promise));
    t.cache.forgetSessions(['s1']);
    const after = t.cache.get('s1', t.load({ ...state(), revoked: true }));
    expect((await after)?.revoked).toBe(true);
    slow.open();
    expect((await before)?.revoked).toBe(false);
    t.advance(1000);
    expect((await t.cache.get('s1', t.load({ ...state(), revoked: true })))?.revoked).toBe(true);
    expect(t.queries()).toBe(3);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const t = setup(1000, 3);
    for (const id of ['s1', 's2', 's3', 's4']) await t.cache.get(id, t.load());
    await t.cache.get('s4', t.load());
    await t.cache.get('s2', t.load());
    expect(t.queries()).toBe(4);
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(5);
  });

  it('a TTL of 0 caches nothing', async () => {
    const t = setup(0);
    await t.cache.get('s1', t.load());
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(2);
  });

  it('a failed query is not remembered: the next request asks again', async () => {
    const t = setup();
    await expect(
      t.cache.get('s1', async () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    await t.cache.get('s1', t.load());
    expect(t.queries()).toBe(1);
  });
});
