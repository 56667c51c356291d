import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryEngine, PAST_WINDOW, redisEngine, WINDOW } from '../../../test/kv-engines.ts';
import type { KeyValueStore } from './kv.ts';
import { MemoryStore } from './memory-store.ts';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';

describe.each([memoryEngine(), redisEngine()])('RateLimiter on $name', (engine) => {
  let store: KeyValueStore;
  const limiter = (options: Partial<RateLimiterOptions> = {}) =>
    new RateLimiter({ store, limit: 3, windowMs: WINDOW, name: 'login', now: engine.now, ...options });

  beforeAll(engine.setup);
  afterAll(engine.teardown);
  beforeEach(() => {
    store = engine.open();
  });
  afterEach(async () => store.close());

  it('allows `limit` hits, counting down what remains, then refuses', async () => {
    const login = limiter();
    expect(await login.hit('alice')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    expect(await login.hit('alice')).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 0 });
    expect(await login.hit('alice')).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    // Under a second left in the window still means "come back in 1 second", never 0.
    expect(await login.hit('alice')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    expect(await login.hit('alice')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
  });

  it('tells a refused client how many seconds are left in the window, rounded up', async () => {
    const login = limiter({ limit: 1, windowMs: 2_500 });
    await login.hit('alice');
    expect(await login.hit('alice')).toMatchObject({ allowed: false, retryAfterSeconds: 3 });
    await engine.elapse(1_000);
    expect(await login.hit('alice')).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
  });

  it('allows the key again once the window has passed, however often it was refused', async () => {
    const login = limiter();
    for (let i = 0; i < 3; i++) await login.hit('alice');
    await engine.elapse(WINDOW / 3);
    // Refused hits count, but do not push the end of the window back.
    for (let i = 0; i < 5; i++) expect((await login.hit('alice')).allowed).toBe(false);
    await engine.elapse(PAST_WINDOW - WINDOW / 3);
    expect(await login.hit('alice')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
  });

  it('lets reset clear a refused key at once', async () => {
    const login = limiter();
    for (let i = 0; i < 4; i++) await login.hit('alice');
    expect((await login.hit('alice')).allowed).toBe(false);
    await login.reset('alice');
    expect(await login.hit('alice')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    await login.reset('never-hit');
  });

  it('record counts without refusing, past the limit too', async () => {
    const login = limiter();
    const counts = [];
    for (let i = 0; i < 5; i++) counts.push((await login.record('alice')).count);
    expect(counts).toEqual([1, 2, 3, 4, 5]);
    expect((await login.hit('alice')).allowed).toBe(false);
  });

  it('exhaust refuses the key for the time given, longer than a window, then lets it in again', async () => {
    const login = limiter();
    await login.hit('alice');
    await login.exhaust('alice', 3 * WINDOW);
    await login.exhaust('bob', 3 * WINDOW); // a key never hit
    for (const key of ['alice', 'bob']) expect((await login.hit(key)).allowed).toBe(false);
    await engine.elapse(PAST_WINDOW);
    // Refused hits do not move the end of the penalty either.
    expect((await login.hit('alice')).allowed).toBe(false);
    await engine.elapse(2 * WINDOW);
    expect(await login.hit('alice')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    await login.exhaust('carol', 2_500);
    expect(await login.hit('carol')).toMatchObject({ allowed: false, retryAfterSeconds: 3 });
  });

  it('counts each key on its own', async () => {
    const login = limiter();
    for (let i = 0; i < 4; i++) await login.hit('alice');
    expect(await login.hit('bob')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    expect((await login.hit('alice')).allowed).toBe(false);
    await login.reset('bob');
    expect((await login.hit('alice')).allowed).toBe(false);
  });

  it('keeps limiters with different names apart, and shares counts between instances of one name', async () => {
    const login = limiter({ name: 'login' });
    const signup = limiter({ name: 'signup' });
    // Another server process, limiting the same thing through the same store.
    const loginElsewhere = limiter({ name: 'login' });
    for (let i = 0; i < 3; i++) await login.hit('198.51.100.7');
    expect(await signup.hit('198.51.100.7')).toMatchObject({ allowed: true, remaining: 2 });
    expect((await loginElsewhere.hit('198.51.100.7')).allowed).toBe(false);
  });
});

describe('RateLimiter options', () => {
  const store = new MemoryStore();
  afterAll(async () => store.close());

  it('refuses a limit, window or name that cannot work', () => {
    const ok = { store, limit: 5, windowMs: 60_000, name: 'login' };
    expect(() => new RateLimiter(ok)).not.toThrow();
    for (const limit of [0, -1, 2.5]) expect(() => new RateLimiter({ ...ok, limit })).toThrow(RangeError);
    for (const windowMs of [0, 0.5]) expect(() => new RateLimiter({ ...ok, windowMs })).toThrow(RangeError);
    for (const name of ['', 'login:ip', 'with space']) {
      expect(() => new RateLimiter({ ...ok, name })).toThrow(RangeError);
    }
  });
});
