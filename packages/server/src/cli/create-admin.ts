import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/env.ts';
import { createAdmin } from '../modules/accounts/create-admin.ts';
import { PasswordHasher } from '../modules/accounts/password-hasher.ts';
import { createOrm, migrate } from '../platform/db/orm.ts';
import { entities } from '../entities.ts';
import { AppError } from '../core/errors.ts';

/**
 * `npm run create-admin -- --email a@example.com --username admin`: creates (or promotes) an administrator.
 * The password comes from ADMIN_PASSWORD or a prompt, never from the command line, where it would stay in
 * the shell history and the process list.
 */
const { values } = parseArgs({ options: { email: { type: 'string' }, username: { type: 'string' } } });
if (!values.email || !values.username) {
  console.error(
    'Usage: npm run create-admin -- --email <email> --username <username>   (password: ADMIN_PASSWORD or a prompt)',
  );
  process.exit(64);
}
const config = loadConfig();
const password = config.adminPassword ?? (await prompt('Password for the new administrator: '));

const orm = await createOrm({ entities, database: config.database, timeouts: config.dependencies.database });
try {
  await migrate(orm);
  const { user, created } = await createAdmin(orm.em.fork(), new PasswordHasher(), {
    email: values.email,
    username: values.username,
    password,
  });
  console.log(`${created ? 'Created' : 'Promoted'} administrator ${user.username} <${user.email}>`);
} catch (e) {
  if (!(e instanceof AppError)) throw e;
  for (const [field, messages] of Object.entries(e.errors ?? {}))
    console.error(`${field}: ${messages.join(' ')}`);
  process.exitCode = 65;
} finally {
  await orm.close();
}

async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Keep the password off the screen: echo nothing after the question.
  const output = rl as unknown as { _writeToOutput?: (s: string) => void };
  output._writeToOutput = (s: string) => {
    if (s.includes(question)) process.stdout.write(question);
  };
  const answer = await rl.question(question);
  rl.close();
  process.stdout.write('\n');
  return answer;
}
