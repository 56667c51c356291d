/**
 * Every main screen of the app with realistic data, on a desktop (1280×800) and on a phone 375 px wide:
 * login, sign-up, check-email, the task list, a task, the new-task dialog, the dashboard, the files (a list
 * and a finished upload), the profile and the admin page. Each is written to
 * packages/web/e2e-screenshots/screen-<screen>-<desktop|mobile>.png, and on the phone none may scroll
 * sideways. A few of them are copied to docs/images for the README.
 *
 * The phone is drawn at one device pixel per CSS pixel, so its pictures are 375 px wide, as the README
 * shows them; the other tests use the usual phone density of 2.
 */
import type { Task } from '@taskvault/sdk';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, jsonClient, signUpVerifiedUser, type Ok } from '../../server/test/api.ts';
import { validFixtures, type Fixture } from '../../server/test/file-fixtures.ts';
import { upload } from '../../server/test/files-api.ts';
import type { AppServer } from './app-server.ts';
import { e2eSkipped, MOBILE, overflowsSideways, screenshot, withPage } from './browser.ts';
import { appAndBrowser, fillLogIn, fillSignUp, nav } from './journey.ts';

type Kind = 'desktop' | 'mobile';

const PASSWORD = 'correct horse battery staple 42';

/** `YYYY-MM-DD`, `days` from today (UTC, as the server compares dates). */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A user per window kind, so each kind's pictures show the same data. */
const PEOPLE = {
  desktop: { user: ['dana', 'Dana', 'Reyes'], newcomer: 'jamie' },
  mobile: { user: ['robin', 'Robin', 'Okafor'], newcomer: 'jordan' },
} as const satisfies Record<Kind, { user: readonly [string, string, string]; newcomer: string }>;

const REPORT = 'Write the quarterly report';

type SeedTask = { title: string; priority: string; dueDate?: string; status?: string; description?: string };
const TASKS: SeedTask[] = [
  { title: 'Order new monitors', priority: 'medium', status: 'cancelled' },
  { title: 'Review the onboarding checklist', priority: 'low', status: 'completed' },
  { title: 'Update the team wiki', priority: 'low', dueDate: day(20) },
  { title: 'Book flights for the offsite', priority: 'medium', dueDate: day(12) },
  { title: 'Renew the office lease', priority: 'high', dueDate: day(-3) },
  {
    title: REPORT,
    priority: 'high',
    dueDate: day(5),
    status: 'in_progress',
    description: 'Figures from finance, the summary for the board, and the charts.',
  },
];

const named = (fixture: Fixture, name: string): Fixture => ({ ...fixture, name });
/** Uploaded through the API, oldest first; the last one attached to the report, like the first. */
const FILES: [Fixture, string | undefined][] = [
  [named(validFixtures.csv, 'budget-2025.csv'), REPORT],
  [named(validFixtures.png, 'whiteboard.png'), 'Book flights for the offsite'],
  [named(validFixtures.txt, 'meeting-notes.txt'), undefined],
  [named(validFixtures.pdf, 'q3-figures.pdf'), REPORT],
];
/** Uploaded in the page, so the files screen shows a finished upload. */
const RETRO = named(validFixtures.md, 'retro-notes.md');

