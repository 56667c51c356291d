import { Session } from '../../modules/accounts/session.entity.ts';
import { User } from '../../modules/accounts/user.entity.ts';
import { AuditEvent } from '../../modules/audit/audit-event.entity.ts';
import { StoredFile } from '../../modules/files/stored-file.entity.ts';
import { Task } from '../../modules/tasks/task.entity.ts';
import { OutboxMessage } from '../mail/outbox-message.entity.ts';

/** Every entity the ORM knows. A new entity is added here and gets a migration. */
export const entities = [AuditEvent, User, Session, OutboxMessage, Task, StoredFile];
