import type { User as UserDto } from '@taskvault/contract';
import type { User } from './user.entity.ts';

/** The user as the contract shows it: no hash, no internal keys. */
export const toUserDto = (u: User): UserDto => ({
  id: u.id,
  email: u.email,
  username: u.username,
  firstName: u.firstName,
  lastName: u.lastName,
  role: u.role,
  emailVerified: u.emailVerifiedAt !== null && u.emailVerifiedAt !== undefined,
  isActive: u.isActive,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
  lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
});
