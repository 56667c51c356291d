/**
 * What authentication costs on a running server over loopback: login (one argon2id verification per
 * request, by design the expensive part), and a signed-in read (JWT verification plus the sign-in check: one
 * query per session per SESSION_CACHE_TTL_MS, a cache hit otherwise) over REST and tRPC. Prints a table; asserts nothing. `npm run bench:auth`; set DATABASE_URL and/or
 * REDIS_URL to measure on those engines.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer } from '../packages/server/test/spawn-server.ts';
import { printHeader, printRow } from './table.ts';

const seconds = 5;
const dataDir = mkdtempSync(path.join(tmpdir(), 'taskvault-bench-auth-'));
const passthrough = Object.fromEntries(
  ['DATABASE_URL', 'REDIS_URL'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])), // eslint-disable-line no-restricted-properties -- the caller's choice of engines
) as Record<string, string>;
const server = await spawnServer({
  DATA_DIR: dataDir,
  REQUIRE_EMAIL_VERIFICATION: 'false',
  LOGIN_MAX_FAILURES: '1000000',
  LOGIN_IP_MAX_ATTEMPTS: '1000000',
  ...passthrough,
});

const user = {
  email: 'load@example.com',
  username: 'loadtester',
  password: 'correct horse battery staple 42',
};
const json = { 'content-type': 'application/json' };
await fetch(`${server.url}/api/v1/auth/register`, {
  method: 'POST',
  headers: json,
  body: JSON.stringify(user),
});
const login = (await (
  await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: user.email, password: user.password }),
  })
).json()) as { data: { access: string } };
const bearer = { authorization: `Bearer ${login.data.access}` };

const runs: Array<[string, autocannon.Options]> = [
  [
    'REST POST /auth/login (argon2id verify)',
    {
      url: `${server.url}/api/v1/auth/login`,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: user.email, password: user.password }),
      connections: 8,
    },
  ],
  [
    'REST GET /auth/profile (JWT + sign-in check)',
    { url: `${server.url}/api/v1/auth/profile`, headers: bearer, connections: 32 },
  ],
  ['tRPC auth.profile', { url: `${server.url}/trpc/auth.profile`, headers: bearer, connections: 32 }],
];

console.log(
  `Taskvault auth throughput: ${seconds}s each, ${passthrough.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, kv ${passthrough.REDIS_URL ? 'Redis' : 'memory'}, Node ${process.version}`,
);
printHeader(44);
for (const [label, options] of runs) {
  const r = await autocannon({ ...options, duration: seconds });
  printRow(44, label, r);
}
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
