/**
 * What the server and the built app give a browser today: the home page on a desktop and a phone, the
 * client-side route fallback, and the API docs. Screenshots land in packages/web/e2e-screenshots.
 */
import { describe, expect, it } from 'vitest';
import { e2eSkipped, overflowsSideways, screenshot, withPage } from './browser.ts';
import { appAndBrowser } from './journey.ts';

describe.skipIf(e2eSkipped)('the built app in Chromium', () => {
  const started = appAndBrowser();

  it.for(['desktop', 'mobile'] as const)('renders the home page (%s)', async (kind) => {
    const { browser } = started();
    await withPage(await browser[kind](), `home-${kind}`, async (page, errors) => {
      const res = await page.goto('/');
      expect(res?.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: 'Taskvault' }).waitFor();
      expect(await page.title()).toMatch(/Taskvault/);
      expect(await overflowsSideways(page)).toBe(false);
      await screenshot(page, `home-${kind}`);
      expect(errors).toEqual([]);
    });
  });

  it('answers a client-side route with the app, which renders', async () => {
    const { browser } = started();
    await withPage(await browser.desktop(), 'spa-fallback', async (page, errors) => {
      const res = await page.goto('/some/client/route');
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-type']).toMatch(/^text\/html/);
      // The app, not a server page: React rendered into #root.
      await page.locator('#root > *').first().waitFor();
      expect(await page.title()).toMatch(/Taskvault/);
      expect(new URL(page.url()).pathname).toBe('/some/client/route');
      await screenshot(page, 'spa-fallback-desktop');
      expect(errors).toEqual([]);
    });
  });

  it('shows the API docs in Swagger UI, read from the live OpenAPI document', async () => {
    const { browser } = started();
    await withPage(await browser.desktop(), 'docs', async (page, errors) => {
      const res = await page.goto('/docs');
      expect(res?.status()).toBe(200);
      await page.getByRole('heading', { name: /Taskvault API/ }).waitFor();
      // The operations came from /api/v1/openapi.json.
      await page.getByText('/api/v1/health', { exact: true }).first().waitFor();
      await screenshot(page, 'docs-desktop');
      expect(errors).toEqual([]);
    });
  });
});
