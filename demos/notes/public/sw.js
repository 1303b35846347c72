// The notes demo's module Service Worker: the same notes component the server runs answers
// `/api/...` on the device, from a copy of the notes in IndexedDB.
//
// Who answers: the server while it is reachable (it is the copy every device shares), the device
// when it is not, or always when the page asks for it (`x-answer-on: device`, the page's switch).
// How the two copies stay in sync, with nothing but the API itself:
//   - every answer of the server about notes is mirrored into the device copy (a list replaces it,
//     a note written or deleted is written or deleted there too), after the page got its answer;
//   - every write answered on the device is kept in an outbox (by note id: the last write wins)
//     and replayed to the server (PUT/DELETE /api/notes/:id, idempotent) before the next request
//     the server answers, and right after the write when the server is up.
// Requests are handled one at a time, so the mirror, the outbox and the answers never interleave.
import { createIndexedDbKeyValue, serveFromServiceWorker } from '/dist/browser.js';

const device = serveFromServiceWorker({
  component: '/notes.wasm',
  routes: () => false, // every /api request goes through the policy below
  capabilities: { kv: { buckets: { notes: createIndexedDbKeyValue('isowasm-notes') } } },
  instances: { warm: 1, reset: true }, // a pristine instance per request: the last one, reset
  limits: { timeoutMs: 10_000 }, // a request that hangs must not hold the queue below for good
});

const SHELL = ['/', '/app.js', '/style.css'];
const SHELL_CACHE = 'notes-shell-v1';
const NETWORK_TIMEOUT_MS = 4000;
const enc = new TextEncoder();
const dec = new TextDecoder();

const outboxStore = createIndexedDbKeyValue('isowasm-notes-outbox');
let outboxBucket = null;
let outboxEmpty = null; // unknown until first looked at
/** The list text last mirrored into the device copy (null: the device copy changed since). */
let lastMirrored = null;

const outbox = async () => (outboxBucket ??= await outboxStore.open('outbox'));

let chain = Promise.resolve();
/** Runs `task` after every task queued before it. */
function serial(task) {
  const run = chain.then(task);
  chain = run.catch(() => {});
  return run;
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    event.respondWith(serial(() => answer(request)));
  } else if (request.method === 'GET' && (request.mode === 'navigate' || SHELL.includes(url.pathname))) {
    event.respondWith(shell(request, url));
  }
});

/** The page's own files: the network first (so a new version shows), the copy when it is down. */
async function shell(request, url) {
  const key = request.mode === 'navigate' ? '/' : url.pathname;
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
    if (response.ok) {
      const copy = response.clone();
      void caches.open(SHELL_CACHE).then((c) => c.put(key, copy));
    }
    return response;
  } catch (e) {
    const cached = await caches.match(key, { cacheName: SHELL_CACHE });
    if (cached) return cached;
    throw e;
  }
}

function isWrite(method) {
  return method === 'POST' || method === 'PUT' || method === 'DELETE';
}

function withHeader(response, name, value) {
  const headers = new Headers(response.headers);
  headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function answer(request) {
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
  const again = () => new Request(request.url, { method: request.method, headers: request.headers, body });
  if (request.headers.get('x-answer-on') === 'device') {
    const r = await onDevice(again());
    if (isWrite(request.method) && !outboxEmpty) void serial(() => flush().catch(() => {}));
    return r;
  }
  let response;
  try {
    await flush();
    response = await fetch(again(), { signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
    // a server shutting down, or a proxy without one behind it
    if (response.status >= 502 && response.status <= 504) throw new Error(`the server answered ${response.status}`);
  } catch {
    return withHeader(await onDevice(again()), 'x-fallback', 'server-unreachable');
  }
  if (response.ok) {
    const copy = response.clone();
    void serial(() => mirror(request.method, new URL(request.url), body, copy).catch((e) => console.error('notes: mirroring failed', e)));
  }
  return response;
}

/** Answers on the device; a write is recorded in the outbox for the server. */
async function onDevice(request) {
  let r;
  try {
    r = await device.handle(request);
  } catch (e) {
    // the component could not be loaded (never cached, and the server down)
    return new Response(JSON.stringify({ error: `this device can't answer: ${e}` }), { status: 503, headers: { 'content-type': 'application/json', 'x-served-by': 'service-worker' } });
  }
  if (!isWrite(request.method) || !r.ok) return r;
  lastMirrored = null;
  const url = new URL(request.url);
  const one = /^\/api\/notes\/([^/]+)$/.exec(url.pathname);
  const b = await outbox();
  if (request.method === 'DELETE' && one) {
    await b.set(decodeURIComponent(one[1]), enc.encode(JSON.stringify({ op: 'delete' })));
  } else if (one || url.pathname === '/api/notes') {
    const result = await r.clone().json();
    if (request.method === 'PUT' && !one) {
      // the whole list replaced on the device: replay it whole
      await b.set('*', enc.encode(JSON.stringify({ op: 'replace', notes: JSON.parse(dec.decode(await request.clone().arrayBuffer())) })));
    } else {
      await b.set(result.id, enc.encode(JSON.stringify({ op: 'put', note: result })));
    }
  }
  outboxEmpty = false;
  return r;
}

/** Replays the outbox to the server, oldest state first; throws (keeping the rest) when the server can't be reached. */
async function flush() {
  if (outboxEmpty === true) return;
  const b = await outbox();
  let cursor;
  const keys = [];
  do {
    const page = await b.listKeys(cursor, 1000);
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor !== undefined);
  // a whole-list replacement goes first, the single notes written after it then
  keys.sort((a, c) => (a === '*' ? -1 : c === '*' ? 1 : 0));
  for (const key of keys) {
    const value = await b.get(key);
    if (value === undefined) continue;
    const entry = JSON.parse(dec.decode(value));
    const target = key === '*' ? '/api/notes' : `/api/notes/${encodeURIComponent(key)}`;
    const init = entry.op === 'delete' ? { method: 'DELETE' }
      : { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(entry.op === 'replace' ? entry.notes : entry.note) };
    const r = await fetch(target, { ...init, signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
    if (r.status >= 500) throw new Error(`the server answered ${r.status}`);
    // a 4xx will not get better by retrying: drop it
    await b.delete(key);
  }
  outboxEmpty = true;
}

/** Applies an answer of the server to the device copy. */
async function mirror(method, url, body, response) {
  const path = url.pathname;
  const one = /^\/api\/notes\/([^/]+)$/.exec(path);
  const put = (target, json) => device.handle(new Request(new URL(target, location.origin), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: json }));
  if (method === 'GET' && path === '/api/notes') {
    const text = await response.text();
    if (text === lastMirrored) return;
    const r = await put('/api/notes', text);
    if (r.ok) lastMirrored = text;
  } else if ((method === 'POST' && path === '/api/notes') || (method === 'PUT' && one)) {
    const note = await response.json();
    await put(`/api/notes/${encodeURIComponent(note.id)}`, JSON.stringify(note));
    lastMirrored = null;
  } else if (method === 'PUT' && path === '/api/notes') {
    await put('/api/notes', body);
    lastMirrored = null;
  } else if (method === 'DELETE' && one) {
    await device.handle(new Request(new URL(path, location.origin), { method: 'DELETE' }));
    lastMirrored = null;
  }
}

// the page asks whether the device can answer yet
self.addEventListener('message', (event) => {
  if (event.data !== 'ready?') return;
  device.ready.then(
    () => event.ports[0]?.postMessage({ ready: true, version: device.version }),
    (e) => event.ports[0]?.postMessage({ ready: false, error: String(e) }),
  );
});
