import { Migration } from '@mikro-orm/migrations';

/** Accounts: users, sign-in sessions (refresh token families) and the mail outbox. */
export class Migration20261121010000_accounts extends Migration {
  override up(): void {
    this.addSql(
      `create table "mail_outbox" ("id" uuid not null, "to" varchar(254) not null, "subject" varchar(255) not null, "text" text not null, "html" text not null, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" text null, "created_at" timestamptz not null, "sent_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "mail_outbox_status_next_attempt_at_index" on "mail_outbox" ("status", "next_attempt_at");`,
    );
    this.addSql(
      `create table "users" ("id" uuid not null, "email" varchar(254) not null, "username" varchar(30) not null, "username_key" varchar(30) not null, "password_hash" varchar(255) not null, "role" text not null default 'user', "first_name" varchar(100) not null default '', "last_name" varchar(100) not null default '', "email_verified_at" timestamptz null, "is_active" boolean not null default true, "last_login_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_username_key_unique" unique ("username_key");`);
    this.addSql(`create index "users_created_at_index" on "users" ("created_at");`);
    this.addSql(
      `create table "sessions" ("id" uuid not null, "user_id" uuid not null, "current_token_hash" varchar(64) not null, "generation" int not null default 0, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(32) null, "user_agent" varchar(255) not null default '', "ip" varchar(64) not null default '', "created_at" timestamptz not null, "last_used_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(
      `alter table "mail_outbox" add constraint "mail_outbox_status_check" check ("status" in ('pending', 'sent', 'failed'));`,
    );
    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('user', 'admin'));`);
    this.addSql(
      `alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql('drop table if exists "sessions" cascade;');
    this.addSql('drop table if exists "users" cascade;');
    this.addSql('drop table if exists "mail_outbox" cascade;');
  }
}
