import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * An append-only record of things operators want to look back on: server starts and stops now, sign-ins
 * and administrative changes as those features arrive. Never updated, never deleted by the API.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    type: p.string().length(64).index(),
    actorId: p.uuid().nullable(),
    details: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p
      .datetime()
      .onCreate(() => new Date())
      .index(),
  },
});
export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
