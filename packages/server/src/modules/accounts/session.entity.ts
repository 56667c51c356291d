import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { User } from './user.entity.ts';

/**
 * A sign-in and every refresh token descended from it (a token family, RFC 9700 §4.14.2). Only the hash
 * of the one refresh token currently valid is kept; presenting any other token of the family means a
 * spent token was replayed, and the whole family is revoked.
 */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    currentTokenHash: p.string().length(64),
    /** How many times this family has been refreshed. */
    generation: p.integer().default(0),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(32).nullable(),
    userAgent: p.string().length(255).default(''),
    ip: p.string().length(64).default(''),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().onCreate(() => new Date()),
  },
});
export class Session extends SessionSchema.class {}
SessionSchema.setClass(Session);
