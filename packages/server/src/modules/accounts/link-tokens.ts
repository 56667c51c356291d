import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'verify-email' | 'reset-password';

/** What a link is bound to: once any of it changes, every link made before stops working. */
export type LinkSubject = {
  id: string;
  email: string;
  passwordHash: string;
  emailVerifiedAt?: Date | null | undefined;
  lastLoginAt?: Date | null | undefined;
};

/**
 * Stateless single-use links in the manner of Django's PasswordResetTokenGenerator: the token is
 * `<timestamp base36>-<HMAC>` over the purpose, the user and the parts of their state the link changes.
 * Verifying an email sets emailVerifiedAt; resetting a password changes the hash: either way the old
 * link no longer matches. Nothing is stored.
 */
export class LinkTokens {
  readonly #secret: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  constructor(options: { secret: string; ttlSeconds: number; now?: () => number }) {
    this.#secret = options.secret;
    this.#ttlSeconds = options.ttlSeconds;
    this.#now = options.now ?? Date.now;
  }

  make(purpose: LinkPurpose, user: LinkSubject): string {
    const ts = Math.floor(this.#now() / 1000);
    return `${ts.toString(36)}-${this.#mac(purpose, user, ts)}`;
  }

  check(purpose: LinkPurpose, user: LinkSubject, token: string): boolean {
    const match = /^([0-9a-z]{1,13})-([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return false;
    const ts = parseInt(match[1]!, 36);
    const age = Math.floor(this.#now() / 1000) - ts;
    if (!Number.isSafeInteger(ts) || age < 0 || age > this.#ttlSeconds) return false;
    const expected = Buffer.from(this.#mac(purpose, user, ts));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  #mac(purpose: LinkPurpose, user: LinkSubject, ts: number): string {
    const state = [
      purpose,
      user.id,
      user.email,
      user.passwordHash,
      user.emailVerifiedAt?.toISOString() ?? '',
      purpose === 'reset-password' ? (user.lastLoginAt?.toISOString() ?? '') : '',
      String(ts),
    ].join('\u0000');
    return createHmac('sha256', `${this.#secret}:links`).update(state).digest('base64url');
  }
}
