/** A fixed-window counter after one increment. */
export type WindowCount = {
  /** Increments so far in the current window, this one included. */
  count: number;
  /** When the window ends and the counter starts again from zero, in epoch milliseconds. */
  resetAt: number;
};

/**
 * The small, expiring key-value store behind rate limits and token revocation. Everything in it may
 * vanish when its TTL runs out (or, in memory, when the process stops), so it only ever holds state that
 * is safe to lose that way. Implementations: `MemoryStore` (one process) and `RedisStore` (shared).
 */
export interface KeyValueStore {
  /** Atomically adds one to `key`; the first increment starts a window that ends `windowMs` later. */
  incrementWindow(key: string, windowMs: number): Promise<WindowCount>;
  /** Stores `value` under `key` for `ttlMs`, replacing any value and TTL it had. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `key`, or null when there is none or it has expired. */
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Resolves when the store answers; rejects (DependencyUnavailableError) when it does not. */
  ping(): Promise<void>;
  /** Waits up to `ms` for the store to be connected; false if it is not by then. */
  connected(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Both engines refuse what Redis would refuse, so a bad duration fails the same way in a test on memory as
 * in production on Redis instead of surfacing only there.
 */
export function assertDurationMs(name: string, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError(`${name} must be a positive whole number of milliseconds, got ${ms}`);
  }
}
