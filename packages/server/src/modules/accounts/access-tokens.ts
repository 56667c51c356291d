import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
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

  constructor(options: AccessTokenOptions) {
    this.#o = { now: Date.now, ...options };
  }

  sign(user: Principal, sessionId: string): { token: string; expiresAt: Date } {
    const iat = Math.floor(this.#o.now() / 1000);
    const exp = iat + this.#o.ttlSeconds;
    const token = jwt.sign(
      { sub: user.id, email: user.email, username: user.username, role: user.role, sid: sessionId, iat, exp },
      this.#o.secret,
      { algorithm: ALGORITHM, issuer: this.#o.issuer, audience: this.#o.audience, jwtid: randomUUID() },
    );
    return { token, expiresAt: new Date(exp * 1000) };
  }

  verify(token: string): AccessClaims {
    let payload: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.#o.secret, {
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
