import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type {
  FieldErrors,
  LoginBody,
  RegisterBody,
  TokenPair,
  UpdateProfileBody,
  User as UserDto,
} from '@taskvault/contract';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RateLimiter } from '../../platform/kv/rate-limiter.ts';
import type { MailMessage } from '../../platform/mail/mail-transport.ts';
import { enqueueMail } from '../../platform/mail/outbox.ts';
import type { Principal } from '../../transport/context.ts';
import { AppError, validationError } from '../../transport/errors.ts';
import type { AccessTokens } from './access-tokens.ts';
import { emailChangedNotice, passwordResetEmail, verificationEmail } from './account-emails.ts';
import type { LinkTokens } from './link-tokens.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { checkPassword } from './password-policy.ts';
import type { Sessions } from './sessions.ts';
import { toUserDto } from './user-dto.ts';
import { User } from './user.entity.ts';
import { isUuid } from '../../platform/db/sql.ts';

export type Client = { ip: string; userAgent: string };

export type AuthLimits = {
  /** Login attempts per account (reset by a successful login). */
  loginAccount: RateLimiter;
  /** Login attempts per client address. */
  loginAddress: RateLimiter;
  /** Signups, resends and reset requests per client address. */
  accountMailAddress: RateLimiter;
  /** Resends and reset requests per email address. */
  accountMailRecipient: RateLimiter;
};

export type AccountsDeps = {
  hasher: PasswordHasher;
  accessTokens: AccessTokens;
  links: LinkTokens;
  sessions: Sessions;
  limits: AuthLimits;
  publicUrl: string;
  emailTokenTtlSeconds: number;
  requireEmailVerification: boolean;
  /** Tells the mail dispatcher that committed mail is waiting. */
  mailQueued: () => void;
  now?: () => Date;
};

export type IssuedTokens = { pair: Omit<TokenPair, 'refresh'>; refresh: string };

const invalidLink = () =>
  new AppError('INVALID_LINK', 'This link is invalid, has expired or has already been used');
const invalidCredentials = () => new AppError('INVALID_CREDENTIALS', 'Invalid email, username or password');

