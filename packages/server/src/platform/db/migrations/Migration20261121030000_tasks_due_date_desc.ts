import { Migration } from '@mikro-orm/migrations';

/** Due dates descending with undated tasks last: the one list order the ascending indexes cannot give. */
export class Migration20261121030000_tasks_due_date_desc extends Migration {
  override up(): void {
    this.addSql(
      `create index "tasks_owner_id_due_date_desc_id_index" on "tasks" ("owner_id", "due_date" desc nulls last, "id" desc);`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists "tasks_owner_id_due_date_desc_id_index";`);
  }
}
