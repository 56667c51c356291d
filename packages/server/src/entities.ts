import { accountsEntities } from './modules/accounts/accounts.entities.ts';
import { auditEntities } from './modules/audit/audit.entities.ts';
import { filesEntities } from './modules/files/files.entities.ts';
import { tasksEntities } from './modules/tasks/tasks.entities.ts';
import { platformEntities } from './platform/platform.entities.ts';

/**
 * Every entity the app's ORM knows, gathered from the modules that own them (the database layer is handed
 * this list; it names no module). A new entity goes in its module's list and gets a migration.
 */
export const entities = [
  ...auditEntities,
  ...accountsEntities,
  ...platformEntities,
  ...tasksEntities,
  ...filesEntities,
];
