/**
 * Throughput and latency of the running server, as an operator would run it (`node src/main.ts`), over
 * loopback: liveness and readiness (a real database query) over REST and over tRPC, and a 404 (the error
 * path). Liveness over REST is not access-logged (load balancers poll it); everything else is, as in production. Prints a table; asserts nothing. `npm run bench`, or with DATABASE_URL set
 * to measure on PostgreSQL.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const seconds = 5;
const connections = 32;
const dataDir = mkdtempSync(path.join(tmpdir(), 'taskvault-bench-'));
const server = spawn(process.execPath, [path.join(import.meta.dirname, '../packages/server/src/main.ts')], {
  env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', SERVE_WEB: 'false' }, // eslint-disable-line no-restricted-properties -- the bench passes the caller's DATABASE_URL through
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'Taskvault is listening' && entry.url) resolve(entry.url);
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

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
console.log(
  'route'.padEnd(42),
  'req/s'.padStart(8),
  'p50 ms'.padStart(8),
  'p99 ms'.padStart(8),
  'non-2xx'.padStart(8),
);
for (const [label, target] of targets) {
  const result = await autocannon({ url: `${url}${target}`, connections, duration: seconds });
  console.log(
    label.padEnd(42),
    result.requests.average.toFixed(0).padStart(8),
    result.latency.p50.toFixed(1).padStart(8),
    result.latency.p99.toFixed(1).padStart(8),
    String(result.non2xx).padStart(8),
  );
}
console.log(`RSS after load: ${rssMb().toFixed(0)} MB`);
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(dataDir, { recursive: true, force: true });
