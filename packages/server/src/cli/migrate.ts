import { loadConfig } from '../config/env.ts';
import { createOrm, migrate } from '../platform/db/orm.ts';
import { entities } from '../entities.ts';

/** `npm run db:migrate`: applies pending migrations to the configured database and exits. */
const config = loadConfig();
const orm = await createOrm({ entities, database: config.database, timeouts: config.dependencies.database });
try {
  const applied = await migrate(orm);
  console.log(
    applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply: the database is up to date.',
  );
} finally {
  await orm.close();
}
