import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Starts the server as a separate process, as an operator would: the consumer knows nothing of this repo.
import { spawnServer, type SpawnedServer } from '../../server/test/spawn-server.ts';

const run = promisify(execFile);
const sdkDir = path.resolve(import.meta.dirname, '..');

/**
 * The SDK as a stranger gets it: `npm pack`, installed from the tarball into an empty project outside
 * the workspace, type-checked under both module resolutions, and run against a live server.
 */
const consumerTs = `
import {
  createClient,
  HealthSchema,
  isTaskvaultError,
  memoryTokenStore,
  type ErrorEnvelope,
  type Health,
  type TokenStore,
} from '@taskvault/sdk';
import { createTrpcClient, TRPCClientError, type TaskvaultTrpcRouter } from '@taskvault/sdk/trpc';

const tokens: TokenStore = memoryTokenStore();
const api = createClient({ baseUrl: process.argv[2] ?? '', tokens, onSessionExpired: () => undefined });
const res = await api.system.health();
if (res.status !== 200) throw new Error('expected 200, got ' + res.status);
const health: Health = HealthSchema.parse(res.body.data);
const version: string = res.body.data.version;
// @ts-expect-error a success body has no error code
void res.body.code;
const ready = await api.system.ready();
if (ready.status === 503) {
  const e: ErrorEnvelope = ready.body;
  void e;
}
// @ts-expect-error 418 is not a status this route declares
if (ready.status === 418) void 0;
const profile = await api.auth.profile();
// A signed-in route declares 401 in its types: without a token, that is what comes back.
if (profile.status !== 401) throw new Error('expected 401 without a token, got ' + profile.status);
const code: 'UNAUTHENTICATED' | string = profile.body.code;
void code;
const wrongMethod = await fetch(process.argv[2] + '/api/v1/health', { method: 'DELETE' });

// The throwing form: the data, or a TaskvaultError.
const data = await api.ok(api.system.health());
const sameVersion: string = data.version;
let thrown = '';
try {
  await api.ok(api.auth.profile());
} catch (e) {
  if (isTaskvaultError(e)) thrown = e.code + ' ' + e.status;
}
const signedIn: boolean = api.session.isSignedIn();

// tRPC, typed from the contract.
const trpc = createTrpcClient({ baseUrl: process.argv[2] ?? '', tokens });
const viaTrpc = await trpc.system.health.query();
const trpcVersion: string = viaTrpc.data.version;
let trpcStatus = 0;
try {
  await trpc.auth.profile.query();
} catch (e) {
  if (e instanceof TRPCClientError) trpcStatus = (e as TRPCClientError<TaskvaultTrpcRouter>).data?.httpStatus ?? 0;
}
// @ts-expect-error system.health takes no input
void trpc.system.health.query({ query: {} }).catch(() => undefined);

console.log(
  JSON.stringify({
    version,
    status: health.status,
    ready: ready.status,
    wrongMethod: wrongMethod.status,
    same: sameVersion === version,
    thrown,
    signedIn,
    trpc: trpcVersion === version,
    trpcStatus,
  }),
);
`;

const consumerCjs = `
const { createClient, contract } = require('@taskvault/sdk');
const { createTrpcClient } = require('@taskvault/sdk/trpc');
const api = createClient({ baseUrl: process.argv[2] });
const trpc = createTrpcClient({ baseUrl: process.argv[2] });
Promise.all([api.system.health(), trpc.system.health.query()]).then(([res, viaTrpc]) => {
  console.log(JSON.stringify({ status: res.status, routes: Object.keys(contract.system), trpc: viaTrpc.data.status }));
});
`;

let project: string;
let server: SpawnedServer | undefined;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'taskvault-sdk-consumer-'));
  dataDir = mkdtempSync(path.join(tmpdir(), 'taskvault-sdk-server-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], { cwd: sdkDir });
  const tarball = path.join(project, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
      'typescript@6.0.3',
      '@types/node@24.19.2',
    ],
    { cwd: project },
  );
  writeFileSync(path.join(project, 'consumer.ts'), consumerTs);
  writeFileSync(path.join(project, 'consumer.cjs'), consumerCjs);

  server = await spawnServer({ DATA_DIR: dataDir });
  baseUrl = server.url;
});

