import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { redactUrl } from './app.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ JSON_BODY_LIMIT: '2kb' });
});
afterAll(async () => srv.close());

const get = (path: string, init?: RequestInit) => fetch(`${srv.baseUrl}${path}`, init);

describe('system routes over REST', () => {
  it('answers liveness in the success envelope', async () => {
    const res = await get('/api/v1/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      success: boolean;
      data: { status: string; version: string; uptimeSeconds: number };
    };
    expect(body).toMatchObject({
      success: true,
      message: 'Service is up',
      data: { status: 'ok', version: srv.config.version },
    });
    expect(body.data.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('is ready when the database answers and migrations are applied', async () => {
    const res = await get('/api/v1/health/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      success: true,
      data: {
        status: 'ready',
        checks: { database: { status: 'up', pendingMigrations: 0 }, storage: { status: 'up' } },
      },
    });
  });

  it('answers HEAD on a GET route without a body', async () => {
    const res = await get('/api/v1/health', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('everything that goes wrong answers in the error envelope', () => {
  it('unknown path under the API: 404', async () => {
    const res = await get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      success: false,
      code: 'NOT_FOUND',
      message: 'No endpoint at GET /api/v1/nope',
    });
  });

  it('unknown path outside the API: 404 in the envelope too', async () => {
    const res = await get('/definitely/not/here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('known path, wrong method: 405 with Allow', async () => {
    const res = await get('/api/v1/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toMatchObject({ success: false, code: 'METHOD_NOT_ALLOWED' });
  });

  it('sets a request id, and honours a well-formed incoming one', async () => {
    const fresh = await get('/api/v1/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await get('/api/v1/health', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const hostile = await get('/api/v1/health', { headers: { 'x-request-id': 'x'.repeat(300) } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and no x-powered-by', async () => {
    const res = await get('/api/v1/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers 503 in the envelope when the database is gone', async () => {
    const other = await startTestServer();
    await other.breakDatabase();
    try {
      const res = await fetch(`${other.baseUrl}/api/v1/health/ready`);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBe(other.config.dependencies.retryAfterSeconds);
      expect(await res.json()).toMatchObject({
        success: false,
        code: 'SERVICE_UNAVAILABLE',
        message: 'Not ready: database',
        errors: { database: [expect.any(String)] },
      });
      // liveness does not depend on the database
      expect((await fetch(`${other.baseUrl}/api/v1/health`)).status).toBe(200);
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});

describe('access log', () => {
  it('keeps the path but not the secrets some paths carry', () => {
    expect(redactUrl('/api/v1/auth/verify-email/0b4f/AbC-123_x')).toBe(
      '/api/v1/auth/verify-email/0b4f/[redacted]',
    );
    expect(redactUrl('/api/verify-email/0b4f/AbC-123_x/')).toBe('/api/verify-email/0b4f/[redacted]/');
    expect(redactUrl('/trpc/auth.login?batch=1&input={"0":{"password":"x"}}')).toBe(
      '/trpc/auth.login?batch=1&input=[redacted]',
    );
    expect(redactUrl('/api/v1/tasks?limit=20')).toBe('/api/v1/tasks?limit=20');
  });
});
