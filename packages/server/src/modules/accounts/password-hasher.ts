import { randomBytes } from 'node:crypto';
import * as argon2 from '@node-rs/argon2';

export type PasswordHashParams = {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over that memory. */
  timeCost: number;
  parallelism: number;
};

/** The OWASP minimum for Argon2id (19 MiB, 2 passes, 1 lane): strong enough, ~25 ms per hash. */
export const DEFAULT_PASSWORD_HASH_PARAMS: Readonly<PasswordHashParams> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

// argon2's `Algorithm` is a const enum, which type stripping cannot inline.
const ARGON2ID = 2;

// The hash of a random string nobody kept, made with the default params: verifying against it costs what
// a real verification costs, and no password can match it.
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$VZmQiR5JC4se8K9uln3WiQ$SI9OyC4mele8EV02jeGCpKC5TrnHLrXMg+Fvmj6mEek';

const PHC_PREFIX = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

/** The params an Argon2id (v1.3) hash was made with; undefined for anything else. */
const parseParams = (hash: string): PasswordHashParams | undefined => {
  const m = PHC_PREFIX.exec(hash);
  return m ? { memoryCost: Number(m[1]), timeCost: Number(m[2]), parallelism: Number(m[3]) } : undefined;
};

/**
 * Argon2id hashing. @node-rs/argon2's async functions run on the libuv threadpool, not the event loop,
 * so hashing never stalls other requests; at most UV_THREADPOOL_SIZE (4 by default) hashes run at once,
 * which also bounds the memory they take.
 */
export class PasswordHasher {
  readonly #params: Readonly<PasswordHashParams>;
  #dummyHash: Promise<string> | undefined;

  constructor(params: Partial<PasswordHashParams> = {}) {
    this.#params = Object.freeze({ ...DEFAULT_PASSWORD_HASH_PARAMS, ...params });
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { ...this.#params, algorithm: ARGON2ID });
  }

  /** False for a wrong password and for a stored hash that cannot be decoded (never throws for either). */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the time of a real verification, for sign-ins of unknown accounts: answering those faster
   * would tell an attacker which accounts exist.
   */
  async dummyVerify(password: string): Promise<void> {
    // The cost comes from the params inside the hash, so custom params need a dummy of their own (made
    // once, on first use).
    this.#dummyHash ??= this.#isCurrent(DUMMY_HASH)
      ? Promise.resolve(DUMMY_HASH)
      : this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.#dummyHash, password);
  }

  /**
   * True when a stored hash is weaker than the current params (or not Argon2id v1.3 at all), so it
   * should be replaced after the next successful verification, while the password is at hand.
   */
  needsRehash(hash: string): boolean {
    const used = parseParams(hash);
    if (!used) return true;
    return used.memoryCost < this.#params.memoryCost || used.timeCost < this.#params.timeCost;
  }

  #isCurrent(hash: string): boolean {
    const used = parseParams(hash);
    return (
      used?.memoryCost === this.#params.memoryCost &&
      used.timeCost === this.#params.timeCost &&
      used.parallelism === this.#params.parallelism
    );
  }
}
