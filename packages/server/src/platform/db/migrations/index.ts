import { Migration20261121000000_audit_events } from './Migration20261121000000_audit_events.ts';

/** Every migration, oldest first. A new migration file is added here too. */
export const migrationsList = [
  { name: 'Migration20261121000000_audit_events', class: Migration20261121000000_audit_events },
];
