import { AuditEvent } from './audit-event.entity.ts';

/** The audit log's table, for the ORM. */
export const auditEntities = [AuditEvent];
