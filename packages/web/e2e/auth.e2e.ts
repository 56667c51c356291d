/**
 * Accounts in the browser, from sign-up to log-out, against the real server and the email it really sends.
 *
 * Written against the pages' accessible names, which the pages follow:
 * - /signup: fields labelled 'Email', 'Username', 'Password'; button 'Create account'; then /check-email
 *   says 'Check your email'. A field the server rejects is marked `aria-invalid` and described
 *   (`aria-describedby`) by the server's message, next to it.
 * - the emailed link, /verify-email/:uid/:token: 'Your email is verified' and a link 'Log in'.
 * - /login: fields 'Email or username', 'Password'; button 'Log in'; wrong credentials are said in an
 *   alert (role=alert). Then /tasks with a heading 'Tasks', and a button 'Log out' in the navigation
 *   that leads back to /login.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { jsonClient, newIdentity } from '../../server/test/api.ts';
import { e2eSkipped, overflowsSideways, screenshot, withPage } from './browser.ts';
import { appAndBrowser, fillLogIn, fillSignUp, verificationLink } from './journey.ts';

/** The text of whatever the field names in `aria-describedby`: its error, for one. */
async function descriptionOf(page: Page, field: Locator): Promise<string> {
  const ids = (await field.getAttribute('aria-describedby'))?.split(/\s+/).filter(Boolean) ?? [];
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' ');
}

describe.skipIf(e2eSkipped)('accounts in the browser', () => {
  const started = appAndBrowser();

  it('signs up, verifies the email from the link it was sent, logs in and logs out', async () => {
    const { app, browser } = started();
    const who = newIdentity('e2e');
    await withPage(await browser.desktop(), 'auth-journey', async (page, errors) => {
      await fillSignUp(page, who);
      await screenshot(page, 'signup-desktop');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL('**/check-email');
      await page.getByText('Check your email').first().waitFor();
      await screenshot(page, 'check-email-desktop');

      // The link in the email, as the user would click it: it must lead to this server (PUBLIC_URL).
      const link = await verificationLink(app, who.email);
      expect(link.startsWith(`${app.baseUrl}/verify-email/`), link).toBe(true);
      await page.goto(link);
      await page.getByText('Your email is verified').first().waitFor();
      await screenshot(page, 'email-verified-desktop');
      await page.getByRole('link', { name: 'Log in' }).click();
      await page.waitForURL('**/login');

      await fillLogIn(page, who.username, who.password);
      await screenshot(page, 'login-desktop');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/tasks');
      await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
      await screenshot(page, 'tasks-desktop');

      await page.getByRole('navigation').getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login');
      expect(errors).toEqual([]);
    });
  });

  it("shows the server's error next to the field it is about: a taken username", async () => {
    const { app, browser } = started();
    const first = newIdentity('taken');
    expect((await jsonClient(app.baseUrl).post('/api/v1/auth/register', first)).status).toBe(201);
    const second = { ...newIdentity('other'), username: first.username };
    await withPage(await browser.desktop(), 'signup-taken', async (page, errors) => {
      await fillSignUp(page, second);
      await page.getByRole('button', { name: 'Create account' }).click();
      const username = page.getByLabel('Username', { exact: true });
      await expect
        .poll(() => descriptionOf(page, username), { timeout: 10_000 })
        .toContain('This username is taken');
      expect(await username.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid')).not.toBe('true');
      expect(new URL(page.url()).pathname).toBe('/signup');
      await screenshot(page, 'signup-taken-username-desktop');
      expect(errors).toEqual([]);
    });
  });

  it('says so in an alert when the credentials are wrong', async () => {
    const { app, browser } = started();
    const who = newIdentity('wrong');
    expect((await jsonClient(app.baseUrl).post('/api/v1/auth/register', who)).status).toBe(201);
    await withPage(await browser.desktop(), 'login-wrong', async (page, errors) => {
      await fillLogIn(page, who.email, `${who.password} but wrong`);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /invalid|incorrect|wrong/i })
        .waitFor();
      expect(new URL(page.url()).pathname).toBe('/login');
      await screenshot(page, 'login-wrong-credentials-desktop');
      expect(errors).toEqual([]);
    });
  });

  it.for(['/signup', '/login'])('fits a phone: %s', async (path) => {
    const { browser } = started();
    await withPage(await browser.mobile(), `mobile${path}`, async (page, errors) => {
      await page.goto(path);
      await page.getByLabel('Password', { exact: true }).waitFor();
      await page.getByRole('button', { name: path === '/signup' ? 'Create account' : 'Log in' }).waitFor();
      expect(await overflowsSideways(page)).toBe(false);
      await screenshot(page, `${path.slice(1)}-mobile`);
      expect(errors).toEqual([]);
    });
  });
});
