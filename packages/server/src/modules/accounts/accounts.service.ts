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
import type { GuessThrottle } from '../../platform/kv/guess-throttle.ts';
import type { RateLimiter } from '../../platform/kv/rate-limiter.ts';
import type { MailMessage } from '../../platform/mail/mail-transport.ts';
import { enqueueMail } from '../../platform/mail/outbox.ts';
import type { Principal } from '../../core/principal.ts';
import { AppError, validationError } from '../../core/errors.ts';
import type { AccessTokens } from './access-tokens.ts';
import {
  emailChangedNotice,
  passwordResetEmail,
  signupAttemptNotice,
  verificationEmail,
} from './account-emails.ts';
import type { LinkTokens } from './link-tokens.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { checkPassword } from './password-policy.ts';
import type { Sessions } from './sessions.ts';
import { toUserDto } from './user-dto.ts';
import { User } from './user.entity.ts';
import { isUuid } from '../../platform/db/sql.ts';

export type Client = { ip: string; userAgent: string };

export type AuthLimits = {
  /**
   * Password guessing at login: per client address, per (account, address), and per account from all
   * addresses, without ever refusing an address for failures that are not its own (`GuessThrottle`).
   */
  login: GuessThrottle;
  /** A signed-in user's current-password checks (change password, change email), per account. */
  loginAccount: RateLimiter;
  /** Signups, resends and reset requests per client address. */
  accountMailAddress: RateLimiter;
  /** Resends and reset requests per email address. */
  accountMailRecipient: RateLimiter;
  /** "Someone tried to sign up with your address" emails per address: signups cannot flood an inbox. */
  signupNotice: RateLimiter;
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
const USERNAME_TAKEN = 'This username is taken';
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

  /**
   * Signs up, or, when the email already has an account, tells its owner by email instead: the caller
   * cannot tell which happened, neither from the answer (nothing is returned) nor from its time (the
   * password is hashed and one transaction with mail commits either way, until the address has had its
   * signup emails for the window). Usernames are public, so a taken one is still refused by name.
   */
  async register(body: RegisterBody, client: Client): Promise<void> {
    await enforce(this.#d.limits.accountMailAddress, client.ip);
    const errors: FieldErrors = {};
    const weak = checkPassword(body.password, { email: body.email, username: body.username });
    if (weak.length) errors.password = weak;
    Object.assign(errors, await this.#taken({ username: body.username }));
    if (Object.keys(errors).length) throw validationError(errors);

    const passwordHash = await this.#d.hasher.hash(body.password);
    // Counted for new addresses too, so both paths make the same round trips.
    const notice = await this.#d.limits.signupNotice.hit(body.email);
    const owner = await this.#em.findOne(User, { email: body.email });
    if (owner) return this.#signupAttempted(owner, notice.allowed);
    const user = this.#em.create(User, {
      email: body.email,
      username: body.username,
      usernameKey: body.username.toLowerCase(),
      passwordHash,
      firstName: body.firstName ?? '',
      lastName: body.lastName ?? '',
      emailVerifiedAt: null,
      lastLoginAt: null,
    });
    enqueueMail(this.#em, this.#verificationMail(user));
    try {
      await this.#em.flush();
    } catch (e) {
      // A concurrent signup took the username or the email between the checks and the insert.
      if (!(e instanceof UniqueConstraintViolationException)) throw e;
      this.#em.clear();
      if (/username/.test(e.message)) throw validationError({ username: [USERNAME_TAKEN] });
      const winner = await this.#em.findOneOrFail(User, { email: body.email });
      return this.#signupAttempted(winner, notice.allowed);
    }
    this.#d.mailQueued();
  }

  /** A signup with the address of an existing account: its owner hears of it, with a way back in. */
  async #signupAttempted(owner: User, notify: boolean): Promise<void> {
    if (!notify) return;
    enqueueMail(
      this.#em,
      signupAttemptNotice(owner, owner.isActive ? this.#resetLink(owner) : null, this.#validDays()),
    );
    await this.#em.flush();
    this.#d.mailQueued();
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
    const user = await this.#em.findOne(User, body.email ? { email: login } : { usernameKey: login });
    // Keyed by the account, not by what was typed: its email and its username share one budget. An
    // unknown account gets a budget of its own like any other, so the limits tell nothing either.
    const accountKey = user?.id ?? `unknown:${login}`;
    const allowed = await this.#d.limits.login.attempt(accountKey, client.ip);
    if (!allowed.allowed) throw rateLimited(allowed.retryAfterSeconds);
    // An unknown account spends a hash too, so its answer takes as long as a wrong password's.
    let right = false;
    if (user) right = await this.#d.hasher.verify(user.passwordHash, body.password);
    else await this.#d.hasher.dummyVerify(body.password);
    if (!user || !right) {
      await this.#d.limits.login.failed(accountKey, client.ip);
      throw invalidCredentials();
    }
    await this.#d.limits.login.succeeded(accountKey, client.ip);
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
    enqueueMail(this.#em, passwordResetEmail(user, this.#resetLink(user), this.#validDays()));
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
      errors.username = [USERNAME_TAKEN];
    return errors;
  }

  /** Two concurrent profile changes can both pass #taken; the unique index decides, with the same answer. */
  async #flushUnique() {
    try {
      await this.#em.flush();
    } catch (e) {
      if (!(e instanceof UniqueConstraintViolationException)) throw e;
      this.#em.clear();
      const field = /username/.test(e.message) ? 'username' : 'email';
      throw validationError({
        [field]: [field === 'email' ? 'An account with this email already exists' : USERNAME_TAKEN],
      });
    }
  }

  #resetLink(user: User): string {
    return `${this.#d.publicUrl}/reset-password/${user.id}/${this.#d.links.make('reset-password', user)}`;
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
