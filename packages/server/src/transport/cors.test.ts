import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.ts';

const ALLOWED = 'https://app.example';
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ CORS_ORIGINS: ALLOWED });
});
afterAll(() => srv?.close());

const health = (headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${srv.baseUrl}/api/v1/health`, { method, headers });

describe('CORS', () => {
  it('an allowed origin gets its origin, credentials and the exposed headers', async () => {
    const res = await health({ origin: ALLOWED });
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('a preflight from an allowed origin is answered', async () => {
    const res = await health(
      {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
      'OPTIONS',
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['no origin', {}],
  ])('%s: no CORS header at all, credentials included, but Vary: Origin', async (_name, headers) => {
    const res = await health(headers);
    for (const name of [
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'access-control-expose-headers',
    ])
      expect(res.headers.get(name), name).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });
});
