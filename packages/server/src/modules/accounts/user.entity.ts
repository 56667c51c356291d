import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    /** Stored normalised (trimmed, lower-cased), so the unique index is case-insensitive. */
    email: p.string().length(254).unique(),
    username: p.string().length(30),
    /** Lower-cased username: usernames are unique whatever their case, but shown as typed. */
    usernameKey: p.string().length(30).unique(),
    passwordHash: p.string().length(255).hidden(),
    role: p.enum(['user', 'admin'] as const).default('user'),
    firstName: p.string().length(100).default(''),
    lastName: p.string().length(100).default(''),
    emailVerifiedAt: p.datetime().nullable(),
    isActive: p.boolean().default(true),
    lastLoginAt: p.datetime().nullable(),
    createdAt: p
      .datetime()
      .onCreate(() => new Date())
      .index(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export class User extends UserSchema.class {}
UserSchema.setClass(User);
