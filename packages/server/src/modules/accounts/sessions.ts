import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '../../platform/db/orm.ts';
import { AppError } from '../../core/errors.ts';
import { Session } from './session.entity.ts';
import { SignInCache, type SignInState } from './sign-in-cache.ts';
import type { User } from './user.entity.ts';

export type SessionsOptions = {
  refreshTtlSeconds: number;
  /** How long this instance believes what the database said about a sign-in (0: ask every time). */
  cacheTtlMs: number;
  /** At most this many sign-ins are remembered. */
  cacheMaxEntries?: number;
  now?: () => Date;
};

export type IssuedRefresh = { sessionId: string; refresh: string; expiresAt: Date };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
// `<session id>.<secret>`: the id finds the family, the secret proves possession of its current token.
const TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

const invalid = () => new AppError('INVALID_REFRESH_TOKEN', 'Invalid, expired or revoked refresh token');

// One indexed lookup (the sessions primary key, then the users primary key) for everything an access
// token is checked against. Times as epoch milliseconds and the revocation as a boolean: the same types
// from pg and PGlite.
const SIGN_IN_SQL = `select s.user_id, s.revoked_at is not null as revoked,
  (extract(epoch from s.expires_at) * 1000)::float8 as expires_at,
  u.role, u.is_active, u.email, u.username
  from sessions s join users u on u.id = s.user_id where s.id = ?`;

type SignInRow = {
  user_id: string;
  revoked: boolean;
  expires_at: number;
  role: 'user' | 'admin';
  is_active: boolean;
  email: string;
  username: string;
};

/**
 * Sign-ins and their refresh tokens (RFC 9700 §4.14.2): every use rotates the token; presenting a spent
 * token revokes the whole family, since either the legitimate client or an attacker holds a copy. The
 * sessions table is the one truth about which sign-ins are live, for refresh tokens and access tokens
 * alike (`current`).
 */
export class Sessions {
  readonly #o: Required<SessionsOptions>;
  readonly #cache: SignInCache;

  constructor(options: SessionsOptions) {
    this.#o = { now: () => new Date(), cacheMaxEntries: 10_000, ...options };
    this.#cache = new SignInCache({
      ttlMs: this.#o.cacheTtlMs,
      maxEntries: this.#o.cacheMaxEntries,
      now: () => this.#o.now().getTime(),
    });
  }

  /** Starts a sign-in. The caller flushes. */
  start(em: EntityManager, user: User, client: { userAgent: string; ip: string }): IssuedRefresh {
    const secret = randomBytes(32).toString('base64url');
    const session = em.create(Session, {
      user,
      currentTokenHash: sha256(secret),
      expiresAt: new Date(this.#o.now().getTime() + this.#o.refreshTtlSeconds * 1000),
      userAgent: client.userAgent.slice(0, 255),
      ip: client.ip.slice(0, 64),
    });
    return { sessionId: session.id, refresh: `${session.id}.${secret}`, expiresAt: session.expiresAt };
  }

  /**
   * Spends `refresh` and issues its successor. The swap is a compare-and-set on the current hash, so of two
   * concurrent uses of one token exactly one wins; the loser is treated as a replay.
   */
  async rotate(em: EntityManager, refresh: string): Promise<{ session: Session; issued: IssuedRefresh }> {
    const match = TOKEN.exec(refresh);
    if (!match) throw invalid();
    const [, sessionId, secret] = match as unknown as [string, string, string];
    const session = await em.findOne(Session, { id: sessionId }, { populate: ['user'] });
    const now = this.#o.now();
    if (!session || session.revokedAt || session.expiresAt <= now) throw invalid();

    const next = randomBytes(32).toString('base64url');
    const swapped = await em.nativeUpdate(
      Session,
      { id: sessionId, currentTokenHash: sha256(secret), revokedAt: null },
      { currentTokenHash: sha256(next), generation: session.generation + 1, lastUsedAt: now },
    );
    if (swapped !== 1) {
      await this.revoke(em, [sessionId], 'reuse-detected');
      throw invalid();
    }
    em.clear();
    const fresh = await em.findOneOrFail(Session, { id: sessionId }, { populate: ['user'] });
    return {
      session: fresh,
      issued: { sessionId, refresh: `${sessionId}.${next}`, expiresAt: fresh.expiresAt },
    };
  }

  /**
   * Revokes the sign-in only if `refresh` is its current token: the session id alone (it is in every access
   * token) is not enough. A token already revoked ends nothing more and is not an error: logout is idempotent.
   */
  async revokeByToken(em: EntityManager, refresh: string, reason: string): Promise<boolean> {
    const match = TOKEN.exec(refresh);
    if (!match) return false;
    const [, sessionId, secret] = match as unknown as [string, string, string];
    const revoked = await em.nativeUpdate(
      Session,
      { id: sessionId, currentTokenHash: sha256(secret), revokedAt: null },
      { revokedAt: this.#o.now(), revokedReason: reason },
    );
    // Only when it ended something: a made-up secret must not keep someone else's sign-in out of the cache.
    if (revoked > 0) this.#cache.forgetSessions([sessionId]);
    return revoked > 0;
  }

  /**
   * Revokes sessions, their access tokens included (the authenticator asks the database, `current`);
   * returns how many were still live. One statement, so all or nothing: a failure (503) ends none of them.
   */
  async revoke(em: EntityManager, sessionIds: string[], reason: string): Promise<number> {
    if (sessionIds.length === 0) return 0;
    const revoked = await em.nativeUpdate(
      Session,
      { id: { $in: sessionIds }, revokedAt: null },
      { revokedAt: this.#o.now(), revokedReason: reason },
    );
    this.#cache.forgetSessions(sessionIds);
    return revoked;
  }

  /** Revokes every live session of a user, but `keep` (the caller's own, after a password change). */
  async revokeAllOf(em: EntityManager, userId: string, reason: string, keep?: string): Promise<number> {
    const revoked = await em.nativeUpdate(
      Session,
      { user: userId, revokedAt: null, ...(keep ? { id: { $ne: keep } } : {}) },
      { revokedAt: this.#o.now(), revokedReason: reason },
    );
    this.#cache.forgetUser(userId);
    return revoked;
  }

  /**
   * Call after changing a user's role or status: this instance stops believing what it remembered of
   * their sign-ins at once (other instances within the cache TTL).
   */
  forgetUser(userId: string): void {
    this.#cache.forgetUser(userId);
  }

  /**
   * The sign-in `sessionId` as the database has it, if it is live (not revoked, not expired): with its
   * user's id, role, status, email and username. Remembered for the cache TTL, so a signed-in request
   * costs one small query per session per TTL and none in between; a database that fails fails the
   * check (503), never "assume live".
   */
  async current(sessionId: string, em: () => EntityManager): Promise<SignInState | null> {
    const state = await this.#cache.get(sessionId, async () => {
      const [row] = await em().getConnection().execute<SignInRow[]>(SIGN_IN_SQL, [sessionId]);
      return row
        ? {
            userId: row.user_id,
            email: row.email,
            username: row.username,
            role: row.role,
            isActive: row.is_active,
            revoked: row.revoked,
            expiresAt: Number(row.expires_at),
          }
        : null;
    });
    if (!state || state.revoked || state.expiresAt <= this.#o.now().getTime()) return null;
    return state;
  }
}
