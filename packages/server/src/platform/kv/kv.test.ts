import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/harness.ts';
import { memoryEngine, PAST_WINDOW, redisEngine, WINDOW } from '../../../test/kv-engines.ts';
import { createKeyValueStore } from './create-kv.ts';
import type { KeyValueStore } from './kv.ts';
import { MemoryStore } from './memory-store.ts';
import { DEFAULT_PREFIX, RedisStore } from './redis-store.ts';

describe.each([memoryEngine(), redisEngine()])('KeyValueStore on $name', (engine) => {
  let store: KeyValueStore;
  beforeAll(engine.setup);
  afterAll(engine.teardown);
  beforeEach(() => {
    store = engine.open();
  });
  afterEach(async () => store.close());

  it('counts increments in a window that ends windowMs after the first one', async () => {
    const before = engine.now();
    const first = await store.incrementWindow('hits', WINDOW);
    const after = engine.now();
    expect(first.count).toBe(1);
    // Redis' PTTL loses a millisecond to rounding.
    expect(first.resetAt).toBeGreaterThanOrEqual(before + WINDOW - 2);
    expect(first.resetAt).toBeLessThanOrEqual(after + WINDOW);

    expect((await store.incrementWindow('hits', WINDOW)).count).toBe(2);
    const third = await store.incrementWindow('hits', WINDOW);
    expect(third.count).toBe(3);
    // Later increments do not move the window.
    expect(Math.abs(third.resetAt - first.resetAt)).toBeLessThanOrEqual(5);
  });

  it('starts the counter again once the window has passed', async () => {
    await store.incrementWindow('hits', WINDOW);
    await store.incrementWindow('hits', WINDOW);
    await engine.elapse(WINDOW / 3);
    expect((await store.incrementWindow('hits', WINDOW)).count).toBe(3);

    await engine.elapse(PAST_WINDOW);
    const fresh = await store.incrementWindow('hits', WINDOW);
    expect(fresh.count).toBe(1);
    expect(fresh.resetAt).toBeGreaterThan(engine.now() + WINDOW - 10);
  });

  it('keeps the counters of different keys apart', async () => {
    await store.incrementWindow('a', WINDOW);
    await store.incrementWindow('a', WINDOW);
    expect((await store.incrementWindow('b', WINDOW)).count).toBe(1);
    expect((await store.incrementWindow('a', WINDOW)).count).toBe(3);
  });

  it('reads a counter as its decimal string', async () => {
    await store.incrementWindow('hits', WINDOW);
    await store.incrementWindow('hits', WINDOW);
    expect(await store.get('hits')).toBe('2');
  });

  it('stores a value until its TTL runs out', async () => {
    expect(await store.get('token')).toBeNull();
    await store.set('token', 'revoked', WINDOW);
    expect(await store.get('token')).toBe('revoked');
    await engine.elapse(WINDOW / 3);
    expect(await store.get('token')).toBe('revoked');
    await engine.elapse(PAST_WINDOW);
    expect(await store.get('token')).toBeNull();
  });

  it('replaces both the value and the TTL on a second set', async () => {
    await store.set('token', 'first', WINDOW);
    await store.set('token', 'second', 60_000);
    expect(await store.get('token')).toBe('second');
    await engine.elapse(PAST_WINDOW);
    expect(await store.get('token')).toBe('second');
  });

  it('deletes values and counters, and deleting a missing key is not an error', async () => {
    await store.set('token', 'x', 60_000);
    await store.incrementWindow('hits', 60_000);
    await store.incrementWindow('hits', 60_000);
    await store.delete('token');
    await store.delete('hits');
    await store.delete('never-set');
    expect(await store.get('token')).toBeNull();
    expect((await store.incrementWindow('hits', 60_000)).count).toBe(1);
  });

  it('refuses durations Redis would refuse', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      await expect(store.set('k', 'v', bad)).rejects.toThrow(RangeError);
      await expect(store.incrementWindow('k', bad)).rejects.toThrow(RangeError);
    }
    expect(await store.get('k')).toBeNull();
  });

  it('refuses to increment a key that holds something other than a counter', async () => {
    await store.set('token', 'not-a-number', 60_000);
    await expect(store.incrementWindow('token', WINDOW)).rejects.toThrow();
    expect(await store.get('token')).toBe('not-a-number');
  });
});