/** A verified user with tasks in every state and some files, through the API. */
async function seed(app: AppServer, [username, firstName, lastName]: readonly [string, string, string]) {
  const identity = { email: `${username}@example.com`, username, password: PASSWORD, firstName, lastName };
  const { tokens } = await signUpVerifiedUser(app.srv, app.sink, identity);
  const api = jsonClient(app.baseUrl);
  const token = tokens.access;
  const ids = new Map<string, string>();
  for (const { status, ...body } of TASKS) {
    const created = await api.post<Ok<Task>>('/api/v1/tasks', body, { token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids.set(body.title, created.body.data.id);
    if (status)
      expect((await api.patch(`/api/v1/tasks/${created.body.data.id}`, { status }, { token })).status).toBe(
        200,
      );
  }
  for (const [file, task] of FILES) {
    const res = await upload(app.baseUrl, { file, token, fields: task ? { taskId: ids.get(task)! } : {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}

const rowCount = (page: Page) => page.getByRole('table').first().getByRole('rowheader').count();

/** The line of the upload list (region 'Uploads') about one file. */
const uploadOf = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: name });

describe.skipIf(e2eSkipped)('screenshots of every main screen', () => {
  const startedApp = appAndBrowser();
  let admin: { username: string; password: string } | undefined;
  const started = () => {
    const { app, browser } = startedApp();
    if (!admin) throw new Error('the server or the browser did not start');
    return { app, browser, admin };
  };

  beforeAll(async () => {
    const { app } = startedApp();
    const made = await adminSession(app.srv, {
      email: 'morgan@example.com',
      username: 'morgan',
      password: PASSWORD,
    });
    admin = made.identity;
    await seed(app, PEOPLE.desktop.user);
    await seed(app, PEOPLE.mobile.user);
  });

  /** A new context: the standard desktop window, or the phone at one device pixel per CSS pixel. */
  const contextFor = async (kind: Kind): Promise<BrowserContext> => {
    const { app, browser } = started();
    if (kind === 'desktop') return browser.desktop();
    const context = await browser.browser.newContext({
      ...MOBILE,
      deviceScaleFactor: 1,
      baseURL: app.baseUrl,
    });
    context.setDefaultTimeout(10_000);
    return context;
  };

  it.for(['desktop', 'mobile'] as const)('%s', async (kind) => {
    const { admin } = started();
    const [username] = PEOPLE[kind].user;
    const newcomer = PEOPLE[kind].newcomer;

    await withPage(await contextFor(kind), `screens-${kind}`, async (page, errors) => {
      const shoot = async (screen: string) => {
        expect(await overflowsSideways(page), `${screen} scrolls sideways`).toBe(false);
        await screenshot(page, `screen-${screen}-${kind}`);
      };

      // Sign-up, then the page that says to check the email.
      await fillSignUp(page, { email: `${newcomer}@example.com`, username: newcomer, password: PASSWORD });
      await shoot('signup');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.getByText(`${newcomer}@example.com`).first().waitFor();
      await shoot('check-email');

      // Login, then the task list.
      await fillLogIn(page, username, PASSWORD);
      await shoot('login');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/tasks');
      await expect.poll(() => rowCount(page)).toBe(TASKS.length);
      await shoot('tasks');

      // The new-task dialog, filled in.
      await page.getByRole('button', { name: 'New task' }).click();
      const dialog = page.getByRole('dialog', { name: 'New task' });
      // Filled from the bottom up, so the focus ends in the title, where the dialog puts it.
      await dialog.getByLabel('Due date', { exact: true }).fill(day(3));
      await dialog.getByLabel('Priority', { exact: true }).selectOption({ label: 'High' });
      await dialog.getByLabel('Description', { exact: true }).fill('What changed, for the changelog.');
      await dialog.getByLabel('Title', { exact: true }).fill('Draft the release notes');
      await shoot('new-task');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });

      // A task with its attached files.
      await page.getByRole('link', { name: REPORT }).click();
      await page.getByRole('heading', { level: 1, name: REPORT }).waitFor();
      const attached = page.getByRole('region', { name: 'Attached files' });
      await attached.getByRole('button', { name: 'Download q3-figures.pdf' }).waitFor();
      await attached.getByRole('button', { name: 'Download budget-2025.csv' }).waitFor();
      await shoot('task');

      // The dashboard.
      await nav(page).getByRole('link', { name: 'Dashboard' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await page.getByRole('region', { name: 'Recently uploaded' }).getByText('q3-figures.pdf').waitFor();
      await page
        .getByRole('region', { name: 'Recently updated' })
        .getByRole('link', { name: REPORT })
        .waitFor();
      await shoot('dashboard');

      // The files, and an upload that has just finished.
      await nav(page).getByRole('link', { name: 'Files' }).click();
      await page.getByRole('heading', { level: 1, name: 'Files' }).waitFor();
      await expect.poll(() => rowCount(page)).toBe(FILES.length);
      await page.getByLabel('Choose files', { exact: true }).setInputFiles({
        name: RETRO.name,
        mimeType: 'text/markdown',
        buffer: RETRO.bytes,
      });
      await uploadOf(page, RETRO.name).getByText('Uploaded', { exact: true }).waitFor();
      await expect.poll(() => rowCount(page)).toBe(FILES.length + 1);
      await shoot('files');

      // The profile.
      await nav(page).getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
      await page.getByLabel('Storage used', { exact: true }).waitFor();
      await page.getByText(`(${FILES.length + 1} files)`).waitFor();
      await shoot('profile');

      // The admin page, as the administrator.
      await nav(page).getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login');
      await fillLogIn(page, admin.username, admin.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/tasks');
      await nav(page).getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
      await page.getByRole('region', { name: 'Users' }).getByLabel(`Role for ${username}`).waitFor();
      await expect
        .poll(() => page.getByRole('region', { name: 'All tasks' }).getByRole('rowheader').count())
        .toBe(2 * TASKS.length);
      await shoot('admin');

      expect(errors).toEqual([]);
    });
  });
});
