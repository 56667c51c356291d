import { LockMode } from '@mikro-orm/core';
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { KeyValueStore } from '../../platform/kv/kv.ts';
import { AppError } from '../../transport/errors.ts';
import { Session } from './session.entity.ts';
import type { User } from './user.entity.ts';

export type SessionsOptions = {
  kv: KeyValueStore;
  refreshTtlSeconds: number;
  /** Access tokens of a revoked session are refused until they would have expired anyway. */
  accessTtlSeconds: number;
  now?: () => Date;
};

export type IssuedRefresh = { sessionId: string; refresh: string; expiresAt: Date };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const revokedKey = (sessionId: string) => `revoked-session:${sessionId}`;
// `<session id>.<secret>`: the id finds the family, the secret proves possession of its current token.
const TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

const invalid = () => new AppError('INVALID_REFRESH_TOKEN', 'Invalid, expired or revoked refresh token');

/**
 * Sign-ins and their refresh tokens (RFC 9700 §4.14.2): every use rotates the token; presenting a spent
 * token revokes the whole family, since either the legitimate client or an attacker holds a copy.
 */
export class Sessions {
  readonly #o: Required<SessionsOptions>;

  constructor(options: SessionsOptions) {
    this.#o = { now: () => new Date(), ...options };
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
   * token) is not enough. A sign-in already revoked with this token has its access-token revocation written
   * again, so a logout retried after a failure never leaves a live access token behind.
   */
  async revokeByToken(em: EntityManager, refresh: string, reason: string): Promise<boolean> {
    const match = TOKEN.exec(refresh);
    if (!match) return false;
    const [, sessionId, secret] = match as unknown as [string, string, string];
    const known = await em.count(Session, { id: sessionId, currentTokenHash: sha256(secret) });
    if (known === 0) return false;
    return (await this.revoke(em, [sessionId], reason)) > 0;
  }

  /**
   * Revokes sessions and refuses their access tokens from now on; returns how many were still live. All or
   * nothing, as the client sees it: the rows change in a transaction that commits only once the kv store
   * has the revocations, so a kv outage (503) leaves every sign-in as it was. A kv entry written by a
   * transaction that then failed is harmless: `isRevoked` asks the database before believing it.
   */
  async revoke(em: EntityManager, sessionIds: string[], reason: string): Promise<number> {
    if (sessionIds.length === 0) return 0;
    return em.transactional(async (tx) => {
      const live = await tx.find(
        Session,
        { id: { $in: sessionIds }, revokedAt: null },
        { fields: ['id'], lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
      );
      if (live.length > 0)
        await tx.nativeUpdate(
          Session,
          { id: { $in: live.map((s) => s.id) } },
          { revokedAt: this.#o.now(), revokedReason: reason },
        );
      // Every id, live or not: re-asserting an earlier revocation costs nothing and heals a lost entry.
      await Promise.all(
        sessionIds.map((id) => this.#o.kv.set(revokedKey(id), reason, this.#o.accessTtlSeconds * 1000)),
      );
      return live.length;
    });
  }

  /** Revokes every live session of a user, but `keep` (the caller's own, after a password change). */
  async revokeAllOf(em: EntityManager, userId: string, reason: string, keep?: string): Promise<number> {
    const live = await em.find(
      Session,
      { user: userId, revokedAt: null, ...(keep ? { id: { $ne: keep } } : {}) },
      { fields: ['id'] },
    );
    return this.revoke(
      em,
      live.map((s) => s.id),
      reason,
    );
  }

  /**
   * Whether access tokens of this sign-in are refused. The kv store answers for every request; the
   * database is asked only about the few sign-ins the kv store calls revoked, and has the last word: an
   * entry left by a revocation whose transaction rolled back (a logout answered 503 because Redis froze
   * after taking the write) must not end a sign-in the client was told is still there. Either store
   * failing fails the check (503): a revocation is never assumed away.
   */
  async isRevoked(sessionId: string, em: () => EntityManager): Promise<boolean> {
    if ((await this.#o.kv.get(revokedKey(sessionId))) === null) return false;
    return (await em().count(Session, { id: sessionId, revokedAt: null })) === 0;
  }
}
