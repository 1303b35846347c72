/**
 * The README's "In the browser" page (demos/browser/index.html) as a newcomer runs it: served by
 * `npm run demo:browser`'s server, opened in a plain Chromium page (no bundler, no import map), it
 * loads the browser build and the component and greets, and a click greets again.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { withPage } from '../harness/chromium.js';

let server: Server;
let origin: string;

before(async () => {
  const demo = (await import(new URL('../../../demos/serve.mjs', import.meta.url).href)) as { serveDemo(port: number): Promise<Server> };
  server = await demo.serveDemo(0);
  const a = server.address();
  origin = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the browser demo page', () => {
  it('greets in a plain page, cross-origin isolated, with no errors', async () => {
    await withPage(`${origin}/`, async (page, errors) => {
      await page.waitForFunction(() => document.querySelector('#out')?.textContent?.startsWith('Hello'), undefined, { timeout: 20_000 });
      assert.equal(await page.textContent('#out'), 'Hello, browser!');
      await page.fill('#name', 'reader');
      await page.click('#go');
      assert.equal(await page.textContent('#out'), 'Hello, reader!');
      assert.equal(await page.evaluate(() => crossOriginIsolated), true);
      assert.deepEqual(errors, []);
    });
  });
});
