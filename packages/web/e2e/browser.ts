/**
 * Debian's Chromium driven through playwright-core, for the browser tests (`*.e2e.ts`).
 *
 * Chromium is never downloaded: the tests use the one at CHROMIUM_PATH (default `/usr/bin/chromium`, Debian's
 * package `chromium`, which `.ci/run` installs). When it is missing the tests FAIL with a message saying how
 * to get it. The only way to skip them is `SKIP_E2E=1`, on a developer's machine; in CI (`CI` set) that
 * variable is refused, so a CI run can never pass without having run them.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

/* eslint-disable no-restricted-properties -- the test run's own switches, not the server's configuration */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SKIP_REQUESTED = ['1', 'true'].includes(process.env.SKIP_E2E ?? '');
const IN_CI = !!process.env.CI && process.env.CI !== 'false';
/* eslint-enable no-restricted-properties */

if (SKIP_REQUESTED && IN_CI)
  throw new Error('SKIP_E2E is set in CI: browser tests are never skipped there. Unset it.');

/** True only when a developer asked for it (`SKIP_E2E=1`) outside CI; use with `describe.skipIf`. */
export const e2eSkipped = SKIP_REQUESTED;

/**
 * The flags that work on this machine kind: headless without a sandbox (CI runs as root) or a GPU, and no
 * background traffic to Google, which the closed network would refuse at every start. Playwright adds
 * the rest, and a fresh profile of its own (it refuses `--user-data-dir` here): a new `mkdtemp` folder
 * per launch, removed when the browser closes.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
export const MOBILE: BrowserContextOptions = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** Where `screenshot` writes: `packages/web/e2e-screenshots` (gitignored). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../e2e-screenshots');

export type E2EBrowser = {
  browser: Browser;
  /** A new, empty context (cookies, storage) on the app's base URL, in a desktop-sized window. */
  desktop: () => Promise<BrowserContext>;
  /** The same in a phone-sized, touch, mobile-viewport window (375×812). */
  mobile: () => Promise<BrowserContext>;
  close: () => Promise<void>;
};

/** Starts Chromium for one test file; every context it makes resolves relative URLs against `baseURL`. */
export async function launchBrowser(baseURL: string): Promise<E2EBrowser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the browser tests need Debian's chromium ` +
        '(`apt-get install chromium`, as .ci/run does) or CHROMIUM_PATH pointing at a Chromium. ' +
        'To skip them on your own machine only, set SKIP_E2E=1.',
    );
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  const context = async (options: BrowserContextOptions) => {
    const ctx = await browser.newContext({ ...options, baseURL });
    ctx.setDefaultTimeout(10_000);
    return ctx;
  };
  return {
    browser,
    desktop: () => context(DESKTOP),
    mobile: () => context(MOBILE),
    close: () => browser.close(),
  };
}

const screenshotFile = (name: string) => path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);

/** A full-page PNG at `packages/web/e2e-screenshots/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = screenshotFile(name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * What went wrong inside the page: uncaught exceptions, console errors, failed requests and 5xx answers. A
 * test reads it at the end, so an app that renders but throws still fails. A 4xx answer is the API's normal
 * answer (no session yet, a taken name, wrong credentials): Chromium logs it as a console error, which is
 * left out here.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) return;
    errors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 500) errors.push(`${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    // A navigation away cancels what was still loading: not the app's fault.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED')
      errors.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  return errors;
}

/**
 * Runs `test` on a new page of `context` with its errors collected; if it fails, a screenshot
 * `<name>-FAILED.png` shows where the page was (a later pass removes it). The context is closed either way.
 */
export async function withPage<T>(
  context: BrowserContext,
  name: string,
  test: (page: Page, errors: string[]) => Promise<T>,
): Promise<T> {
  try {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    try {
      const result = await test(page, errors);
      await rm(screenshotFile(`${name}-FAILED`), { force: true });
      return result;
    } catch (err) {
      const shot = await screenshot(page, `${name}-FAILED`).catch(() => 'none');
      if (err instanceof Error) err.message += `\n  (page at ${page.url()}; screenshot: ${shot})`;
      throw err;
    }
  } finally {
    await context.close();
  }
}

/** Whether the page is wider than its window: sideways scrolling, on a phone above all. */
export const overflowsSideways = async (page: Page): Promise<boolean> =>
  (await page.evaluate<number>('document.documentElement.scrollWidth')) > page.viewportSize()!.width;
