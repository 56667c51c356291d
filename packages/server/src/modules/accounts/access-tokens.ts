import jwt from 'jsonwebtoken';
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import type { Principal } from '../../core/principal.ts';
import { isUuid } from '../../platform/db/sql.ts';

export type AccessTokenOptions = {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now?: () => number;
};

export type AccessClaims = Principal & { sessionId: string; jti: string; expiresAt: Date };

/** Only this algorithm is accepted: a token claiming `none` or an asymmetric algorithm is refused. */
const ALGORITHM = 'HS256';

/** How far ahead of this instance's clock another instance's may run: an `iat` beyond it is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 60;

/** A refused access token: 401, with the RFC 6750 error that tells a client to get a new one. */
export const invalidToken = (message = 'Invalid or expired access token') =>
  new AppError('UNAUTHENTICATED', message, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

/**
 * Short-lived JWT access tokens. Claims: sub, email, username, role, sid (the sign-in), jti, iss, aud, iat,
 * exp. Verification pins algorithm, issuer and audience. The claims say who the token was issued to; they
 * are never trusted on their own (whoever has the signing key can write any claims).
 */
export class AccessTokens {
  readonly #o: Required<AccessTokenOptions>;

  /**
   * The secret as a key object made once: given a string, jsonwebtoken first tries (and fails) to parse it
   * as a public key on every call, which showed in profiles.
   */
  readonly #key: KeyObject;

  constructor(options: AccessTokenOptions) {
    this.#o = { now: Date.now, ...options };
    this.#key = createSecretKey(Buffer.from(options.secret));
  }

  sign(user: Principal, sessionId: string): { token: string; expiresAt: Date } {
    const iat = Math.floor(this.#o.now() / 1000);
    const exp = iat + this.#o.ttlSeconds;
    const token = jwt.sign(
      { sub: user.id, email: user.email, username: user.username, role: user.role, sid: sessionId, iat, exp },
      this.#key,
      { algorithm: ALGORITHM, issuer: this.#o.issuer, audience: this.#o.audience, jwtid: randomUUID() },
    );
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Checks the token itself: signature, algorithm, issuer, audience, expiry, no critical extension, an
   * issue time that is not in the future, and claims of the shape we sign. Whether its sign-in is live and
   * what its user may do is for the database to say (token-authenticator.ts), not for these claims.
   */
  verify(token: string): AccessClaims {
    const now = Math.floor(this.#o.now() / 1000);
    let header: jwt.JwtHeader;
    let payload: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.#key, {
        algorithms: [ALGORITHM],
        issuer: this.#o.issuer,
        audience: this.#o.audience,
        clockTimestamp: now,
        complete: true,
      });
      if (typeof decoded.payload === 'string') throw new Error('not a JSON payload');
      ({ header, payload } = decoded as jwt.Jwt & { payload: jwt.JwtPayload });
    } catch {
      throw invalidToken();
    }
    // RFC 7515 §4.1.11: a recipient must refuse a token whose `crit` lists an extension it does not
    // understand. We understand none, and jsonwebtoken does not look at `crit` at all.
    if ('crit' in header) throw invalidToken();
    const { sub, email, username, role, sid, jti, iat, exp } = payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      !isUuid(sub) ||
      typeof email !== 'string' ||
      typeof username !== 'string' ||
      (role !== 'user' && role !== 'admin') ||
      typeof sid !== 'string' ||
      !isUuid(sid) ||
      typeof jti !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    )
      throw invalidToken();
    // jsonwebtoken checks exp and nbf (no tolerance: clockTolerance is not set, and our own tokens carry no
    // nbf) but not iat. A token issued in the future was not issued by us, unless another instance's clock
    // runs a little ahead; beyond that it is refused, or a future iat could stretch a token's life.
    if (iat > now + MAX_CLOCK_SKEW_SECONDS) throw invalidToken();
    return { id: sub, email, username, role, sessionId: sid, jti, expiresAt: new Date(exp * 1000) };
  }
}
