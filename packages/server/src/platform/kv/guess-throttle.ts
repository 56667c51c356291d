import type { KeyValueStore } from './kv.ts';
import { RateLimiter, type RateLimitResult } from './rate-limiter.ts';

export type GuessThrottleOptions = {
  store: KeyValueStore;
  /** Names the throttle's counters (`<name>-source`, `<name>-pair`, `<name>-target`). */
  name: string;
  windowMs: number;
  /** Attempts per source (a client address) per window, whatever the target: one source guessing many. */
  perSource: number;
  /** Failed attempts per source on one target (an account) per window; a success clears them. */
  perPair: number;
  /**
   * Failed attempts on one target from all sources per window before the target counts as under
   * distributed attack: from then on, one failure holds its source off that target (see `failed`).
   */
  perTarget: number;
  /** The longest a source is held off a target. */
  maxRefusalMs: number;
  now?: () => number;
};

/**
 * Throttles guessing of a secret (a password) without handing anybody a lockout: account lockout lets
 * anyone lock the owner out (OWASP Authentication Cheat Sheet), so nothing here refuses a source for
 * failures that are not its own.
 *
 * - Per source, across targets: `perSource` attempts per window.
 * - Per (target, source): `perPair` failures per window, then refused until the window ends. This is
 *   the budget that bites: a source that keeps failing on a target is the one refused.
 * - Per target, from all sources: past `perTarget` failures in a window, each further failure spends its
 *   source's whole budget on that target for a refusal window that doubles with every further
 *   `perTarget` failures (one window, two, four, ... up to `maxRefusalMs`). Sources that have not failed
 *   are still checked as usual, so the owner signs in from anywhere they have not failed themselves.
 *
 * The target's count is never cleared by a success (the owner signing in must not hand attackers a fresh
 * budget); it ends with its window. Counts are checked before an attempt and added after it, so a burst
 * of concurrent attempts from one source can pass its pair budget by the number in flight; the
 * per-source budget, counted atomically up front, still bounds them.
 */
export class GuessThrottle {
  readonly #source: RateLimiter;
  readonly #pair: RateLimiter;
  readonly #target: RateLimiter;
  readonly #windowMs: number;
  readonly #maxRefusalMs: number;

  constructor(o: GuessThrottleOptions) {
    const limiter = (suffix: string, limit: number) =>
      new RateLimiter({
        store: o.store,
        name: `${o.name}-${suffix}`,
        limit,
        windowMs: o.windowMs,
        ...(o.now ? { now: o.now } : {}),
      });
    this.#source = limiter('source', o.perSource);
    this.#pair = limiter('pair', o.perPair);
    this.#target = limiter('target', o.perTarget);
    this.#windowMs = o.windowMs;
    this.#maxRefusalMs = Math.max(o.maxRefusalMs, o.windowMs);
  }

  /** Before the secret is checked: refused when the source, or the source on this target, is over budget. */
  async attempt(target: string, source: string): Promise<RateLimitResult> {
    const bySource = await this.#source.hit(source);
    if (!bySource.allowed) return bySource;
    // Attempts since the pair's last success: its failures so far, plus this one.
    return this.#pair.hit(pairKey(target, source));
  }

  /** After a wrong secret. */
  async failed(target: string, source: string): Promise<void> {
    const { count } = await this.#target.record(target);
    if (count < this.#target.limit) return;
    const doublings = Math.floor(count / this.#target.limit) - 1;
    const refusalMs = Math.min(this.#windowMs * 2 ** Math.min(doublings, 30), this.#maxRefusalMs);
    await this.#pair.exhaust(pairKey(target, source), refusalMs);
  }

  /** After the right secret: the source's failures on the target are forgotten, the target's are not. */
  async succeeded(target: string, source: string): Promise<void> {
    await this.#pair.reset(pairKey(target, source));
  }
}

// A source is a client address, which never holds a `|`: the key cannot be read two ways.
const pairKey = (target: string, source: string) => `${source}|${target}`;
