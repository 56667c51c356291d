import path from 'node:path';
import { FILE_TYPE_NAMES, FileTypeSchema, type FileType } from '@taskvault/contract';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };

/** The repository root: embedded engines keep their data under `<root>/var` unless DATA_DIR says otherwise. */
const repoRoot = path.resolve(import.meta.dirname, '../../../..');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** A timeout: a whole number of milliseconds, never 0 (which most clients read as "wait forever"). */
const ms = z.coerce
  .number<number>()
  .int()
  .min(1)
  .max(10 * 60_000);
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
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  JWT_ISSUER: z.string().min(1).default('taskvault'),
  JWT_AUDIENCE: z.string().min(1).default('taskvault-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number<number>().int().min(30).max(86_400).default(900),
  SESSION_CACHE_TTL_MS: z.coerce.number<number>().int().min(0).max(60_000).default(1000),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number<number>()
    .int()
    .min(60)
    .default(7 * 86_400),
  EMAIL_TOKEN_TTL_SECONDS: z.coerce
    .number<number>()
    .int()
    .min(60)
    .default(3 * 86_400),
  REQUIRE_EMAIL_VERIFICATION: bool.default(true),
  COOKIE_SECURE: bool.default(true),
  SMTP_URL: z
    .url()
    .refine((u) => /^smtps?:\/\//.test(u), 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Taskvault <no-reply@taskvault.local>'),
  REDIS_URL: z
    .url()
    .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
    .optional(),
  ADMIN_PASSWORD: z.string().min(1).optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  LOGIN_MAX_FAILURES: z.coerce.number<number>().int().min(1).default(5),
  LOGIN_IP_MAX_ATTEMPTS: z.coerce.number<number>().int().min(1).default(30),
  LOGIN_ACCOUNT_MAX_FAILURES: z.coerce.number<number>().int().min(1).default(50),
  LOGIN_MAX_REFUSAL_SECONDS: z.coerce.number<number>().int().min(1).default(86_400),
  AUTH_RATE_WINDOW_SECONDS: z.coerce.number<number>().int().min(1).default(900),
  WEB_DIST_DIR: z.string().min(1).default(path.join(repoRoot, 'packages/web/dist')),
  MAX_UPLOAD_BYTES: z.coerce
    .number<number>()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .default(25 * 1024 * 1024),
  USER_QUOTA_BYTES: z.coerce
    .number<number>()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(1024 * 1024 * 1024),
  ALLOWED_FILE_TYPES: csv.pipe(z.array(FileTypeSchema).min(1)).default([...FILE_TYPE_NAMES]),
  DOWNLOAD_LINK_TTL_SECONDS: z.coerce
    .number<number>()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(300),
  UPLOAD_SWEEP_GRACE_SECONDS: z.coerce.number<number>().int().min(0).default(3600),
  UPLOAD_SWEEP_INTERVAL_SECONDS: z.coerce.number<number>().int().min(0).default(3600),
  MAIL_LEASE_SECONDS: z.coerce.number<number>().int().min(3).max(3600).default(60),
  DB_CONNECT_TIMEOUT_MS: ms.default(3000),
  DB_STATEMENT_TIMEOUT_MS: ms.default(5000),
  REDIS_CONNECT_TIMEOUT_MS: ms.default(1000),
  REDIS_COMMAND_TIMEOUT_MS: ms.default(500),
  SMTP_TIMEOUT_MS: ms.default(10_000),
  S3_CONNECT_TIMEOUT_MS: ms.default(2000),
  S3_REQUEST_TIMEOUT_MS: ms.default(10_000),
  READINESS_TIMEOUT_MS: ms.default(1000),
  UNAVAILABLE_RETRY_AFTER_SECONDS: z.coerce.number<number>().int().min(1).max(3600).default(5),
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
  /** JSON_BODY_LIMIT in bytes: larger JSON bodies are refused with 413 before they are read. */
  jsonBodyLimitBytes: number;
  /** Passed to express' `trust proxy`: false, true, a hop count, or a list of addresses. */
  trustProxy: boolean | number | string;
  shutdownTimeoutMs: number;
  web: { serve: boolean; distDir: string };
  auth: {
    /** Unset: a secret is generated once and kept under DATA_DIR (refused in production). */
    jwtSecret: string | undefined;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    /**
     * How long an instance believes what the database said about a sign-in (its session and user rows):
     * what another instance revokes or changes takes effect here within this long. 0: ask every request.
     */
    sessionCacheTtlMs: number;
    refreshTtlSeconds: number;
    emailTokenTtlSeconds: number;
    requireEmailVerification: boolean;
    cookieSecure: boolean;
    /**
     * Per window: failed logins per account from one client address (also the budget of a signed-in
     * user's current-password checks), login attempts per client address, and failed logins per account
     * from all addresses before each further failure holds its address off that account for a refusal
     * window that doubles, up to loginMaxRefusalSeconds.
     */
    loginMaxFailures: number;
    loginIpMaxAttempts: number;
    loginAccountMaxFailures: number;
    loginMaxRefusalSeconds: number;
    rateWindowSeconds: number;
  };
  mail: {
    smtpUrl: string | undefined;
    from: string;
    /**
     * How long a claimed email is reserved for the instance sending it; renewed while the send runs, so a
     * crash delays an email by at most this long and a slow send is never sent twice.
     */
    leaseSeconds: number;
  };
  /**
   * The timeouts of every outbound call. A dependency that fails or does not answer in time is reported as
   * unavailable: 503 SERVICE_UNAVAILABLE with `Retry-After: retryAfterSeconds`, never a hang or a 500.
   */
  dependencies: {
    retryAfterSeconds: number;
    /** Each check of `/health/ready`. */
    readinessTimeoutMs: number;
    /** Connecting, or waiting for a pooled connection; and each statement (server- and client-side). */
    database: { connectTimeoutMs: number; statementTimeoutMs: number };
    redis: { connectTimeoutMs: number; commandTimeoutMs: number };
    /** Connecting, the greeting, and any silence on the socket during a send. */
    smtp: { timeoutMs: number };
    /** Connecting, and any silence on a request's socket. */
    s3: { connectTimeoutMs: number; requestTimeoutMs: number };
  };
  redisUrl: string | undefined;
  /** Only read by `npm run create-admin`. */
  adminPassword: string | undefined;
  files: {
    maxUploadBytes: number;
    quotaBytes: number;
    allowedTypes: FileType[];
    downloadLinkTtlSeconds: number;
    /**
     * At start-up, leftovers older than this are swept: temporary blobs of interrupted uploads, and blobs
     * without a row. Younger ones may belong to an upload still running on another instance.
     */
    sweepGraceSeconds: number;
    /** The sweep runs again this often on a long-running instance (0: only at start-up). */
    sweepIntervalSeconds: number;
  };
  /** Where file contents live: a folder (default `DATA_DIR/files`) or an S3-compatible bucket. */
  storage:
    | { engine: 'disk'; dir: string }
    | {
        engine: 's3';
        bucket: string;
        region: string;
        endpoint: string | undefined;
        forcePathStyle: boolean;
        credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      };
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const toBytes = (size: string): number => {
  const [, n, unit] = /^(\d+)(b|kb|mb)$/i.exec(size) ?? [];
  const scale = { b: 1, kb: 1024, mb: 1024 * 1024 }[(unit ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  return Number(n) * scale;
};

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
  if (e.NODE_ENV === 'production') {
    // Embedded defaults that are unsafe in production: a secret kept beside the data, and email links
    // (password resets included) written to the log instead of being sent.
    const missing = [
      !e.JWT_SECRET && '  JWT_SECRET: required in production (at least 32 characters)',
      !e.SMTP_URL &&
        '  SMTP_URL: required in production (without it, email links are only written to the log)',
    ].filter(Boolean);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  }
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
    jsonBodyLimitBytes: toBytes(e.JSON_BODY_LIMIT),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    web: { serve: e.SERVE_WEB, distDir: path.resolve(e.WEB_DIST_DIR) },
    auth: {
      jwtSecret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      sessionCacheTtlMs: e.SESSION_CACHE_TTL_MS,
      refreshTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      emailTokenTtlSeconds: e.EMAIL_TOKEN_TTL_SECONDS,
      requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION,
      cookieSecure: e.COOKIE_SECURE,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginIpMaxAttempts: e.LOGIN_IP_MAX_ATTEMPTS,
      loginAccountMaxFailures: e.LOGIN_ACCOUNT_MAX_FAILURES,
      loginMaxRefusalSeconds: e.LOGIN_MAX_REFUSAL_SECONDS,
      rateWindowSeconds: e.AUTH_RATE_WINDOW_SECONDS,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, leaseSeconds: e.MAIL_LEASE_SECONDS },
    dependencies: {
      retryAfterSeconds: e.UNAVAILABLE_RETRY_AFTER_SECONDS,
      readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
      database: { connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS, statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS },
      redis: { connectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
      smtp: { timeoutMs: e.SMTP_TIMEOUT_MS },
      s3: { connectTimeoutMs: e.S3_CONNECT_TIMEOUT_MS, requestTimeoutMs: e.S3_REQUEST_TIMEOUT_MS },
    },
    redisUrl: e.REDIS_URL,
    adminPassword: e.ADMIN_PASSWORD,
    files: {
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
      quotaBytes: e.USER_QUOTA_BYTES,
      allowedTypes: e.ALLOWED_FILE_TYPES,
      downloadLinkTtlSeconds: e.DOWNLOAD_LINK_TTL_SECONDS,
      sweepGraceSeconds: e.UPLOAD_SWEEP_GRACE_SECONDS,
      sweepIntervalSeconds: e.UPLOAD_SWEEP_INTERVAL_SECONDS,
    },
    storage: e.S3_BUCKET
      ? {
          engine: 's3',
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          endpoint: e.S3_ENDPOINT,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
          credentials:
            e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
              : undefined,
        }
      : { engine: 'disk', dir: path.join(dataDir, 'files') },
  };
}
