import { AuditEvent } from '../../modules/audit/audit-event.entity.ts';

/** Every entity the ORM knows. A new entity is added here and gets a migration. */
export const entities = [AuditEvent];
