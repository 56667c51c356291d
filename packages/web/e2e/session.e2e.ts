/**
 * The browser's sign-in: the access token in the page's memory only, the refresh token in an
 * HttpOnly cookie; a reload picks the sign-in up again from the cookie; a sign-in revoked elsewhere sends
 * the user to /login with a message at the next navigation; the dashboard's three reads travel as one
 * batched tRPC request.
 *
 * The user is made through the API (registered, verified from the emailed link, given tasks and files with
 * the SDK from Node), then logs in through the page.
 */
import { createClient, type TaskvaultClient } from '@taskvault/sdk';
import type { Page, Request } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { newIdentity, signUpVerifiedUser } from '../../server/test/api.ts';
import { e2eSkipped, screenshot, withPage } from './browser.ts';
import { appAndBrowser, fillLogIn } from './journey.ts';

type Identity = ReturnType<typeof newIdentity>;

const SESSION_ENDED = 'Your session has ended. Please log in again.';
const RECENT = 5;

/** Logs in through the page; answers with the access token the server sent it (read off the wire). */
async function logIn(page: Page, who: Identity): Promise<string> {
  await fillLogIn(page, who.username, who.password);
  const login = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/api/v1/auth/login' && r.request().method() === 'POST',
  );
  await page.getByRole('button', { name: 'Log in' }).click();
  const body = (await (await login).json()) as { data: { access: string; refresh: string | null } };
  // Asked for in the cookie: the page never holds the refresh token.
  expect(body.data.refresh).toBeNull();
  await page.waitForURL('**/tasks');
  await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
  return body.data.access;
}

/** Every (key, value) in the page's localStorage and sessionStorage (evaluated in the page). */
const storageOf = (page: Page) =>
  page.evaluate<{ local: [string, string][]; session: [string, string][] }>(
    '({ local: Object.entries(localStorage), session: Object.entries(sessionStorage) })',
  );

/** The requests the page makes from now on, to the API (REST or tRPC), as `METHOD /path`. */
function recordApiRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (req: Request) => {
    const { pathname } = new URL(req.url());
    if (pathname.startsWith('/api/') || pathname.startsWith('/trpc'))
      seen.push(`${req.method()} ${pathname}`);
  });
  return seen;
}

/** Ends every sign-in of the user from elsewhere: the API, from Node, with their credentials. */
async function logOutEverywhereFromNode(baseUrl: string, who: Identity) {
  const other = createClient({ baseUrl });
  await other.session.login({ email: who.email, password: who.password });
  await other.ok(other.auth.logoutAll());
}

/** On /login, told that the session ended, after exactly one refresh was tried (and refused). */
async function expectSessionEnded(page: Page, requests: string[]) {
  await page.waitForURL('**/login');
  await page.getByRole('alert').filter({ hasText: SESSION_ENDED }).waitFor();
  expect(requests.filter((r) => r === 'POST /api/v1/auth/refresh')).toHaveLength(1);
  await screenshot(page, 'session-ended-desktop');
}

