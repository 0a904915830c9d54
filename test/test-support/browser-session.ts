// A signed-in console session in a browser context of its own (cookies are per context), as a
// person gets one: the sign-in page, the "API token" field, the "Sign in" button.
import type { Browser, Page } from 'playwright-core';

export async function signInPage(browser: Browser, origin: string, token: string, onPage: (page: Page) => void = () => undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  onPage(page);
  await page.goto('/signin');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/policies');
  return page;
}
