import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { KeyValueStore } from '../src/platform/kv/kv.ts';
import { MemoryStore } from '../src/platform/kv/memory-store.ts';
import { RedisStore } from '../src/platform/kv/redis-store.ts';
import { TEST_REDIS_URL } from './harness.ts';

export const WINDOW = 300;
/** Past the end of a window, with room for Redis' expiry and the round trips. */
export const PAST_WINDOW = WINDOW + 60;

/** One engine under test: memory on a clock the test moves, Redis on real time. */
export type Engine = {
  name: string;
  setup: () => Promise<void>;
  teardown: () => Promise<void>;
  open: () => KeyValueStore;
  now: () => number;
  elapse: (ms: number) => Promise<void>;
};

export function memoryEngine(): Engine {
  let clock = Date.UTC(2030, 0, 1);
  return {
    name: 'memory',
    setup: async () => {},
    teardown: async () => {},
    open: () => new MemoryStore({ now: () => clock }),
    now: () => clock,
    elapse: async (ms) => {
      clock += ms;
    },
  };
}

/** Redis under a prefix of this run's own, deleted afterwards; a Redis that is not there fails the suite. */
export function redisEngine(): Engine & { prefix: string; admin: () => Redis } {
  const prefix = `taskvault-test:${randomBytes(6).toString('hex')}:`;
  const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  admin.on('error', () => {});
  let opened = 0;
  return {
    name: 'redis',
    prefix,
    admin: () => admin,
    setup: async () => {
      await admin.connect();
      expect(await admin.ping()).toBe('PONG');
    },
    teardown: async () => {
      if (admin.status !== 'ready') return admin.disconnect();
      const keys: string[] = [];
      for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 1000 })) {
        keys.push(...(batch as string[]));
      }
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    },
    // Each store gets a prefix of its own, so tests cannot see each other's keys.
    open: () => new RedisStore({ url: TEST_REDIS_URL, prefix: `${prefix}${++opened}:` }),
    now: Date.now,
    elapse: (ms) => sleep(ms),
  };
}
