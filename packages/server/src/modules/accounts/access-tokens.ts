import jwt from 'jsonwebtoken';
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { AppError } from '../../transport/errors.ts';
import type { Principal } from '../../transport/context.ts';

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

/**
 * Short-lived JWT access tokens. Claims: sub, email, username, role, sid (the sign-in), jti, iss, aud, iat,
 * exp. Verification pins algorithm, issuer and audience.
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

  verify(token: string): AccessClaims {
    let payload: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.#key, {
        algorithms: [ALGORITHM],
        issuer: this.#o.issuer,
        audience: this.#o.audience,
        clockTimestamp: Math.floor(this.#o.now() / 1000),
      });
      if (typeof decoded === 'string') throw new Error('not a JSON payload');
      payload = decoded;
    } catch {
      throw new AppError('UNAUTHENTICATED', 'Invalid or expired access token', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    const { sub, email, username, role, sid, jti, exp } = payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      typeof email !== 'string' ||
      typeof username !== 'string' ||
      (role !== 'user' && role !== 'admin') ||
      typeof sid !== 'string' ||
      typeof jti !== 'string' ||
      typeof exp !== 'number'
    )
      throw new AppError('UNAUTHENTICATED', 'Invalid or expired access token');
    return { id: sub, email, username, role, sessionId: sid, jti, expiresAt: new Date(exp * 1000) };
  }
}
