import { Migration } from '@mikro-orm/migrations';

/** Tasks, with the indexes the list queries use (one per sort field, owner first, id as tie-break). */
export class Migration20261121020000_tasks extends Migration {
  override up(): void {
    this.addSql(
      `create table "tasks" ("id" uuid not null, "owner_id" uuid not null, "title" varchar(200) not null, "description" text not null default '', "status" text not null default 'pending', "priority_rank" smallint not null default 2, "due_date" date null, "completed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, primary key ("id"));`,
    );
    this.addSql(
      `create index "tasks_owner_id_created_at_id_index" on "tasks" ("owner_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "tasks_owner_id_updated_at_id_index" on "tasks" ("owner_id", "updated_at", "id");`,
    );
    this.addSql(`create index "tasks_owner_id_due_date_id_index" on "tasks" ("owner_id", "due_date", "id");`);
    this.addSql(
      `create index "tasks_owner_id_priority_rank_id_index" on "tasks" ("owner_id", "priority_rank", "id");`,
    );
    this.addSql(`create index "tasks_owner_id_title_id_index" on "tasks" ("owner_id", "title", "id");`);
    this.addSql(`create index "tasks_owner_id_status_index" on "tasks" ("owner_id", "status");`);
    this.addSql(`create index "tasks_created_at_id_index" on "tasks" ("created_at", "id");`);
    this.addSql(
      `alter table "tasks" add constraint "tasks_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "tasks" add constraint "tasks_status_check" check ("status" in ('pending', 'in_progress', 'completed', 'cancelled'));`,
    );
  }

  override down(): void {
    this.addSql('drop table if exists "tasks" cascade;');
  }
}
