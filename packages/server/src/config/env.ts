import path from 'node:path';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };

/** The repository root: embedded engines keep their data under `<root>/var` unless DATA_DIR says otherwise. */
const repoRoot = path.resolve(import.meta.dirname, '../../../..');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * Every setting Taskvault reads, with its default. This file is the only reader of process.env; the rest of
 * the code receives a `Config`. Each variable is listed in the README.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number<number>().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default(path.join(repoRoot, 'var')),
  DATABASE_URL: z
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  TEST_DATABASE_URL: z
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DB_POOL_MAX: z.coerce.number<number>().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: csv.default([]),
  JSON_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb')
    .default('1mb'),
  TRUST_PROXY: z.string().default('false'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number<number>().int().min(0).default(10_000),
  SERVE_WEB: bool.default(true),
  WEB_DIST_DIR: z.string().min(1).default(path.join(repoRoot, 'packages/web/dist')),
});

export type Database = { engine: 'postgresql'; url: string } | { engine: 'pglite'; dataDir: string };

export type Config = {
  env: 'development' | 'production' | 'test';
  version: string;
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  database: Database;
  dbPoolMax: number;
  /** Where tests create their throw-away databases: TEST_DATABASE_URL, else DATABASE_URL, else PGlite in memory. */
  testDatabaseUrl: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  corsOrigins: string[];
  jsonBodyLimit: string;
  /** Passed to express' `trust proxy`: false, true, a hop count, or a list of addresses. */
  trustProxy: boolean | number | string;
  shutdownTimeoutMs: number;
  web: { serve: boolean; distDir: string };
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const parseTrustProxy = (v: string): boolean | number | string => {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v;
};

/**
 * Reads and validates the environment, with `overrides` on top (tests and tools use them). Empty values
 * count as unset, as they do in most `.env` tools.
 */
export function loadConfig(
  overrides: Record<string, string | undefined> = {},
  source: NodeJS.ProcessEnv = process.env,
): Config {
  const present = Object.fromEntries(
    Object.entries({ ...source, ...overrides }).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    version: pkg.version,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir,
    database: e.DATABASE_URL
      ? { engine: 'postgresql', url: e.DATABASE_URL }
      : { engine: 'pglite', dataDir: path.join(dataDir, 'db') },
    dbPoolMax: e.DB_POOL_MAX,
    testDatabaseUrl: e.TEST_DATABASE_URL ?? e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    jsonBodyLimit: e.JSON_BODY_LIMIT,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    web: { serve: e.SERVE_WEB, distDir: path.resolve(e.WEB_DIST_DIR) },
  };
}
