import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { User } from '../modules/accounts/user.entity.ts';
import { createOrm } from '../platform/db/orm.ts';
import { entities } from '../entities.ts';

const run = promisify(execFile);
const script = path.join(import.meta.dirname, 'create-admin.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'taskvault-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], password?: string) =>
  run(process.execPath, [script, ...args], {
    // eslint-disable-next-line no-restricted-properties -- a child process needs a PATH
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, ...(password ? { ADMIN_PASSWORD: password } : {}) },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('npm run create-admin', () => {
  it('creates a verified, active administrator on the embedded database', async () => {
    const res = await cli(
      ['--email', 'Boss@Example.com', '--username', 'boss'],
      'a very long admin passphrase 1',
    );
    expect(res.stdout).toContain('Created administrator boss <boss@example.com>');
    expect(res.code).toBe(0);
    const orm = await createOrm({ entities, database: { engine: 'pglite', dataDir: path.join(dir, 'db') } });
    try {
      const user = await orm.em.fork().findOneOrFail(User, { email: 'boss@example.com' });
      expect(user).toMatchObject({ role: 'admin', isActive: true, username: 'boss' });
      expect(user.emailVerifiedAt).toBeInstanceOf(Date);
      expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    } finally {
      await orm.close();
    }
  });

  it('promotes an existing account with the same email', async () => {
    const res = await cli(
      ['--email', 'boss@example.com', '--username', 'boss'],
      'another long admin passphrase 2',
    );
    expect(res.stdout).toContain('Promoted administrator');
  });

  it('refuses a weak password, naming the problem (exit 65)', async () => {
    const res = await cli(['--email', 'weak@example.com', '--username', 'weakling'], 'password');
    expect(res.code).toBe(65);
    expect(res.stderr).toMatch(/password: .*too (short|common)/);
  });

  it('explains its usage when arguments are missing (exit 64)', async () => {
    const res = await cli(['--email', 'x@example.com']);
    expect(res.code).toBe(64);
    expect(res.stderr).toContain('Usage');
  });
});
