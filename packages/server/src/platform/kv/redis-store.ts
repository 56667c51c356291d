import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DependencyUnavailableError } from '../dependency.ts';
import { assertDurationMs, type KeyValueStore, type WindowCount } from './kv.ts';

/**
 * Redis failing is the service being unavailable, not a bug: callers (and clients) get 503
 * SERVICE_UNAVAILABLE, never a 500 and never a hang; the connection's own errors go to the log once
 * through the 'error' listener.
 */
const unavailableOnFailure = <T>(command: Promise<T>): Promise<T> =>
  command.catch((err: unknown) => {
    throw new DependencyUnavailableError('redis', err instanceof Error ? err.message : String(err), {
      cause: err,
    });
  });

export type RedisStoreOptions = {
  url: string;
  /** Put in front of every key, so several apps (or test runs) can share one Redis. */
  prefix?: string;
  logger?: Logger;
  /** Connecting (and reconnecting); default 1000 ms. */
  connectTimeoutMs?: number;
  /** Each command, from sending to its reply; default 500 ms. */
  commandTimeoutMs?: number;
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
  /**
   * Until the first connection is made (or its timeout passes), commands wait for it: without an offline
   * queue they would fail at once, and a store is usually used right after it is made. After that, a
   * command never waits for a connection.
   */
  #firstConnection: Promise<unknown> | undefined;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    const commandTimeout = options.commandTimeoutMs ?? 500;
    // Fail fast, reconnect in the background: a request must never wait on a Redis that is down (no offline
    // queue, no retries of a command) or frozen (the command timeout; and a socket that stays silent with
    // commands pending is dropped, so the client reconnects once Redis answers again).
    this.#redis = new Redis(options.url, {
      lazyConnect: false,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      commandTimeout,
      socketTimeout: commandTimeout * 2,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    });
    let down = false;
    // Commands already reject when Redis is down; without a listener ioredis would also print every
    // connection error to stderr on its own, at every reconnection attempt. One warning per outage.
    this.#redis.on('error', (err: Error) => {
      if (!down) options.logger?.warn({ err, dependency: 'redis' }, 'redis connection lost');
      down = true;
    });
    this.#redis.on('ready', () => {
      if (down) options.logger?.info({ dependency: 'redis' }, 'redis connection restored');
      down = false;
    });
    this.#firstConnection = this.connected(options.connectTimeoutMs ?? 1000).finally(() => {
      this.#firstConnection = undefined;
    });
  }

  async #send<T>(command: () => Promise<T>): Promise<T> {
    if (this.#firstConnection) await this.#firstConnection;
    return unavailableOnFailure(command());
  }

  async incrementWindow(key: string, windowMs: number): Promise<WindowCount> {
    assertDurationMs('windowMs', windowMs);
    const reply = await this.#send(() => this.#redis.eval(INCREMENT_WINDOW, 1, this.#key(key), windowMs));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new Error(`Unexpected reply from the increment script: ${JSON.stringify(reply)}`);
    }
    // PTTL is relative, so the window's end is placed on this process' clock, the one callers compare with.
    return { count: reply[0], resetAt: Date.now() + reply[1] };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertDurationMs('ttlMs', ttlMs);
    await this.#send(() => this.#redis.set(this.#key(key), value, 'PX', ttlMs));
  }

  async get(key: string): Promise<string | null> {
    return this.#send(() => this.#redis.get(this.#key(key)));
  }

  async delete(key: string): Promise<void> {
    await this.#send(() => this.#redis.del(this.#key(key)));
  }

  /** Answers when Redis does (readiness); rejects with DependencyUnavailableError otherwise. */
  async ping(): Promise<void> {
    await this.#send(() => this.#redis.ping());
  }

  /** Waits up to `ms` for the first connection, so a server starting with Redis does not fail its first requests. */
  async connected(ms: number): Promise<boolean> {
    if (this.#redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms).unref();
      this.#redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    // QUIT lets pending replies arrive, but it would wait on a connection that is not there.
    // A frozen Redis would not answer QUIT either: after the command timeout, just drop the connection.
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}
