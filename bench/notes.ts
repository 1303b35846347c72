/**
 * The notes demo's numbers, in one run, in Debian's Chromium (playwright-core):
 *   1. the API answered by the Service Worker on the device vs by the Node server over loopback
 *      (through the Service Worker, as the page asks it, and straight from a page without one):
 *      median and p99 of what the page sees, from `fetch` to the body read;
 *   2. the 12 MB JavaScript guest loaded in a page: first load (download + compile, in a fresh
 *      browser context) vs a load from Cache Storage (revalidated with a 304, or pinned by
 *      integrity: no network), each followed by an instantiation.
 * Run: `npm run bench:notes` (builds isowasm and the notes component if needed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { root } from './_common.js';
import { printTable } from './_measure.js';

interface NotesServer { url: string; close(): Promise<void> }
type Start = (options: { port?: number; dataDir?: string }) => Promise<NotesServer>;

const { startNotesServer } = (await import(new URL('demos/notes/server.mjs', `file://${root}`).href)) as { startNotesServer: Start };
const dataDir = mkdtempSync(join(tmpdir(), 'isowasm-notes-bench-'));
const server = await startNotesServer({ port: 0, dataDir });
const browser: Browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'];
const NOTES = 50;
const ROUNDS = 20;
const PER_ROUND = 15;

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** Times `count` sequential requests in the page, each from fetch to the body read (ms). */
function timeRequests(page: Page, path: string, on: 'device' | 'server' | null, count: number): Promise<number[]> {
  return page.evaluate(async ({ path, on, count }) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const r = await fetch(path, { headers: on ? { 'x-answer-on': on } : {} });
      await r.text();
      times.push(performance.now() - started);
      if (!r.ok) throw new Error(`${path}: ${r.status}`);
      const by = r.headers.get('x-served-by');
      if (by !== (on === 'device' ? 'service-worker' : 'server')) throw new Error(`${path} (${on}) was answered by ${by}`);
    }
    return times;
  }, { path, on, count });
}

try {
  // ---- 1. API latency ----
  const withSw = await browser.newContext();
  const page = await withSw.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => document.documentElement.dataset.loaded === 'true', undefined, { timeout: 60_000 });
  await page.evaluate(async ({ words, n }) => {
    for (let i = 0; i < n; i++) {
      const body = Array.from({ length: 60 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
      const r = await fetch('/api/notes', { method: 'POST', headers: { 'content-type': 'application/json', 'x-answer-on': 'server' }, body: JSON.stringify({ title: `Note ${i}`, body }) });
      if (r.status !== 201) throw new Error(`seeding: ${r.status}`);
    }
    // mirrored into the device copy as the Service Worker saw each answer; a list checks it
    await fetch('/api/notes', { headers: { 'x-answer-on': 'server' } });
  }, { words: WORDS, n: NOTES });
  const deviceCount = await page.evaluate(async () => ((await (await fetch('/api/notes', { headers: { 'x-answer-on': 'device' } })).json()) as unknown[]).length);
  if (deviceCount !== NOTES) throw new Error(`the device copy has ${deviceCount} notes, not ${NOTES}`);
  const one = await page.evaluate(async () => ((await (await fetch('/api/notes', { headers: { 'x-answer-on': 'server' } })).json()) as { id: string }[])[0]!.id);

  const direct = await browser.newContext({ serviceWorkers: 'block' });
  const plain = await direct.newPage();
  await plain.goto(new URL('/style.css', server.url).href);

  const requests: [string, string][] = [['GET /api/notes/:id (one note, Markdown rendered)', `/api/notes/${one}`], ['GET /api/search?q=golf hotel (50 notes)', '/api/search?q=golf%20hotel']];
  const rows: string[][] = [];
  for (const [label, path] of requests) {
    const samples: Record<string, number[]> = { 'Service Worker (device)': [], 'server, through the Service Worker': [], 'server, page without a Service Worker': [] };
    // warm-up, then interleaved rounds so that each contender sees the same machine
    await timeRequests(page, path, 'device', 5);
    await timeRequests(page, path, 'server', 5);
    await timeRequests(plain, path, null, 5);
    for (let r = 0; r < ROUNDS; r++) {
      samples['Service Worker (device)']!.push(...await timeRequests(page, path, 'device', PER_ROUND));
      samples['server, through the Service Worker']!.push(...await timeRequests(page, path, 'server', PER_ROUND));
      samples['server, page without a Service Worker']!.push(...await timeRequests(plain, path, null, PER_ROUND));
    }
    for (const [who, xs] of Object.entries(samples)) {
      rows.push([label, who, `${quantile(xs, 0.5).toFixed(2)} ms`, `${quantile(xs, 0.99).toFixed(2)} ms`, String(xs.length)]);
    }
  }
  console.log(`\nAPI latency seen by the page (sequential requests, ${ROUNDS} interleaved rounds of ${PER_ROUND}; a pristine instance of the notes guest per request: the last one, reset):\n`);
  printTable(['request', 'answered by', 'median', 'p99', 'n'], rows);
  await withSw.close();
  await direct.close();

  // ---- 2. the 12 MB guest in a page: first vs cached load ----
  const LOADS = 5;
  const loads: Record<string, { load: number[]; instantiate: number[] }> = {
    'first load (download + compile)': { load: [], instantiate: [] },
    'cached, revalidated (304 + compile)': { load: [], instantiate: [] },
    'cached, pinned by integrity (no network + compile)': { load: [], instantiate: [] },
  };
  let size = 0;
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const p = await context.newPage();
    await p.goto(new URL('/style.css', server.url).href);
    const r = await p.evaluate(async () => {
      const isowasm = await import('/dist/index.browser.js' as string) as typeof import('../src/index.browser.js');
      const kv = { kv: { buckets: { notes: isowasm.createMemoryKeyValue() } } };
      const once = async (options: Record<string, unknown>) => {
        let t = performance.now();
        const component = await isowasm.loadComponent('/notes.wasm', options);
        const load = performance.now() - t;
        t = performance.now();
        await component.instantiate({ capabilities: kv });
        return { load, instantiate: performance.now() - t };
      };
      const first = await once({ cache: true });
      const cached = await once({ cache: true });
      const bytes = new Uint8Array(await (await caches.match('/notes.wasm'))!.arrayBuffer());
      const integrity = await isowasm.integrityOf(bytes);
      const pinned = await once({ cache: true, integrity });
      return { first, cached, pinned, size: bytes.length };
    });
    size = r.size;
    for (const [key, v] of [['first load (download + compile)', r.first], ['cached, revalidated (304 + compile)', r.cached], ['cached, pinned by integrity (no network + compile)', r.pinned]] as const) {
      loads[key]!.load.push(v.load);
      loads[key]!.instantiate.push(v.instantiate);
    }
    await context.close();
  }
  console.log(`\nThe notes component (${(size / 1e6).toFixed(1)} MB, componentize-js) loaded in a page, ${LOADS} fresh browser contexts (median, min–max):\n`);
  const fmt = (xs: number[]) => `${quantile(xs, 0.5).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  printTable(['load', 'bytes → compiled', 'instantiate', 'total (median)'], Object.entries(loads).map(([k, v]) => [
    k, fmt(v.load), fmt(v.instantiate), `${(quantile(v.load, 0.5) + quantile(v.instantiate, 0.5)).toFixed(0)} ms`,
  ]));
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
