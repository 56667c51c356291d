/**
 * Throughput and latency of the running server, as an operator would run it (`node src/main.ts`), over
 * loopback: liveness and readiness (a real database query) over REST and over tRPC, and a 404 (the error
 * path). Liveness over REST is not access-logged (load balancers poll it); everything else is, as in production. Prints a table; asserts nothing. `npm run bench`, or with DATABASE_URL set
 * to measure on PostgreSQL.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer } from '../packages/server/test/spawn-server.ts';
import { printHeader, printRow } from './table.ts';

const seconds = 5;
const connections = 32;
const dataDir = mkdtempSync(path.join(tmpdir(), 'taskvault-bench-'));
const server = await spawnServer({
  DATA_DIR: dataDir,
  LOG_LEVEL: 'info',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}), // eslint-disable-line no-restricted-properties -- passes the caller's choice of database through
});
const url = server.url;

const rssMb = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

const targets: Array<[string, string]> = [
  ['REST   GET /api/v1/health', '/api/v1/health'],
  ['tRPC   system.health', '/trpc/system.health'],
  ['REST   GET /api/v1/health/ready (DB)', '/api/v1/health/ready'],
  ['tRPC   system.ready (DB)', '/trpc/system.ready'],
  ['REST   GET /api/v1/nope (404 envelope)', '/api/v1/nope'],
];

const engine = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'; // eslint-disable-line no-restricted-properties -- reporting only
console.log(
  `Taskvault HTTP throughput: ${connections} connections, ${seconds}s each, ${engine}, Node ${process.version}`,
);
console.log(`RSS after start: ${rssMb().toFixed(0)} MB`);
printHeader(42);
for (const [label, target] of targets) {
  const result = await autocannon({ url: `${url}${target}`, connections, duration: seconds });
  printRow(42, label, result);
}
console.log(`RSS after load: ${rssMb().toFixed(0)} MB`);
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