afterAll(async () => {
  await server?.stop();
  rmSync(project, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const tsc = (options: Record<string, string>) =>
  run(
    process.execPath,
    [
      path.join(project, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--target',
      'es2022',
      '--types',
      'node',
      ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, v]),
      'consumer.ts',
    ],
    { cwd: project },
  );

describe('the packed SDK in a project that has never seen this repo', () => {
  it('ships ESM, CJS and types for both entries, and no workspace or server code', async () => {
    const { stdout } = await run(
      'tar',
      ['-tzf', (await run('sh', ['-c', 'ls *.tgz'], { cwd: project })).stdout.trim()],
      { cwd: project },
    );
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/index.js',
        'package/dist/index.cjs',
        'package/dist/index.d.ts',
        'package/dist/index.d.cts',
        'package/dist/trpc.js',
        'package/dist/trpc.cjs',
        'package/dist/trpc.d.ts',
        'package/dist/trpc.d.cts',
      ]),
    );
    expect(files.some((f) => f.includes('src/'))).toBe(false);
    // What the code loads: the published dependencies, never a workspace package or server code.
    const dist = path.join(project, 'node_modules/@taskvault/sdk/dist');
    const loaded = new Set(
      files
        .filter((f) => /\.(c?js)$/.test(f))
        .flatMap((f) => [
          ...readFileSync(path.join(dist, path.basename(f)), 'utf8').matchAll(
            /(?:from\s+|require\()['"]([^'".][^'"]*)['"]/g,
          ),
        ])
        .map((m) => m[1]),
    );
    expect([...loaded].sort()).toEqual(['@trpc/client', '@ts-rest/core', 'zod']);
    const pkg = (await import(path.join(project, 'node_modules/@taskvault/sdk/package.json'), {
      with: { type: 'json' },
    })) as {
      default: { dependencies: Record<string, string> };
    };
    expect(Object.keys(pkg.default.dependencies).sort()).toEqual([
      '@trpc/client',
      '@trpc/server',
      '@ts-rest/core',
      'zod',
    ]);
  });

  it('type-checks a consumer under moduleResolution nodenext', async () => {
    await expect(tsc({ module: 'nodenext', moduleResolution: 'nodenext' })).resolves.toBeDefined();
  });

  it('type-checks a consumer under moduleResolution bundler', async () => {
    await expect(tsc({ module: 'esnext', moduleResolution: 'bundler' })).resolves.toBeDefined();
  });

  it('catches a wrong call at compile time', async () => {
    writeFileSync(
      path.join(project, 'wrong.ts'),
      `import { createClient } from '@taskvault/sdk';\nconst api = createClient({ baseUrl: 'x' });\nawait api.system.health({ params: { id: 1 } });\nconst r = await api.system.health();\nif (r.status === 200) { const n: number = r.body.data.version; void n; }\n`,
    );
    const result = await run(
      process.execPath,
      [
        path.join(project, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        'wrong.ts',
      ],
      { cwd: project },
    ).then(
      () => '',
      (e: { stdout: string }) => e.stdout,
    );
    expect(result).toMatch(/wrong\.ts\(3,/);
    expect(result).toMatch(/wrong\.ts\(5,.*Type 'string' is not assignable to type 'number'/);
  });

  it('calls a live server from ESM', async () => {
    const { stdout } = await run(process.execPath, ['consumer.ts', baseUrl], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      version: '0.2.0',
      status: 'ok',
      ready: 200,
      wrongMethod: 405,
      same: true,
      thrown: 'UNAUTHENTICATED 401',
      signedIn: false,
      trpc: true,
      trpcStatus: 401,
    });
  });

  it('calls a live server from CommonJS', async () => {
    const { stdout } = await run(process.execPath, ['consumer.cjs', baseUrl], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ status: 200, routes: ['health', 'ready'], trpc: 'ok' });
  });
});
