/** What the database says about a sign-in: its session row with the columns of its user that matter. */
export type SignInState = {
  userId: string;
  email: string;
  username: string;
  role: 'user' | 'admin';
  isActive: boolean;
  revoked: boolean;
  /** The session's end (its refresh token's expiry), in ms since the epoch. */
  expiresAt: number;
};

export type SignInCacheOptions = {
  /** How long a state read from the database is believed; 0 turns the cache off. */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
};

type Entry = { state: SignInState | null; until: number };

/**
 * A short memory, in this process, of what the database said about sign-ins (null: no such session),
 * keyed by session id, so that a signed-in request costs at most one query per session per `ttlMs`, and
 * none while the answer is remembered.
 *
 * What this instance changes, it forgets at once: `forgetSessions` (a revocation) and `forgetUser` (a role
 * or status change) drop the entries and keep the keys out of the cache for one TTL, so neither a lookup
 * already under way nor one made before the change commits (a revocation inside a larger transaction)
 * can put the old state back. Changes made elsewhere (another instance, the create-admin command, SQL)
 * are seen within one TTL.
 */
export class SignInCache {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  /** Insertion order is eviction order: every entry lives as long, so the first is the next to expire. */
  readonly #entries = new Map<string, Entry>();
  /** Keys (session ids, `user:<id>`) forgotten recently, and until when nothing is cached for them. */
  readonly #forgotten = new Map<string, number>();
  /** Lookups under way, shared by concurrent requests of one sign-in: one query, not one per request. */
  readonly #loading = new Map<string, Promise<SignInState | null>>();
  /** Bumped by every forget: a lookup that started before one does not store its answer. */
  #epoch = 0;
  /** Set when too much was forgotten at once to track key by key: nothing is cached until then. */
  #pausedUntil = 0;

  constructor(options: SignInCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** The remembered state of `sessionId`, or `load`'s answer (remembered for the TTL). */
  async get(sessionId: string, load: () => Promise<SignInState | null>): Promise<SignInState | null> {
    const hit = this.#entries.get(sessionId);
    if (hit && hit.until > this.#now()) return hit.state;
    if (hit) this.#entries.delete(sessionId);
    const pending = this.#loading.get(sessionId);
    if (pending) return pending;

    const epoch = this.#epoch;
    const loading = load();
    this.#loading.set(sessionId, loading);
    try {
      const state = await loading;
      if (epoch === this.#epoch) this.#store(sessionId, state);
      return state;
    } finally {
      if (this.#loading.get(sessionId) === loading) this.#loading.delete(sessionId);
    }
  }

  forgetSessions(sessionIds: readonly string[]): void {
    for (const id of sessionIds) {
      this.#entries.delete(id);
      this.#mark(id);
    }
    this.#invalidateLoads();
  }

  forgetUser(userId: string): void {
    for (const [id, entry] of this.#entries) if (entry.state?.userId === userId) this.#entries.delete(id);
    this.#mark(`user:${userId}`);
    this.#invalidateLoads();
  }

  #store(sessionId: string, state: SignInState | null) {
    const now = this.#now();
    if (this.#ttlMs === 0 || now < this.#pausedUntil) return;
    if (this.#isForgotten(sessionId, now) || (state && this.#isForgotten(`user:${state.userId}`, now)))
      return;
    this.#entries.set(sessionId, { state, until: now + this.#ttlMs });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  #isForgotten(key: string, now: number) {
    const until = this.#forgotten.get(key);
    return until !== undefined && until > now;
  }

  #mark(key: string) {
    const now = this.#now();
    // Every mark lives as long, so the expired ones are at the front.
    for (const [k, until] of this.#forgotten) {
      if (until > now) break;
      this.#forgotten.delete(k);
    }
    this.#forgotten.delete(key);
    this.#forgotten.set(key, now + this.#ttlMs);
    if (this.#forgotten.size > this.#max) {
      // Too many to track one by one: forget everything and cache nothing for a TTL, which is always safe.
      this.#entries.clear();
      this.#forgotten.clear();
      this.#pausedUntil = now + this.#ttlMs;
    }
  }

  /** Requests that arrive after a forget must not join a lookup that may have read the old state. */
  #invalidateLoads() {
    this.#epoch++;
    this.#loading.clear();
  }
}
