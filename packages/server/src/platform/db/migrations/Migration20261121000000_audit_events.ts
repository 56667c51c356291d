import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000000_audit_events extends Migration {
  override up(): void {
    this.addSql(`
      create table "audit_events" (
        "id" uuid not null,
        "type" varchar(64) not null,
        "actor_id" uuid null,
        "details" jsonb not null default '{}',
        "created_at" timestamptz not null,
        constraint "audit_events_pkey" primary key ("id")
      );`);
    this.addSql(`create index "audit_events_type_index" on "audit_events" ("type");`);
    this.addSql(`create index "audit_events_created_at_index" on "audit_events" ("created_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "audit_events" cascade;`);
  }
}
