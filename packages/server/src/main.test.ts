import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '../test/harness.ts';
import { spawnServer } from '../test/spawn-server.ts';
import type { Database } from './config/env.ts';
import { AuditEvent } from './modules/audit/audit-event.entity.ts';
import { createOrm } from './platform/db/orm.ts';
import { entities } from './entities.ts';

const main = path.join(import.meta.dirname, 'main.ts');

const countEvents = async (database: Database, type: string) => {
  const orm = await createOrm({ entities, database });
  try {
    return await orm.em.fork().count(AuditEvent, { type });
  } finally {
    await orm.close();
  }
};

const dir = mkdtempSync(path.join(tmpdir(), 'taskvault-main-'));
const engines: Array<{
  name: string;
  env: () => Promise<{ env: Record<string, string>; database: Database; drop?: () => Promise<void> }>;
}> = [
  {
    name: 'embedded PGlite (nothing configured but DATA_DIR)',
    env: async () => ({
      env: { DATA_DIR: dir },
      database: { engine: 'pglite', dataDir: path.join(dir, 'db') },
    }),
  },
];
let pgDb: TestDatabase | undefined;
if (testConfig().testDatabaseUrl) {
  engines.push({
    name: 'PostgreSQL via DATABASE_URL',
    env: async () => {
      pgDb = await createTestDatabase();
      const url = (pgDb.database as { url: string }).url;
      return { env: { DATABASE_URL: url, DATA_DIR: dir }, database: pgDb.database };
    },
  });
}
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pgDb?.drop();
});

describe.each(engines)('node src/main.ts on $name', ({ env }) => {
  it('migrates, serves, stops cleanly on SIGTERM, and keeps its data across a restart', async () => {
    const setup = await env();
    const first = await spawnServer(setup.env);
    expect(first.lines.some((l) => l.includes('migrations applied'))).toBe(true);
    const health = await fetch(`${first.url}/api/v1/health/ready`);
    expect(health.status).toBe(200);
    expect(await first.stop()).toBe(0);
    expect(first.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);

    const second = await spawnServer(setup.env);
    expect(second.lines.some((l) => l.includes('migrations applied'))).toBe(false);
    expect((await fetch(`${second.url}/api/v1/health`)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    // Each run wrote a start and a stop record; the second run found the first run's.
    expect(await countEvents(setup.database, 'server.started')).toBe(2);
    expect(await countEvents(setup.database, 'server.stopped')).toBe(2);
  });
});

describe('bad configuration', () => {
  it('refuses to start, naming the variable, with exit code 78', async () => {
    const child = spawn(process.execPath, [main], {
      env: { PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('PORT');
  });
});
