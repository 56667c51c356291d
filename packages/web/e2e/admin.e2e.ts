/**
 * Administration in the browser: an administrator (made as an operator makes the first one, with
 * create-admin) finds a user and promotes them, and sees every user's tasks; a plain user sees no way in,
 * is told so at /admin, and the API refuses them too.
 *
 * The pages' accessible names: the navigation 'Main' has a link 'Admin' for administrators only; /admin has
 * the sections 'Users' (search 'Search users', a select 'Role for <username>' per row, status messages
 * such as '<username> is now an administrator.') and 'All tasks'.
 */
import type { AdminUser } from '@taskvault/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { adminSession, jsonClient, newIdentity, signUpVerifiedUser, type Ok } from '../../server/test/api.ts';
import { e2eSkipped, screenshot, withPage } from './browser.ts';
import { appAndBrowser, logIn as sendLogIn, nav } from './journey.ts';

/** Logs in and waits for the app to be ready on /tasks. */
async function logIn(page: Page, login: string, password: string) {
  await sendLogIn(page, login, password);
  await page.waitForURL('**/tasks');
  // The navigation is drawn once the session is known.
  await nav(page).getByRole('link', { name: 'Dashboard' }).waitFor();
}

describe.skipIf(e2eSkipped)('administration in the browser', () => {
  const started = appAndBrowser();

  it('an administrator promotes a user and sees every user’s tasks', async () => {
    const { app, browser } = started();
    const api = jsonClient(app.baseUrl);
    const admin = await adminSession(app.srv);
    const owner = await signUpVerifiedUser(app.srv, app.sink, newIdentity('owner'));
    const target = await signUpVerifiedUser(app.srv, app.sink, newIdentity('promoted'));
    const ownerTask = `Renew the lease of ${owner.identity.username}`;
    const created = await api.post(
      '/api/v1/tasks',
      { title: ownerTask, priority: 'high' },
      { token: owner.tokens.access },
    );
    expect(created.status).toBe(201);
    const { username } = target.identity;

    await withPage(await browser.desktop(), 'admin-promotes', async (page, errors) => {
      await logIn(page, admin.identity.username, admin.identity.password);
      await nav(page).getByRole('link', { name: 'Admin' }).click();
      await page.waitForURL('**/admin');
      await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();

      // Another user's task, in the list of all tasks.
      const allTasks = page.getByRole('region', { name: 'All tasks' });
      await allTasks.getByRole('link', { name: ownerTask }).waitFor();

      // Find the user and make them an administrator.
      const users = page.getByRole('region', { name: 'Users' });
      const role = users.getByLabel(`Role for ${username}`, { exact: true });
      await role.waitFor();
      await users.getByLabel('Search users', { exact: true }).fill(username);
      await expect
        .poll(() => users.getByRole('table').getByRole('rowheader').allInnerTexts())
        .toEqual([expect.stringContaining(username)]);
      await screenshot(page, 'admin-users-desktop');
      expect(await role.inputValue()).toBe('user');
      await role.selectOption({ label: 'Admin' });
      await users
        .getByRole('status')
        .filter({ hasText: `${username} is now an administrator.` })
        .waitFor();
      expect(await role.inputValue()).toBe('admin');
      expect(errors).toEqual([]);
    });

    // The server agrees.
    const listed = await api.get<Ok<{ items: AdminUser[] }>>(
      `/api/v1/auth/admin/users?search=${encodeURIComponent(username)}`,
      { token: admin.tokens.access },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data.items.map((u) => [u.username, u.role])).toEqual([[username, 'admin']]);

    // And the promoted user, at their next login, finds the way in.
    await withPage(await browser.desktop(), 'admin-promoted-logs-in', async (page, errors) => {
      await logIn(page, username, target.identity.password);
      await nav(page).getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('region', { name: 'All tasks' }).getByRole('link', { name: ownerTask }).waitFor();
      expect(errors).toEqual([]);
    });
  });

  it('a plain user sees no Admin link, is told so at /admin, and the API refuses them', async () => {
    const { app, browser } = started();
    const plain = await signUpVerifiedUser(app.srv, app.sink, newIdentity('plain'));

    await withPage(await browser.desktop(), 'admin-refused', async (page, errors) => {
      const sent = page.waitForRequest((r) => !!r.headers().authorization?.startsWith('Bearer '));
      await logIn(page, plain.identity.username, plain.identity.password);
      const bearer = (await sent).headers().authorization!;
      await nav(page).getByRole('link', { name: 'Profile' }).waitFor();
      expect(await nav(page).getByRole('link', { name: 'Admin' }).count()).toBe(0);

      await page.goto('/admin');
      await page.getByText('You need administrator access.').waitFor();
      expect(await page.getByRole('heading', { name: 'All tasks' }).count()).toBe(0);
      expect(await page.getByLabel('Search users').count()).toBe(0);
      expect(await nav(page).getByRole('link', { name: 'Admin' }).count()).toBe(0);
      await screenshot(page, 'admin-refused-desktop');

      // The token the browser itself sends, straight to the API: refused there too.
      const asPlain = await page.request.get('/api/v1/auth/admin/users', {
        headers: { authorization: bearer },
      });
      expect(asPlain.status()).toBe(403);
      expect(await asPlain.json()).toMatchObject({ success: false, code: 'FORBIDDEN' });
      expect(errors).toEqual([]);
    });

    // From Node with the token of an API login: the same answer.
    const res = await jsonClient(app.baseUrl).get('/api/v1/auth/admin/users', {
      token: plain.tokens.access,
    });
    expect(res.status).toBe(403);
  });
});
