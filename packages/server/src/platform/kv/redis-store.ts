import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../../transport/errors.ts';
import { assertDurationMs, type KeyValueStore, type WindowCount } from './kv.ts';

/**
 * Redis unreachable is the service being unavailable, not a bug: callers (and clients) get 503
 * SERVICE_UNAVAILABLE instead of a 500, and the error itself goes to the log through the 'error' listener.
 */
const unavailableOnFailure = <T>(command: Promise<T>): Promise<T> =>
  command.catch((err: unknown) => {
    throw new AppError('SERVICE_UNAVAILABLE', 'A backing service is unavailable; try again shortly', {
      cause: err,
    });
  });

export type RedisStoreOptions = {
  url: string;
  /** Put in front of every key, so several apps (or test runs) can share one Redis. */
  prefix?: string;
  logger?: Logger;
};

export const DEFAULT_PREFIX = 'taskvault:';

/**
 * INCR and the expiry in one script, so a counter can never be left without a TTL (a crash between two
 * separate commands would leave a key that locks its owner out forever). The expiry is set whenever the
 * key has none, which covers the first increment and heals any key that lost its TTL some other way.
 */
const INCREMENT_WINDOW = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** The store shared by every instance of the server. */
export class RedisStore implements KeyValueStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    // Few retries per command: a request waiting on an unreachable Redis should fail within moments, not
    // hang until the client gives up reconnecting.
    this.#redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
    // Commands already reject when Redis is down; without a listener ioredis would also print every
    // connection error to stderr on its own.
    this.#redis.on('error', (err: Error) => options.logger?.warn({ err }, 'redis connection error'));
  }

  async incrementWindow(key: string, windowMs: number): Promise<WindowCount> {
    assertDurationMs('windowMs', windowMs);
    const reply = await unavailableOnFailure(this.#redis.eval(INCREMENT_WINDOW, 1, this.#key(key), windowMs));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new Error(`Unexpected reply from the increment script: ${JSON.stringify(reply)}`);
    }
    // PTTL is relative, so the window's end is placed on this process' clock, the one callers compare with.
    return { count: reply[0], resetAt: Date.now() + reply[1] };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertDurationMs('ttlMs', ttlMs);
    await unavailableOnFailure(this.#redis.set(this.#key(key), value, 'PX', ttlMs));
  }

  async get(key: string): Promise<string | null> {
    return unavailableOnFailure(this.#redis.get(this.#key(key)));
  }

  async delete(key: string): Promise<void> {
    await unavailableOnFailure(this.#redis.del(this.#key(key)));
  }

  async close(): Promise<void> {
    // QUIT lets pending replies arrive, but it would wait on a connection that is not there.
    if (this.#redis.status === 'ready') await this.#redis.quit();
    else this.#redis.disconnect();
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}
