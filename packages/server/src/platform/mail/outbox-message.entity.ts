import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * An email waiting to be delivered. Written in the same transaction as the change that causes it, so a
 * committed signup always has its email, and delivered by the dispatcher with retries.
 */
export const OutboxMessageSchema = defineEntity({
  name: 'OutboxMessage',
  tableName: 'mail_outbox',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    to: p.string().length(254),
    subject: p.string().length(255),
    text: p.text(),
    html: p.text(),
    status: p.enum(['pending', 'sent', 'failed'] as const).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().onCreate(() => new Date()),
    lastError: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['status', 'nextAttemptAt'] }],
});
export class OutboxMessage extends OutboxMessageSchema.class {}
OutboxMessageSchema.setClass(OutboxMessage);
