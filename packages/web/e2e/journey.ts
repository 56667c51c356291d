/**
 * What the browser tests share: the server and the browser for one test file, and the steps of a person's
 * journey through the pages (sign up, the emailed link, log in), by the pages' accessible names.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startAppServer, type AppServer } from './app-server.ts';
import { launchBrowser, type E2EBrowser } from './browser.ts';

/**
 * Starts the app server (fresh database, SMTP sink) and Chromium before the file's tests and stops them
 * after; call it in the `describe`. Answers a getter for the tests, which throws if either did not start.
 * A file's own `beforeAll`, registered after it, runs after they started.
 */
export function appAndBrowser(): () => { app: AppServer; browser: E2EBrowser } {
  let app: AppServer | undefined;
  let browser: E2EBrowser | undefined;
  beforeAll(async () => {
    app = await startAppServer();
    browser = await launchBrowser(app.baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  return () => {
    if (!app || !browser) throw new Error('the server or the browser did not start');
    return { app, browser };
  };
}

/** The main navigation, drawn once the session is known. */
export const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** Opens /signup and fills it in, without sending it ('Create account'). */
export async function fillSignUp(page: Page, who: { email: string; username: string; password: string }) {
  await page.goto('/signup');
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Username', { exact: true }).fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
}

/** The verification link in the email the server sent to `email` (waits for it). */
export async function verificationLink(app: AppServer, email: string): Promise<string> {
  const mail = await app.sink.waitFor((m) => m.to.includes(email) && m.text.includes('/verify-email/'));
  const link = /https?:\/\/\S+\/verify-email\/[^/\s]+\/[^/\s]+/.exec(mail.text)?.[0];
  expect(link, mail.text).toBeDefined();
  return link!;
}

/** Opens /login and fills it in, without sending it ('Log in'). */
export async function fillLogIn(page: Page, login: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email or username', { exact: true }).fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
}

/** Opens /login, fills it in and sends it; what follows (where the app goes) is the caller's to wait for. */
export async function logIn(page: Page, login: string, password: string) {
  await fillLogIn(page, login, password);
  await page.getByRole('button', { name: 'Log in' }).click();
}
