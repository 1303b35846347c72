/**
 * A page with a strict Content Security Policy (`script-src 'self' 'wasm-unsafe-eval'`: no eval,
 * no `new Function`, no inline script) loads the browser build and runs components through it:
 * the loading path (fetch, integrity, Cache Storage, parse, compile, link) and the WASI host
 * need nothing the policy forbids, and the page reports no violation.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { withPage } from '../harness/chromium.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";

const PAGE = '<!doctype html><meta charset="utf-8"><title>csp</title><script type="module" src="/page.js"></script>';
const SCRIPT = `
import { loadComponent, integrityOf } from '/dist/index.browser.js';
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
try {
  const url = '/build/fixtures/memory-grow.wasm';
  const integrity = await integrityOf(new Uint8Array(await (await fetch(url)).arrayBuffer()));
  const grow = (await (await loadComponent(url, { integrity, cache: 'csp-test' })).instantiate()).exports;
  const config = (await (await loadComponent('/build/fixtures/config-guest.wasm')).instantiate({ capabilities: { config: { region: 'eu' } } })).exports;
  // the policy holds on this page: eval is refused (its violation report is left out below)
  let evalRefused = false;
  try { (0, eval)('1'); } catch { evalRefused = true; }
  await new Promise((r) => setTimeout(r, 50));
  window.result = { pages: grow.pages(), grown: grow.grow(3), region: config.get('region'), evalRefused, violations: violations.filter((v) => !v.endsWith(' eval')) };
} catch (e) {
  window.result = { error: String(e && e.stack || e), violations };
}
`;

let server: Server;
let origin: string;

before(async () => {
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.setHeader('content-security-policy', CSP);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(SCRIPT);
      return;
    }
    const file = normalize(join(root, path));
    if (!(path.startsWith('/dist/') || path.startsWith('/build/fixtures/')) || !file.startsWith(root)) {
      res.writeHead(404);
      res.end();
      return;
    }
    try {
      const bytes = await readFile(file);
      res.writeHead(200, { 'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
      res.end(bytes);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a page with a strict Content Security Policy', () => {
  it('loads (integrity, Cache Storage), compiles and runs components, WASI grants included, with no violation', async () => {
    await withPage(`${origin}/`, async (page, errors) => {
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 30_000 })
        .catch((e: unknown) => assert.fail(`the page never finished: ${String(e)}; it reported: ${errors.join('; ')}`));
      const result = await page.evaluate(() => (window as unknown as { result: unknown }).result);
      assert.deepEqual(result, { pages: 2, grown: 2, region: 'eu', evalRefused: true, violations: [] });
      assert.deepEqual(errors, []);
    });
  });
});
