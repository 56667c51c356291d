import { assertDurationMs, type KeyValueStore, type WindowCount } from './kv.ts';

export type RateLimiterOptions = {
  store: KeyValueStore;
  /** Hits allowed per window; the next one is refused. */
  limit: number;
  windowMs: number;
  /** Names this limiter's counters, so two limiters on the same key (an IP, an account) stay apart. */
  name: string;
  /** The clock the store's `resetAt` is on; only tests that move a clock need to pass it. */
  now?: () => number;
};

export type RateLimitResult = {
  allowed: boolean;
  /** Hits still allowed in this window. */
  remaining: number;
  /** For a Retry-After header: at least 1 when refused, 0 when allowed. */
  retryAfterSeconds: number;
};

/**
 * A fixed-window limiter. Refused hits still count but never extend the window, so a client that keeps
 * trying is let in again when the window it started ends.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly name: string;
  readonly #store: KeyValueStore;
  readonly #now: () => number;

  constructor(options: RateLimiterOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`limit must be a whole number of at least 1, got ${options.limit}`);
    }
    assertDurationMs('windowMs', options.windowMs);
    // The name is the middle of a `rate:<name>:<key>` key; a colon in it could collide with another
    // limiter's keys.
    if (!/^[\w.-]+$/.test(options.name)) throw new RangeError(`Invalid rate limiter name: ${options.name}`);
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.name = options.name;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
  }

  async hit(key: string): Promise<RateLimitResult> {
    const { count, resetAt } = await this.record(key);
    const allowed = count <= this.limit;
    return {
      allowed,
      remaining: Math.max(0, this.limit - count),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((resetAt - this.#now()) / 1000)),
    };
  }

  /** Counts one hit, refusing nothing: the hits in the window so far, for a policy that grows with them. */
  record(key: string): Promise<WindowCount> {
    return this.#store.incrementWindow(this.#key(key), this.windowMs);
  }

  /**
   * Spends what is left of the key's budget and keeps it spent for `forMs` from now, whatever was left of
   * its window: every hit until then is refused, with a Retry-After counting down to that moment. A
   * penalty longer than a window, for a client that goes on failing while a target is under attack.
   */
  async exhaust(key: string, forMs: number): Promise<void> {
    assertDurationMs('forMs', forMs);
    // A counter at the limit: the next increment is over it. The store keeps this TTL through increments.
    await this.#store.set(this.#key(key), String(this.limit), forMs);
  }

  /** Forgets the key's hits, e.g. the failed sign-ins of an account that has just signed in. */
  async reset(key: string): Promise<void> {
    await this.#store.delete(this.#key(key));
  }

  #key(key: string): string {
    return `rate:${this.name}:${key}`;
  }
}