const rateLimited = (retryAfterSeconds: number) =>
  new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfterSeconds} seconds`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

async function enforce(limiter: RateLimiter, key: string) {
  const r = await limiter.hit(key);
  if (!r.allowed) throw rateLimited(r.retryAfterSeconds);
}

/**
 * Accounts and sign-ins: registration, verification, login, refresh, logout, profile and passwords.
 * Knows nothing of HTTP: it returns data or throws AppError. Constructed per request around the request's
 * EntityManager; every change that sends mail commits the mail with it (outbox).
 */
export class AccountsService {
  readonly #em: EntityManager;
  readonly #d: AccountsDeps;
  readonly #now: () => Date;

  constructor(em: EntityManager, deps: AccountsDeps) {
    this.#em = em;
    this.#d = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  async register(body: RegisterBody, client: Client): Promise<UserDto> {
    await enforce(this.#d.limits.accountMailAddress, client.ip);
    const errors: FieldErrors = {};
    const weak = checkPassword(body.password, { email: body.email, username: body.username });
    if (weak.length) errors.password = weak;
    Object.assign(errors, await this.#taken({ email: body.email, username: body.username }));
    if (Object.keys(errors).length) throw validationError(errors);

    const user = this.#em.create(User, {
      email: body.email,
      username: body.username,
      usernameKey: body.username.toLowerCase(),
      passwordHash: await this.#d.hasher.hash(body.password),
      firstName: body.firstName ?? '',
      lastName: body.lastName ?? '',
      emailVerifiedAt: null,
      lastLoginAt: null,
    });
    enqueueMail(this.#em, this.#verificationMail(user));
    await this.#flushUnique();
    this.#d.mailQueued();
    return toUserDto(user);
  }

  async verifyEmail(uid: string, token: string): Promise<void> {
    const user = isUuid(uid) ? await this.#em.findOne(User, { id: uid }) : null;
    if (!user || !this.#d.links.check('verify-email', user, token)) throw invalidLink();
    user.emailVerifiedAt = this.#now();
    await this.#em.flush();
  }

  /** Same answer whether or not the address has an account to verify: nothing to enumerate. */
  async resendVerification(email: string, client: Client): Promise<void> {
    await enforce(this.#d.limits.accountMailAddress, client.ip);
    await enforce(this.#d.limits.accountMailRecipient, email);
    const user = await this.#em.findOne(User, { email });
    if (!user || user.emailVerifiedAt || !user.isActive) return;
    enqueueMail(this.#em, this.#verificationMail(user));
    await this.#em.flush();
    this.#d.mailQueued();
  }

  async login(body: LoginBody, client: Client): Promise<IssuedTokens> {
    const login = (body.email ?? body.username ?? '').toLowerCase();
    await enforce(this.#d.limits.loginAddress, client.ip);
    const user = await this.#em.findOne(User, body.email ? { email: login } : { usernameKey: login });
    // Keyed by the account, not by what was typed: its email and its username share one budget.
    const accountKey = user?.id ?? `unknown:${login}`;
    await enforce(this.#d.limits.loginAccount, accountKey);
    if (!user) {
      // Spend a hash anyway, so the answer takes as long for an unknown account as for a wrong password.
      await this.#d.hasher.dummyVerify(body.password);
      throw invalidCredentials();
    }
    if (!(await this.#d.hasher.verify(user.passwordHash, body.password))) throw invalidCredentials();
    await this.#d.limits.loginAccount.reset(accountKey);
    if (!user.isActive) throw new AppError('ACCOUNT_DISABLED', 'This account has been deactivated');
    if (this.#d.requireEmailVerification && !user.emailVerifiedAt)
      throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm your email address first: we sent you a link');
    if (this.#d.hasher.needsRehash(user.passwordHash))
      user.passwordHash = await this.#d.hasher.hash(body.password);
    user.lastLoginAt = this.#now();
    const refresh = this.#d.sessions.start(this.#em, user, client);
    await this.#em.flush();
    return this.#issue(user, refresh);
  }

  async refresh(token: string): Promise<IssuedTokens> {
    const { session, issued } = await this.#d.sessions.rotate(this.#em, token);
    const user = session.user;
    if (!user.isActive) {
      await this.#d.sessions.revoke(this.#em, [session.id], 'account-disabled');
      throw new AppError('INVALID_REFRESH_TOKEN', 'Invalid, expired or revoked refresh token');
    }
    return this.#issue(user, issued);
  }

  /**
   * Ends the sign-in whose current refresh token this is. Anything else (unknown, spent, forged, already
   * revoked) ends nothing and still answers the same: logout is idempotent and reveals nothing.
   */
  async logout(token: string): Promise<void> {
    await this.#d.sessions.revokeByToken(this.#em, token, 'logout');
  }

  async logoutAll(principal: Principal): Promise<number> {
    return this.#d.sessions.revokeAllOf(this.#em, principal.id, 'logout-all');
  }

  async profile(principal: Principal): Promise<UserDto> {
    return toUserDto(await this.#current(principal));
  }

  async updateProfile(principal: Principal, body: UpdateProfileBody, client: Client): Promise<UserDto> {
    const user = await this.#current(principal);
    const emailChanged = body.email !== undefined && body.email !== user.email;
    const previousEmail = user.email;
    if (emailChanged) {
      await enforce(this.#d.limits.loginAccount, user.id);
      await enforce(this.#d.limits.accountMailAddress, client.ip);
      await enforce(this.#d.limits.accountMailRecipient, body.email!);
      if (!(await this.#d.hasher.verify(user.passwordHash, body.currentPassword ?? '')))
        throw validationError({ currentPassword: ['The current password is wrong'] });
      await this.#d.limits.loginAccount.reset(user.id);
    }
    const usernameChanged = body.username !== undefined && body.username.toLowerCase() !== user.usernameKey;
    const errors = await this.#taken({
      ...(emailChanged ? { email: body.email } : {}),
      ...(usernameChanged ? { username: body.username } : {}),
    });
    if (Object.keys(errors).length) throw validationError(errors);
    if (body.firstName !== undefined) user.firstName = body.firstName;
    if (body.lastName !== undefined) user.lastName = body.lastName;
    if (body.username !== undefined) {
      user.username = body.username;
      user.usernameKey = body.username.toLowerCase();
    }
    if (emailChanged) {
      user.email = body.email!;
      user.emailVerifiedAt = null;
      enqueueMail(this.#em, this.#verificationMail(user));
      // The old address hears about it, so an owner who did not do this can react.
      enqueueMail(
        this.#em,
        emailChangedNotice({ email: previousEmail, username: user.username }, user.email),
      );
    }
    await this.#flushUnique();
    if (emailChanged) this.#d.mailQueued();
    return toUserDto(user);
  }

  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.#current(principal);
    // Guessing the current password with a stolen token is guessing a password: same budget as login.
    await enforce(this.#d.limits.loginAccount, user.id);
    if (!(await this.#d.hasher.verify(user.passwordHash, currentPassword)))
      throw validationError({ currentPassword: ['The current password is wrong'] });
    await this.#d.limits.loginAccount.reset(user.id);
    await this.#setPassword(user, newPassword);
    await this.#d.sessions.revokeAllOf(this.#em, user.id, 'password-changed', principal.sessionId);
    await this.#em.flush();
  }

  /** Same answer whether or not the address has an account. */
  async requestPasswordReset(email: string, client: Client): Promise<void> {
    await enforce(this.#d.limits.accountMailAddress, client.ip);
    await enforce(this.#d.limits.accountMailRecipient, email);
    const user = await this.#em.findOne(User, { email });
    if (!user || !user.isActive) return;
    const link = `${this.#d.publicUrl}/reset-password/${user.id}/${this.#d.links.make('reset-password', user)}`;
    enqueueMail(this.#em, passwordResetEmail(user, link, this.#validDays()));
    await this.#em.flush();
    this.#d.mailQueued();
  }

  async confirmPasswordReset(uid: string, token: string, newPassword: string): Promise<void> {
    if (!isUuid(uid)) throw invalidLink();
    // The row stays locked from the link check to the write: two uses of one link cannot both pass.
    await this.#em.transactional(async (em) => {
      const user = await em.findOne(User, { id: uid }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user || !user.isActive || !this.#d.links.check('reset-password', user, token)) throw invalidLink();
      await this.#setPassword(user, newPassword);
      // Following the emailed link also proves the address.
      user.emailVerifiedAt ??= this.#now();
      await this.#d.sessions.revokeAllOf(em, user.id, 'password-reset');
    });
  }

  async #setPassword(user: User, password: string) {
    const weak = checkPassword(password, { email: user.email, username: user.username });
    if (weak.length) throw validationError({ newPassword: weak });
    user.passwordHash = await this.#d.hasher.hash(password);
  }

  async #current(principal: Principal): Promise<User> {
    const user = await this.#em.findOne(User, { id: principal.id });
    if (!user || !user.isActive)
      throw new AppError('UNAUTHENTICATED', 'This account no longer exists or is deactivated');
    return user;
  }

  async #taken(wanted: { email?: string | undefined; username?: string | undefined }): Promise<FieldErrors> {
    const errors: FieldErrors = {};
    if (wanted.email && (await this.#em.count(User, { email: wanted.email })))
      errors.email = ['An account with this email already exists'];
    if (wanted.username && (await this.#em.count(User, { usernameKey: wanted.username.toLowerCase() })))
      errors.username = ['This username is taken'];
    return errors;
  }

  /** Two concurrent signups can both pass #taken; the unique index decides, with the same answer. */
  async #flushUnique() {
    try {
      await this.#em.flush();
    } catch (e) {
      if (!(e instanceof UniqueConstraintViolationException)) throw e;
      this.#em.clear();
      const field = /username/.test(e.message) ? 'username' : 'email';
      throw validationError({
        [field]: [field === 'email' ? 'An account with this email already exists' : 'This username is taken'],
      });
    }
  }

  #verificationMail(user: User): MailMessage {
    const link = `${this.#d.publicUrl}/verify-email/${user.id}/${this.#d.links.make('verify-email', user)}`;
    return verificationEmail(user, link, this.#validDays());
  }

  #validDays() {
    return Math.max(1, Math.round(this.#d.emailTokenTtlSeconds / 86_400));
  }

  #issue(user: User, refresh: { sessionId: string; refresh: string; expiresAt: Date }): IssuedTokens {
    const access = this.#d.accessTokens.sign(user, refresh.sessionId);
    return {
      refresh: refresh.refresh,
      pair: {
        tokenType: 'Bearer',
        access: access.token,
        accessExpiresAt: access.expiresAt.toISOString(),
        refreshExpiresAt: refresh.expiresAt.toISOString(),
        user: toUserDto(user),
      },
    };
  }
}
