import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ SERVE_WEB: 'true' });
  if (!existsSync(path.join(srv.config.web.distDir, 'index.html')))
    throw new Error(`No web build in ${srv.config.web.distDir}: npm test builds it first (npm run build)`);
});
afterAll(async () => srv.close());

describe('the web app served by the server', () => {
  it('serves the app at /', async () => {
    const res = await fetch(`${srv.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${srv.baseUrl}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('falls back to the app for client-side routes', async () => {
    const res = await fetch(`${srv.baseUrl}/tasks/123`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root"></div>');
  });

  it('keeps the API answering in JSON under /api, even for browsers', async () => {
    const res = await fetch(`${srv.baseUrl}/api/v1/nothing-here`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('answers a missing asset with 404, not the app', async () => {
    const res = await fetch(`${srv.baseUrl}/assets/missing.js`);
    expect(res.status).toBe(404);
  });
});