describe('MemoryStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a window exactly at resetAt', async () => {
    let clock = 1_000;
    const store = new MemoryStore({ now: () => clock });
    const { resetAt } = await store.incrementWindow('hits', WINDOW);
    expect(resetAt).toBe(1_000 + WINDOW);
    clock = resetAt - 1;
    expect((await store.incrementWindow('hits', WINDOW)).count).toBe(2);
    clock = resetAt;
    expect(await store.incrementWindow('hits', WINDOW)).toEqual({ count: 1, resetAt: resetAt + WINDOW });
    await store.close();
  });

  it('sweeps expired entries nobody reads again, and close stops the sweep', async () => {
    vi.useFakeTimers();
    let clock = 1_000;
    const store = new MemoryStore({ now: () => clock, sweepIntervalMs: 1_000 });
    await store.set('short', 'x', 100);
    await store.set('long', 'y', 60_000);
    await store.incrementWindow('hits', 100);
    expect(store.size).toBe(3);

    clock += 500;
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(1);
    expect(await store.get('long')).toBe('y');

    expect(vi.getTimerCount()).toBe(1);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(store.size).toBe(0);
  });
});

describe('RedisStore', () => {
  const redis = redisEngine();
  beforeAll(redis.setup);
  afterAll(redis.teardown);

  it('writes its keys under the prefix, with the window as their TTL', async () => {
    const prefix = `${redis.prefix}own:`;
    const store = new RedisStore({ url: TEST_REDIS_URL, prefix });
    try {
      await store.incrementWindow('hits', 60_000);
      await store.set('token', 'x', 30_000);
      const admin = redis.admin();
      expect(await admin.get(`${prefix}hits`)).toBe('1');
      expect(await admin.pttl(`${prefix}hits`)).toBeGreaterThan(59_000);
      expect(await admin.pttl(`${prefix}token`)).toBeGreaterThan(29_000);
      expect(await admin.exists('hits', 'token')).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('gives a counter that lost its TTL one again instead of keeping it forever', async () => {
    const prefix = `${redis.prefix}heal:`;
    const store = new RedisStore({ url: TEST_REDIS_URL, prefix });
    try {
      await redis.admin().set(`${prefix}hits`, '5');
      const { count, resetAt } = await store.incrementWindow('hits', 60_000);
      expect(count).toBe(6);
      expect(resetAt).toBeGreaterThan(Date.now() + 59_000);
      expect(await redis.admin().pttl(`${prefix}hits`)).toBeGreaterThan(59_000);
    } finally {
      await store.close();
    }
  });

  it(`uses ${DEFAULT_PREFIX} when no prefix is given`, async () => {
    const key = `kv-test-${randomBytes(6).toString('hex')}`;
    const store = new RedisStore({ url: TEST_REDIS_URL });
    try {
      await store.set(key, 'x', 10_000);
      expect(await redis.admin().get(`${DEFAULT_PREFIX}${key}`)).toBe('x');
    } finally {
      await store.delete(key);
      await store.close();
    }
    expect(await redis.admin().exists(`${DEFAULT_PREFIX}${key}`)).toBe(0);
  });

  it('fails a command promptly when Redis cannot be reached, rather than hanging', async () => {
    // Port 1 on loopback: nothing listens there, so every connection attempt is refused.
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: redis.prefix });
    const started = Date.now();
    try {
      await expect(store.get('anything')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await store.close();
    }
  });

  it('closes its connection', async () => {
    const store = new RedisStore({ url: TEST_REDIS_URL, prefix: redis.prefix });
    await store.get('anything');
    await store.close();
    // Redis failing is the service being unavailable (503 to a client), with the client's reason as the cause.
    await expect(store.get('anything')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      dependency: 'redis',
      cause: expect.objectContaining({ message: expect.stringMatching(/closed/i) as unknown }) as unknown,
    });
  });
});

describe('createKeyValueStore', () => {
  it('keeps state in memory when no Redis URL is given', async () => {
    const store = createKeyValueStore({});
    expect(store).toBeInstanceOf(MemoryStore);
    await store.close();
  });

  it('uses Redis, under the given prefix, when a URL is given', async () => {
    const prefix = `taskvault-test:${randomBytes(6).toString('hex')}:`;
    const store = createKeyValueStore({ redisUrl: TEST_REDIS_URL, prefix });
    const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    admin.on('error', () => {});
    try {
      expect(store).toBeInstanceOf(RedisStore);
      await store.set('token', 'x', 10_000);
      expect(await admin.get(`${prefix}token`)).toBe('x');
    } finally {
      await admin.del(`${prefix}token`);
      await admin.quit();
      await store.close();
    }
  });
});
