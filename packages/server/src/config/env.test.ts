import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.ts';

const load = (env: Record<string, string>) => loadConfig({}, env);

describe('configuration', () => {
  it('works with nothing configured: embedded database under var/, localhost, port 3000', () => {
    const config = load({});
    expect(config.database.engine).toBe('pglite');
    expect(config.database).toEqual({ engine: 'pglite', dataDir: path.join(config.dataDir, 'db') });
    expect(path.basename(config.dataDir)).toBe('var');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      corsOrigins: [],
      jsonBodyLimitBytes: 1024 * 1024,
    });
    expect(config.testDatabaseUrl).toBeUndefined();
  });

  it('uses PostgreSQL when DATABASE_URL is set, and tests use it too unless TEST_DATABASE_URL says otherwise', () => {
    const url = 'postgresql://app@127.0.0.1:5432/taskvault';
    expect(load({ DATABASE_URL: url }).database).toEqual({ engine: 'postgresql', url });
    expect(load({ DATABASE_URL: url }).testDatabaseUrl).toBe(url);
    expect(load({ DATABASE_URL: url, TEST_DATABASE_URL: 'postgres://t@localhost/x' }).testDatabaseUrl).toBe(
      'postgres://t@localhost/x',
    );
  });

  it('treats empty values as unset', () => {
    expect(load({ DATABASE_URL: '', PORT: '' })).toMatchObject({
      port: 3000,
      database: { engine: 'pglite' },
    });
  });

  it('parses lists, numbers and flags', () => {
    const config = load({
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      PORT: '8080',
      SERVE_WEB: 'false',
      TRUST_PROXY: '1',
    });
    expect(config).toMatchObject({
      corsOrigins: ['https://a.example', 'https://b.example'],
      port: 8080,
      trustProxy: 1,
    });
    expect(config.web.serve).toBe(false);
    expect(load({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
  });

  it('refuses invalid values, naming every bad variable', () => {
    let error: unknown;
    try {
      load({ PORT: 'eighty', DATABASE_URL: 'mysql://x@y/z', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('LOG_LEVEL');
  });

  it('login limits: defaults, overrides, and whole positive numbers only', () => {
    expect(load({}).auth).toMatchObject({
      loginMaxFailures: 5,
      loginIpMaxAttempts: 30,
      loginAccountMaxFailures: 50,
      loginMaxRefusalSeconds: 86_400,
      rateWindowSeconds: 900,
    });
    expect(load({ LOGIN_ACCOUNT_MAX_FAILURES: '200', LOGIN_MAX_REFUSAL_SECONDS: '3600' }).auth).toMatchObject(
      { loginAccountMaxFailures: 200, loginMaxRefusalSeconds: 3600 },
    );
    for (const value of ['0', '-1', '2.5', 'many']) {
      expect(() => load({ LOGIN_ACCOUNT_MAX_FAILURES: value })).toThrow(/LOGIN_ACCOUNT_MAX_FAILURES/);
      expect(() => load({ LOGIN_MAX_REFUSAL_SECONDS: value })).toThrow(/LOGIN_MAX_REFUSAL_SECONDS/);
    }
  });

  it('lets overrides win over the environment', () => {
    expect(loadConfig({ PORT: '4000' }, { PORT: '5000' }).port).toBe(4000);
  });
});
