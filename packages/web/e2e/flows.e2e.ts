/**
 * One person's day with Taskvault, in the built app on a desktop, against the real server and the email it
 * really sends: sign up, verify, log in; tasks (create, filter, edit, complete, a stale edit, delete); files
 * (an upload with its progress bar, a download checked byte for byte, a refused upload, search, delete,
 * attach to a task); the dashboard; the profile (storage, a new password); log out.
 *
 * Written against the pages' accessible names only. Two things the pages do that the test relies on:
 * - while a dialog is open the rest of the page is hidden from the accessibility tree, but `getByLabel`
 *   still finds labels there, so fields inside a dialog are looked up inside it;
 * - the task page's Status select offers only the task's own status and those it may move to.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FileMeta, Task, TokenPair } from '@taskvault/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonClient, newIdentity, type Ok } from '../../server/test/api.ts';
import {
  largeTextFixture,
  rejectedFixtures,
  sha256,
  validFixtures,
  type Fixture,
} from '../../server/test/file-fixtures.ts';
import { upload } from '../../server/test/files-api.ts';
import { e2eSkipped, screenshot, withPage } from './browser.ts';
import { appAndBrowser, fillSignUp, logIn, nav, verificationLink } from './journey.ts';

/** `YYYY-MM-DD`, `days` from today (UTC, as the server compares dates). */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The titles in the current page's task or file table, sorted; none when it shows no table. */
const rowTitles = async (page: Page) =>
  (await page.getByRole('table').getByRole('rowheader').allInnerTexts()).map((t) => t.trim()).sort();

/** Polls the table until it lists exactly `titles` (filters and searches apply after a short pause). */
const expectRows = (page: Page, titles: string[]) =>
  expect.poll(() => rowTitles(page), { timeout: 10_000 }).toEqual([...titles].sort());

const statusSays = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();
const alertSays = (page: Page, text: string | RegExp) =>
  page.getByRole('alert').filter({ hasText: text }).waitFor();

async function logOut(page: Page) {
  await nav(page).getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/login');
}

/** The options a select offers, as the user reads them. */
const optionsOf = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).locator('option').allInnerTexts();

/** The line of the upload list (region 'Uploads') about one file. */
const uploadOf = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: name });

/** Chooses files in the upload panel as a person would, by the file input labelled 'Choose files'. */
const chooseFiles = (page: Page, ...files: Fixture[]) =>
  page.getByLabel('Choose files', { exact: true }).setInputFiles(
    files.map((f) => ({
      name: f.name,
      mimeType: f.name.endsWith('.png') ? 'image/png' : 'text/plain',
      buffer: f.bytes,
    })),
  );