/** Logs in again on the /login page the app sent the user to (no new visit: it must remember where they were going). */
async function logInAgain(page: Page, who: Identity) {
  await page.getByLabel('Email or username', { exact: true }).fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

describe.skipIf(e2eSkipped)('the sign-in in the browser', () => {
  const started = appAndBrowser();
  /** A verified user with 6 tasks and 6 files: more than the dashboard lists of each. */
  let who: Identity;

  beforeAll(async () => {
    const { app } = started();
    who = (await signUpVerifiedUser(app.srv, app.sink, newIdentity('session'))).identity;
    const api: TaskvaultClient = createClient({ baseUrl: app.baseUrl });
    await api.session.login({ email: who.email, password: who.password });
    for (let i = 1; i <= RECENT + 1; i++) {
      await api.ok(api.tasks.create({ body: { title: `Task number ${i}` } }));
      await api.files.upload(new TextEncoder().encode(`notes ${i}\n`), { name: `notes-${i}.txt` });
    }
    await api.session.logout();
  });

  it('keeps no token in localStorage or sessionStorage, and the refresh token in an HttpOnly cookie', async () => {
    const { browser } = started();
    const context = await browser.desktop();
    await withPage(context, 'session-storage', async (page, errors) => {
      const access = await logIn(page, who);
      const storage = await storageOf(page);
      const stored = JSON.stringify(storage);
      expect(stored).not.toContain(access);
      // Nothing that looks like a JWT or a refresh token (`<uuid>.<secret>`), under any key.
      expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      expect(stored).not.toMatch(/[0-9a-f-]{36}\.[\w-]{43}/);
      expect(storage).toEqual({ local: [], session: [] });

      const cookies = await context.cookies();
      const refresh = cookies.filter((c) => c.name === 'tv_refresh');
      expect(refresh).toHaveLength(1);
      expect(refresh[0]!.httpOnly).toBe(true);
      // So the page's script cannot read it.
      expect(await page.evaluate<string>('document.cookie')).not.toContain('tv_refresh');
      expect(errors).toEqual([]);
    });
  });

  it('keeps the session across a reload', async () => {
    const { browser } = started();
    await withPage(await browser.desktop(), 'session-reload', async (page, errors) => {
      await logIn(page, who);
      await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
      await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();

      const requests = recordApiRequests(page);
      await page.reload();
      await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
      await page.getByText(`Signed in as ${who.username}`).waitFor();
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      // Picked up from the cookie: one refresh, then who the user is.
      expect(requests.filter((r) => r.startsWith('POST /api/v1/auth/'))).toEqual([
        'POST /api/v1/auth/refresh',
      ]);
      expect(requests).toContain('GET /api/v1/auth/profile');
      expect(await storageOf(page)).toEqual({ local: [], session: [] });
      await screenshot(page, 'session-reloaded-desktop');
      expect(errors).toEqual([]);
    });
  });

  // Revoked elsewhere, the access token the page holds is refused at once: the next read gets a 401, the
  // refresh that follows is refused too, and the page sends the user to /login saying why; once logged in
  // again, they are where they were heading. Both ways a page reads: REST (a task) and tRPC (the dashboard).
  it('sends the user to /login with a message when the session was revoked elsewhere (a REST read next)', async () => {
    const { app, browser } = started();
    await withPage(await browser.desktop(), 'session-revoked-rest', async (page, errors) => {
      await logIn(page, who);
      await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
      const task = page.getByRole('region', { name: 'Recently updated' }).getByRole('link', {
        name: `Task number ${RECENT + 1}`,
      });
      await task.waitFor();

      await logOutEverywhereFromNode(app.baseUrl, who);
      const requests = recordApiRequests(page);
      await task.click();
      await expectSessionEnded(page, requests);

      await logInAgain(page, who);
      await page.getByRole('heading', { name: `Task number ${RECENT + 1}`, exact: true }).waitFor();
      expect(new URL(page.url()).pathname).toMatch(/^\/tasks\/[0-9a-f-]{36}$/);
      expect(errors).toEqual([]);
    });
  });

  it('sends the user to /login with a message when the session was revoked elsewhere (the dashboard next)', async () => {
    const { app, browser } = started();
    await withPage(await browser.desktop(), 'session-revoked-trpc', async (page, errors) => {
      await logIn(page, who);

      await logOutEverywhereFromNode(app.baseUrl, who);
      const requests = recordApiRequests(page);
      await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
      await expectSessionEnded(page, requests);
      expect(requests.filter((r) => r.includes(' /trpc/'))).toHaveLength(1);

      await logInAgain(page, who);
      await page.getByRole('heading', { name: 'At a glance' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      expect(errors).toEqual([]);
    });
  });

  it("loads the dashboard's statistics, recent tasks and recent files in one tRPC request", async () => {
    const { browser } = started();
    await withPage(await browser.desktop(), 'session-dashboard', async (page, errors) => {
      await logIn(page, who);
      const requests = recordApiRequests(page);
      await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();

      await page.getByRole('heading', { name: 'At a glance' }).waitFor();
      const recentTasks = page.getByRole('region', { name: 'Recently updated' }).getByRole('listitem');
      const recentFiles = page.getByRole('region', { name: 'Recently uploaded' }).getByRole('listitem');
      await recentTasks.first().waitFor();
      expect(await recentTasks.count()).toBe(RECENT);
      expect(await recentFiles.count()).toBe(RECENT);
      // The newest first: the first of the six is the one left out.
      await recentTasks.getByText(`Task number ${RECENT + 1}`).waitFor();
      expect(await recentTasks.getByText('Task number 1', { exact: true }).count()).toBe(0);
      await recentFiles.getByText(`notes-${RECENT + 1}.txt`).waitFor();
      await page.getByRole('img', { name: /Tasks by status/ }).waitFor();

      // The three reads, batched: one request to /trpc naming the three procedures, and no REST reads.
      expect(requests).toHaveLength(1);
      const [method, path] = requests[0]!.split(' ') as [string, string];
      expect(['GET', 'POST']).toContain(method);
      expect(path.startsWith('/trpc/')).toBe(true);
      expect(decodeURIComponent(path.slice('/trpc/'.length)).split(',').sort()).toEqual([
        'files.list',
        'tasks.list',
        'tasks.stats',
      ]);
      await screenshot(page, 'dashboard-desktop');
      expect(errors).toEqual([]);
    });
  });
});
