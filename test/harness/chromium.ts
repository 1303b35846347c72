/**
 * Debian's Chromium (or CHROMIUM_PATH) driven by playwright-core, for the Node tests that open a
 * plain page themselves (no test runner in it): a page's errors and console errors are collected.
 */
import { type Browser, type Page, chromium } from 'playwright-core';

/** Opens `url` in a fresh headless Chromium, runs `fn` on the page, and closes the browser; `errors` gets what the page reported. */
export async function withPage<T>(url: string, fn: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url);
    return await fn(page, errors);
  } finally {
    await browser.close();
  }
}