describe.skipIf(e2eSkipped)('a user journey in the browser', () => {
  const startedApp = appAndBrowser();
  let downloads: string | undefined;
  const started = () => {
    const { app, browser } = startedApp();
    if (!downloads) throw new Error('the server or the browser did not start');
    return { app, browser, downloads };
  };

  beforeAll(async () => {
    downloads = await mkdtemp(path.join(tmpdir(), 'taskvault-e2e-downloads-'));
  });
  afterAll(async () => {
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  it('signs up, works with tasks and files, changes the password and logs out', async () => {
    const { app, browser, downloads } = started();
    const api = jsonClient(app.baseUrl);
    const who = newIdentity('flow');
    const newPassword = 'a brand new passphrase 2025';
    // 3 MiB of valid UTF-8: long enough for the upload to report progress.
    const notes: Fixture = { ...largeTextFixture(3 * 1024 * 1024), name: 'field-notes.txt' };
    const whiteboard: Fixture = { ...validFixtures.png, name: 'whiteboard.png' };
    const elf = rejectedFixtures.elfAsPng; // an ELF executable named tool.png

    await withPage(await browser.desktop(), 'flow', async (page, errors) => {
      // ---- Sign up, the emailed link, log in ----
      await fillSignUp(page, who);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.goto(await verificationLink(app, who.email));
      await page.getByRole('heading', { name: 'Your email is verified' }).waitFor();
      await logIn(page, who.username, who.password);
      await page.waitForURL('**/tasks');
      await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
      await page.getByText('No tasks yet.').waitFor();

      // The same user through the API from Node, for the changes made "elsewhere".
      const login = await api.post<Ok<TokenPair>>('/api/v1/auth/login', {
        username: who.username,
        password: who.password,
      });
      expect(login.status).toBe(200);
      const token = login.body.data.access;

      // ---- Create tasks in the dialog (one more arrives through the API, already in progress) ----
      const create = async (title: string, priority: string, dueDate?: string) => {
        await page.getByRole('button', { name: 'New task' }).click();
        const dialog = page.getByRole('dialog', { name: 'New task' });
        await dialog.getByLabel('Title', { exact: true }).fill(title);
        await dialog.getByLabel('Description', { exact: true }).fill(`About: ${title.toLowerCase()}.`);
        await dialog.getByLabel('Priority', { exact: true }).selectOption({ label: priority });
        if (dueDate) await dialog.getByLabel('Due date', { exact: true }).fill(dueDate);
        await dialog.getByRole('button', { name: 'Save' }).click();
        await dialog.waitFor({ state: 'detached' });
        await statusSays(page, 'Task created.');
        await page.getByRole('link', { name: `Open “${title}”` }).waitFor();
      };
      await create('Write the quarterly report', 'High', day(7));
      await create('Buy printer paper', 'Low');
      const offsite = await api.post<Ok<Task>>(
        '/api/v1/tasks',
        { title: 'Plan the team offsite', priority: 'medium' },
        { token },
      );
      expect(offsite.status).toBe(201);
      const moved = await api.patch(
        `/api/v1/tasks/${offsite.body.data.id}`,
        { status: 'in_progress' },
        { token },
      );
      expect(moved.status).toBe(200);
      await page.reload();
      const all = ['Write the quarterly report', 'Buy printer paper', 'Plan the team offsite'];
      await expectRows(page, all);
      await screenshot(page, 'flow-tasks-desktop');

      // ---- Filter: status, priority, search (each in the URL), then clear ----
      const filters = page.getByRole('search', { name: 'Filter tasks' });
      await filters.getByLabel('Status', { exact: true }).selectOption({ label: 'In progress' });
      await expectRows(page, ['Plan the team offsite']);
      expect(new URL(page.url()).searchParams.get('status')).toBe('in_progress');
      await filters.getByLabel('Status', { exact: true }).selectOption({ label: 'Any' });
      await filters.getByLabel('Priority', { exact: true }).selectOption({ label: 'High' });
      await expectRows(page, ['Write the quarterly report']);
      await filters.getByLabel('Priority', { exact: true }).selectOption({ label: 'Any' });
      await filters.getByLabel('Search', { exact: true }).fill('paper');
      await expectRows(page, ['Buy printer paper']);
      expect(new URL(page.url()).searchParams.get('search')).toBe('paper');
      await filters.getByLabel('Status', { exact: true }).selectOption({ label: 'Completed' });
      await page.getByText('No task matches these filters.').waitFor();
      await filters.getByRole('button', { name: 'Clear filters' }).click();
      await expectRows(page, all);
      expect(new URL(page.url()).search).toBe('');

      // ---- Edit the title ----
      await page.getByRole('link', { name: 'Write the quarterly report' }).click();
      await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
      const taskUrl = page.url();
      const taskId = taskUrl.split('/').at(-1)!;
      await page.getByRole('heading', { level: 1, name: 'Write the quarterly report' }).waitFor();
      expect(await page.getByLabel('Due date', { exact: true }).inputValue()).toBe(day(7));
      await page.getByLabel('Title', { exact: true }).fill('Write the Q3 report');
      await page.getByRole('button', { name: 'Save' }).click();
      await statusSays(page, 'Saved.');
      await page.getByRole('heading', { level: 1, name: 'Write the Q3 report' }).waitFor();

      // ---- Complete it: the Status select offers only the allowed moves ----
      expect(await optionsOf(page, 'Status')).toEqual(['Pending', 'In progress', 'Completed', 'Cancelled']);
      await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Completed' });
      await page.getByRole('button', { name: 'Save' }).click();
      await statusSays(page, 'Saved.');
      // Completed now: the page says when.
      await page.getByText(/· completed /).waitFor();
      // A completed task can only be reopened.
      expect(await optionsOf(page, 'Status')).toEqual(['Pending', 'Completed']);
      await screenshot(page, 'flow-task-desktop');

      // ---- A stale edit: the task changes through the API while this page is open ----
      const elsewhere = await api.patch(
        `/api/v1/tasks/${taskId}`,
        { description: 'Figures from finance are in.' },
        { token },
      );
      expect(elsewhere.status).toBe(200);
      await page.getByLabel('Title', { exact: true }).fill('Write the Q3 report, final');
      await page.getByRole('button', { name: 'Save' }).click();
      await alertSays(page, 'This task was changed elsewhere.');
      await screenshot(page, 'flow-task-conflict-desktop');
      await page.getByRole('button', { name: 'Reload' }).click();
      await statusSays(page, 'Loaded the latest version.');
      expect(await page.getByRole('alert').filter({ hasText: 'changed elsewhere' }).count()).toBe(0);
      expect(await page.getByLabel('Title', { exact: true }).inputValue()).toBe('Write the Q3 report');
      expect(await page.getByLabel('Description', { exact: true }).inputValue()).toBe(
        'Figures from finance are in.',
      );

      // ---- Delete it, through the confirmation dialog ----
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this task?' });
      await confirm.getByText('“Write the Q3 report” will be deleted for good.').waitFor();
      await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.waitForURL('**/tasks');
      await statusSays(page, 'Task “Write the Q3 report” deleted.');
      await expectRows(page, ['Buy printer paper', 'Plan the team offsite']);
      expect((await api.get(`/api/v1/tasks/${taskId}`, { token })).status).toBe(404);

      // ---- Upload a 3 MiB text file: its progress bar fills up as the bytes go ----
      await nav(page).getByRole('link', { name: 'Files' }).click();
      await page.getByRole('heading', { level: 1, name: 'Files' }).waitFor();
      await page.getByText('No files yet. Upload one above.').waitFor();
      // Every value the bar takes, as the page draws it; and an upload link slow enough (4 MiB/s, about
      // 0.8 s) for the browser to report progress on the way, where loopback would be done at once.
      await page.evaluate(`(() => {
        const seen = (window.progressSeen = []);
        new MutationObserver(() => {
          const bar = document.querySelector('progress[aria-label=${JSON.stringify(`Uploading ${notes.name}`)}]');
          if (bar) seen.push([bar.value, bar.max]);
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      })()`);
      const cdp = await page.context().newCDPSession(page);
      const throttle = (uploadThroughput: number) =>
        cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput,
        });
      await throttle(4 * 1024 * 1024);
      await chooseFiles(page, notes);
      const progress = page.getByRole('progressbar', { name: `Uploading ${notes.name}` });
      await progress.waitFor();
      await uploadOf(page, notes.name).getByText('Uploaded', { exact: true }).waitFor();
      await throttle(-1);
      await cdp.detach();
      const seen = await page.evaluate<[number, number][]>('window.progressSeen');
      const max = Number(await progress.getAttribute('max'));
      // The bar counts the request body: the file and its multipart envelope.
      expect(max).toBeGreaterThan(notes.bytes.length);
      expect(Number(await progress.getAttribute('value'))).toBe(max);
      expect(seen.at(-1)).toEqual([max, max]);
      expect(
        seen.filter(([value]) => value > 0 && value < max).length,
        `values on the way: ${JSON.stringify(seen)}`,
      ).toBeGreaterThan(0);
      await expectRows(page, [notes.name]);

      // ---- Download it: the same bytes come back ----
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: `Download ${notes.name}` }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(notes.name);
      const saved = path.join(downloads, notes.name);
      await download.saveAs(saved);
      expect(sha256(await readFile(saved))).toBe(sha256(notes.bytes));

      // ---- A real PNG and an executable named .png: one kept, one refused in the server's words ----
      const refusal = await upload(app.baseUrl, { file: elf, token });
      expect(refusal.status).toBe(400);
      const serverSays = (refusal.body as unknown as { message: string }).message;
      await chooseFiles(page, whiteboard, elf);
      await alertSays(page, `Could not upload “${elf.name}”: ${serverSays}`);
      await uploadOf(page, whiteboard.name).getByText('Uploaded', { exact: true }).waitFor();
      await expectRows(page, [notes.name, whiteboard.name]);
      await screenshot(page, 'flow-files-desktop');

      // ---- Search the files, then delete one through its dialog ----
      const fileFilters = page.getByRole('search', { name: 'Filter files' });
      await fileFilters.getByLabel('Search files', { exact: true }).fill('white');
      await expectRows(page, [whiteboard.name]);
      await fileFilters.getByLabel('Search files', { exact: true }).fill('');
      await expectRows(page, [notes.name, whiteboard.name]);
      await page.getByRole('button', { name: `Delete ${whiteboard.name}` }).click();
      const deleteFile = page.getByRole('dialog', { name: 'Delete this file?' });
      await deleteFile.getByRole('button', { name: 'Delete', exact: true }).click();
      await statusSays(page, `File “${whiteboard.name}” deleted.`);
      await expectRows(page, [notes.name]);

      // ---- Attach the notes to a task, and find them on the task's page ----
      await page
        .getByLabel(`Task for ${notes.name}`, { exact: true })
        .selectOption({ label: 'Buy printer paper' });
      await statusSays(page, `“${notes.name}” is attached to “Buy printer paper”.`);
      await page.getByRole('link', { name: 'Open task Buy printer paper' }).click();
      await page.getByRole('heading', { level: 1, name: 'Buy printer paper' }).waitFor();
      const attached = page.getByRole('region', { name: 'Attached files' });
      await attached.getByText(notes.name, { exact: true }).waitFor();
      const [again] = await Promise.all([
        page.waitForEvent('download'),
        attached.getByRole('button', { name: `Download ${notes.name}` }).click(),
      ]);
      await again.saveAs(path.join(downloads, 'from-task.txt'));
      expect(sha256(await readFile(path.join(downloads, 'from-task.txt')))).toBe(sha256(notes.bytes));

      // ---- The dashboard sums it up ----
      await nav(page).getByRole('link', { name: 'Dashboard' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await page.getByRole('region', { name: 'Recently uploaded' }).getByText(notes.name).waitFor();
      const recent = page.getByRole('region', { name: 'Recently updated' });
      await recent.getByRole('link', { name: 'Buy printer paper' }).waitFor();
      await recent.getByRole('link', { name: 'Plan the team offsite' }).waitFor();
      await screenshot(page, 'flow-dashboard-desktop');

      // ---- Profile: storage used, then a new password ----
      await nav(page).getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
      const meter = page.getByLabel('Storage used', { exact: true });
      await meter.waitFor();
      expect(await meter.getAttribute('aria-valuetext')).toMatch(/^3 MiB of 1 GiB \(1 file\)$/);
      await page.getByLabel('Current password', { exact: true }).fill(who.password);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      await statusSays(page, 'Password changed.');
      await screenshot(page, 'flow-profile-desktop');

      // ---- Log out; the old password no longer works, the new one does; log out ----
      await logOut(page);
      await logIn(page, who.username, who.password);
      await alertSays(page, /invalid|incorrect|wrong/i);
      await logIn(page, who.email, newPassword);
      await page.waitForURL('**/tasks');
      await expectRows(page, ['Buy printer paper', 'Plan the team offsite']);
      await logOut(page);
      await statusSays(page, 'You are logged out.');
      // Signed out for real: a signed-in page sends the visitor back to the login page.
      await page.goto('/files');
      await page.waitForURL('**/login');

      expect(errors).toEqual([]);
    });

    // Everything the browser did, as the API sees it.
    const relog = await api.post<Ok<TokenPair>>('/api/v1/auth/login', {
      username: who.username,
      password: newPassword,
    });
    expect(relog.status).toBe(200);
    const files = await api.get<Ok<{ items: FileMeta[] }>>('/api/v1/files', {
      token: relog.body.data.access,
    });
    expect(files.body.data.items.map((f) => [f.name, f.size, f.sha256])).toEqual([
      [notes.name, notes.bytes.length, sha256(notes.bytes)],
    ]);
  });
});
