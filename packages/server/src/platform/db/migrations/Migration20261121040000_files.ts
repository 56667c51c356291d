import { Migration } from '@mikro-orm/migrations';

/** Uploaded files' metadata; the content lives in blob storage under the row's id. */
export class Migration20261121040000_files extends Migration {
  override up(): void {
    this.addSql(
      `create table "files" ("id" uuid not null, "owner_id" uuid not null, "task_id" uuid null, "name" varchar(255) not null, "size" bigint not null, "type" text not null, "mime_type" varchar(255) not null, "sha256" varchar(64) not null, "description" text not null default '', "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "files_owner_id_created_at_id_index" on "files" ("owner_id", "created_at", "id");`,
    );
    this.addSql(`create index "files_owner_id_name_id_index" on "files" ("owner_id", "name", "id");`);
    this.addSql(`create index "files_owner_id_size_id_index" on "files" ("owner_id", "size", "id");`);
    this.addSql(`create index "files_task_id_index" on "files" ("task_id");`);
    this.addSql(`create index "files_created_at_id_index" on "files" ("created_at", "id");`);
    this.addSql(
      `alter table "files" add constraint "files_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "files" add constraint "files_task_id_foreign" foreign key ("task_id") references "tasks" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "files" add constraint "files_type_check" check ("type" in ('pdf', 'png', 'jpeg', 'gif', 'webp', 'txt', 'csv', 'md', 'json', 'docx', 'xlsx', 'pptx', 'zip'));`,
    );
  }

  override down(): void {
    this.addSql('drop table if exists "files" cascade;');
  }
}
