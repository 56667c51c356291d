import { assertDurationMs, type KeyValueStore, type WindowCount } from './kv.ts';

export type MemoryStoreOptions = {
  /** The clock every expiry is measured on; tests inject one they can move. */
  now?: () => number;
  /** How often expired entries that nobody reads again are dropped. */
  sweepIntervalMs?: number;
};

type Entry = { value: string; expiresAt: number };

/**
 * The store for a single process (development, tests, one-instance deployments). Expiry is checked on
 * every read, so correctness never depends on the sweep; the sweep only bounds memory.
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweep: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweep = setInterval(() => this.#dropExpired(), options.sweepIntervalMs ?? 60_000);
    // A store left open must not keep the process (or a test worker) alive.
    this.#sweep.unref();
  }

  async incrementWindow(key: string, windowMs: number): Promise<WindowCount> {
    assertDurationMs('windowMs', windowMs);
    const entry = this.#live(key);
    if (!entry) {
      const fresh = { value: '1', expiresAt: this.#now() + windowMs };
      this.#entries.set(key, fresh);
      return { count: 1, resetAt: fresh.expiresAt };
    }
    const current = Number(entry.value);
    // Redis' INCR refuses a value that is not an integer; failing here too keeps the engines alike.
    if (!Number.isSafeInteger(current)) throw new TypeError(`${key} does not hold a counter`);
    entry.value = String(current + 1);
    return { count: current + 1, resetAt: entry.expiresAt };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertDurationMs('ttlMs', ttlMs);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async ping(): Promise<void> {}

  async connected(): Promise<boolean> {
    return true;
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#entries.clear();
  }

  /** The entry under `key` if it has not expired; an expired one is dropped on the way. */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
