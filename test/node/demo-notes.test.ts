/**
 * The notes demo end to end (`npm start`'s server, Debian's Chromium through playwright-core):
 * notes written, searched and previewed while the server answers; the server stopped, a reload
 * still shows them (the page's Service Worker answers from the device copy), a note written
 * offline, and a deletion, survive a reload; the server started again gets both from the
 * device's outbox, and a note written there by someone else reaches the page and the device copy;
 * the switch makes the device answer. Saves build/artifacts/demo-notes.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';

interface NotesServer { url: string; close(): Promise<void> }
type Start = (options: { port?: number; dataDir?: string }) => Promise<NotesServer>;

const root = new URL('../../../', import.meta.url);
let startNotesServer: Start;
let dataDir: string;
let server: NotesServer | null = null;
let browser: Browser;

before(async () => {
  // the component first (~20 s when its sources changed), outside the test's own time
  const { buildNotes } = (await import(new URL('demos/notes/build.mjs', root).href)) as { buildNotes(o?: { quiet?: boolean }): Promise<string> };
  await buildNotes({ quiet: true });
  ({ startNotesServer } = (await import(new URL('demos/notes/server.mjs', root).href)) as { startNotesServer: Start });
  dataDir = mkdtempSync(join(tmpdir(), 'isowasm-notes-'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Titles in the list, in order. */
async function titles(page: Page): Promise<string[]> {
  return page.$$eval('#list li .t', (els) => els.map((e) => e.textContent ?? ''));
}

/** Who answered the newest logged request matching `path`, e.g. "server" or "service worker (server unreachable)". */
async function lastAnswer(page: Page, request: string): Promise<string> {
  return page.$$eval('#log tbody tr', (rows, r) => {
    const row = rows.find((tr) => tr.children[0]?.textContent === r);
    return row ? `${row.children[1]?.textContent} ${row.children[2]?.textContent}` : 'none';
  }, request);
}

async function loaded(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.loaded === 'true', undefined, { timeout: 45_000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.sw), 'ready', await page.textContent('#sw-state') ?? '');
}

async function write(page: Page, title: string, body: string): Promise<void> {
  await page.click('#new');
  await page.fill('#title', title);
  await page.fill('#body', body);
  await page.click('#save');
  await page.waitForFunction((t) => [...document.querySelectorAll('#list li .t')].some((e) => e.textContent === t), title);
}

describe('the notes demo', () => {
  it('works with the server, without it (Service Worker), offline writes survive reloads and reach the server again', { timeout: 120_000 }, async () => {
    server = await startNotesServer({ port: 0, dataDir });
    const { url } = server;
    const port = new URL(url).port;
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await loaded(page);
    assert.deepEqual(await titles(page), []);

    // online: the server answers
    await write(page, 'Groceries', '# Groceries\n\n- **milk** and `eggs`\n- bread from [the bakery](https://example.com)\n\n> buy before Friday');
    await write(page, 'Ideas', 'A search engine that *tokenizes* words.\n\n1. index\n2. rank');
    assert.deepEqual(await titles(page), ['Ideas', 'Groceries']);
    assert.equal(await lastAnswer(page, 'POST /api/notes'), '201 server');

    await page.fill('#search', 'mil');
    await page.waitForFunction(() => document.querySelectorAll('#list li .t').length === 1);
    assert.deepEqual(await titles(page), ['Groceries']);
    assert.equal(await page.textContent('#list li .s mark'), 'mil');
    assert.match(await lastAnswer(page, 'GET /api/search?q=mil'), /^200 server$/);
    await page.fill('#search', '');
    await page.waitForFunction(() => document.querySelectorAll('#list li .t').length === 2);

    await page.click('#list li:has-text("Groceries")');
    await page.waitForSelector('#preview h1');
    assert.equal(await page.textContent('#preview strong'), 'milk');
    assert.equal(await page.getAttribute('#preview a', 'href'), 'https://example.com');

    // the server stops: the Service Worker answers from the device copy, after a reload too
    await server.close();
    server = null;
    await page.reload();
    await loaded(page);
    assert.deepEqual(await titles(page), ['Ideas', 'Groceries']);
    assert.equal(await lastAnswer(page, 'GET /api/notes'), '200 service worker (server unreachable)');

    await write(page, 'Written offline', 'Kept on the **device**; sent to the server when it is back.');
    assert.equal(await lastAnswer(page, 'POST /api/notes'), '201 service worker (server unreachable)');
    await page.reload();
    await loaded(page);
    assert.deepEqual(await titles(page), ['Written offline', 'Ideas', 'Groceries']);
    await page.click('#list li:has-text("Written offline")');
    await page.waitForSelector('#preview strong');
    assert.equal(await page.textContent('#preview strong'), 'device');
    // a note deleted offline
    await page.click('#list li:has-text("Ideas")');
    await page.waitForSelector('#preview ol');
    await page.click('#delete');
    await page.waitForFunction(() => document.querySelectorAll('#list li .t').length === 2);
    await page.reload();
    await loaded(page);
    assert.deepEqual(await titles(page), ['Written offline', 'Groceries']);

    // the server is back; a note is written there by someone else; the switch makes the device answer
    server = await startNotesServer({ port: Number(port), dataDir });
    const elsewhere = await fetch(new URL('/api/notes', url), { method: 'POST', body: JSON.stringify({ title: 'From elsewhere', body: 'written with curl' }) });
    assert.equal(elsewhere.status, 201);
    await page.check('#on-device');
    await page.fill('#search', 'bakery');
    await page.waitForFunction(() => [...document.querySelectorAll('#list li .t')].map((e) => e.textContent).join() === 'Groceries');
    assert.equal(await lastAnswer(page, 'GET /api/search?q=bakery'), '200 service worker');

    // back to the server: the offline note and deletion went there from the outbox, and the note
    // written elsewhere comes back (and into the device copy)
    await page.uncheck('#on-device');
    await page.fill('#search', '');
    await page.waitForFunction(() => document.querySelectorAll('#list li .t').length === 3);
    assert.equal(await lastAnswer(page, 'GET /api/notes'), '200 server');
    assert.deepEqual(await titles(page), ['From elsewhere', 'Written offline', 'Groceries']);
    const onServer = (await (await fetch(new URL('/api/notes', url))).json()) as { title: string }[];
    assert.deepEqual(onServer.map((n) => n.title), ['From elsewhere', 'Written offline', 'Groceries']);
    const onDevice = await page.evaluate(async () => ((await (await fetch('/api/notes', { headers: { 'x-answer-on': 'device' } })).json()) as { title: string }[]).map((n) => n.title));
    assert.deepEqual(onDevice, ['From elsewhere', 'Written offline', 'Groceries']);

    await page.click('#list li:has-text("Groceries")');
    await page.waitForSelector('#preview h1');
    const artifacts = new URL('build/artifacts/', root);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: new URL('demo-notes.png', artifacts).pathname });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
