import { Migration20261121000000_audit_events } from './Migration20261121000000_audit_events.ts';
import { Migration20261121010000_accounts } from './Migration20261121010000_accounts.ts';
import { Migration20261121020000_tasks } from './Migration20261121020000_tasks.ts';
import { Migration20261121030000_tasks_due_date_desc } from './Migration20261121030000_tasks_due_date_desc.ts';
import { Migration20261121040000_files } from './Migration20261121040000_files.ts';

/** Every migration, oldest first. A new migration file is added here too. */
export const migrationsList = [
  { name: 'Migration20261121000000_audit_events', class: Migration20261121000000_audit_events },
  { name: 'Migration20261121010000_accounts', class: Migration20261121010000_accounts },
  { name: 'Migration20261121020000_tasks', class: Migration20261121020000_tasks },
  { name: 'Migration20261121030000_tasks_due_date_desc', class: Migration20261121030000_tasks_due_date_desc },
  { name: 'Migration20261121040000_files', class: Migration20261121040000_files },
];
