import { EmailSchema, UsernameSchema } from '@taskvault/contract';
import type { EntityManager } from '../../platform/db/orm.ts';
import { validationError } from '../../core/errors.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { checkPassword } from './password-policy.ts';
import { Session } from './session.entity.ts';
import { User } from './user.entity.ts';

export type NewAdmin = { email: string; username: string; password: string };

/**
 * Creates a verified, active administrator, or promotes the existing account with that email (its
 * password is then replaced): the equivalent of Django's createsuperuser, for the first admin.
 */
export async function createAdmin(
  em: EntityManager,
  hasher: PasswordHasher,
  input: NewAdmin,
): Promise<{ user: User; created: boolean }> {
  const email = EmailSchema.safeParse(input.email);
  const username = UsernameSchema.safeParse(input.username);
  const errors: Record<string, string[]> = {};
  if (!email.success) errors.email = email.error.issues.map((i) => i.message);
  if (!username.success) errors.username = username.error.issues.map((i) => i.message);
  const weak = checkPassword(input.password, { email: email.data, username: username.data });
  if (weak.length) errors.password = weak;
  if (!email.success || !username.success || weak.length) throw validationError(errors);

  const existing = await em.findOne(User, { email: email.data });
  const clash = await em.findOne(User, { usernameKey: username.data.toLowerCase() });
  if (clash && clash.id !== existing?.id) throw validationError({ username: ['This username is taken'] });
  const passwordHash = await hasher.hash(input.password);
  const now = new Date();
  const user =
    existing ??
    em.create(User, {
      email: email.data,
      username: username.data,
      usernameKey: username.data.toLowerCase(),
      passwordHash,
      emailVerifiedAt: now,
      lastLoginAt: null,
    });
  Object.assign(user, {
    role: 'admin',
    isActive: true,
    passwordHash,
    emailVerifiedAt: user.emailVerifiedAt ?? now,
  });
  // Whoever was signed in to the account before it was promoted stays a plain user: their sessions end.
  if (existing)
    await em.nativeUpdate(
      Session,
      { user: existing.id, revokedAt: null },
      { revokedAt: now, revokedReason: 'promoted' },
    );
  await em.flush();
  return { user, created: !existing };
}
