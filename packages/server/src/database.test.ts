import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '../test/harness.ts';
import { AuditEvent } from './modules/audit/audit-event.entity.ts';
import { createOrm, migrate, pendingMigrations } from './platform/db/orm.ts';
import { entities } from './entities.ts';

describe('database (the configured test engine)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('applies every migration, and the migrations produce exactly the schema the entities describe', async () => {
    const orm = await createOrm({ entities, database: db.database });
    try {
      expect(await pendingMigrations(orm)).toBeGreaterThan(0);
      const applied = await migrate(orm);
      expect(applied).toContain('Migration20261121000000_audit_events');
      expect(await pendingMigrations(orm)).toBe(0);
      // A migration that drifts from its entity shows up here as SQL the ORM would still want to run.
      expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
      // Applying again is a no-op.
      expect(await migrate(orm)).toEqual([]);
    } finally {
      await orm.close();
    }
  });

  // PGlite in memory keeps nothing past its instance by design; the on-disk case is tested below.
  it.runIf(testConfig().testDatabaseUrl)(
    'keeps what was written after the connection is closed and opened again',
    async () => {
      const first = await createOrm({ entities, database: db.database });
      await migrate(first);
      const em = first.em.fork();
      em.create(AuditEvent, { type: 'test.persisted', details: { n: 1 } });
      await em.flush();
      await first.close();

      const second = await createOrm({ entities, database: db.database });
      try {
        const found = await second.em.fork().findOneOrFail(AuditEvent, { type: 'test.persisted' });
        expect(found.details).toEqual({ n: 1 });
      } finally {
        await second.close();
      }
    },
  );
});

describe('embedded PGlite on disk', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskvault-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('persists data across a restart', async () => {
    const database = { engine: 'pglite' as const, dataDir: dir };
    const first = await createOrm({ entities, database });
    await migrate(first);
    const em = first.em.fork();
    em.create(AuditEvent, { type: 'test.disk', details: { kept: true } });
    await em.flush();
    await first.close();

    const second = await createOrm({ entities, database });
    try {
      expect(await pendingMigrations(second)).toBe(0);
      const found = await second.em.fork().findOneOrFail(AuditEvent, { type: 'test.disk' });
      expect(found.details).toEqual({ kept: true });
    } finally {
      await second.close();
    }
  });
});
