/**
 * `serveFromServiceWorker` in Chromium: a module Service Worker answers its controlled page's
 * requests to the component's paths with the wasi:http component (marked `x-served-by: service-worker`), leaves other
 * requests to the network, and picks up a new version of the component at the next navigation.
 */
import { deepEqual, equal, ok } from '../harness/assert.js';
import { after, before, describe, it } from '../harness/test-api.js';

const scope = new URL('/build/test/browser/sw/scope/', location.href).href;
let registration: ServiceWorkerRegistration;
let frame: HTMLIFrameElement;

async function ask(): Promise<{ ready: boolean; version?: string; error?: string; jspi?: boolean }> {
  const channel = new MessageChannel();
  const reply = new Promise<{ ready: boolean; version?: string; error?: string }>((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
  registration.active!.postMessage('state?', [channel.port2]);
  return reply;
}

/** Loads (or reloads) the controlled page; resolves once it has loaded. */
async function navigate(): Promise<Window> {
  const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
  if (frame.src) frame.contentWindow!.location.reload();
  else frame.src = `${scope}page.html`;
  await loaded;
  return frame.contentWindow!;
}

before(async () => {
  await fetch('/__http/wasm-switch?version=v1');
  for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
  await caches.delete('isowasm');
  registration = await navigator.serviceWorker.register('/build/test/browser/sw/serve.js', { type: 'module', scope });
  const worker = registration.installing ?? registration.waiting ?? registration.active!;
  if (worker.state !== 'activated') {
    await new Promise<void>((resolve) => worker.addEventListener('statechange', () => { if (worker.state === 'activated') resolve(); }));
  }
  frame = document.createElement('iframe');
  document.body.append(frame);
  await navigate();
});

after(async () => {
  frame.remove();
  await registration.unregister();
  await caches.delete('isowasm');
});

describe('serveFromServiceWorker', () => {
  it('answers the routes in the Service Worker, marked x-served-by; other requests go to the network', async () => {
    const state = await ask();
    ok(state.ready, state.error);
    ok(/^sha256-/.test(state.version ?? ''), String(state.version));
    const win = frame.contentWindow! as Window & typeof globalThis;
    ok(win.navigator.serviceWorker.controller, 'the page is controlled');
    const r = await win.fetch('/echo?x=1', { method: 'POST', body: 'from the page', headers: { 'x-test': 'yes' } });
    equal(r.status, 200);
    equal(r.headers.get('x-served-by'), 'service-worker');
    const body = (await r.json()) as { method: string; path: string; query: string; body: string };
    deepEqual([body.method, body.path, body.query, body.body], ['POST', '/echo', '?x=1', 'from the page']);
    // a fresh instance per request: no state leaks
    equal(await (await win.fetch('/count')).text(), '1');
    equal(await (await win.fetch('/count')).text(), '1');
    // the guest's failures are the handler's 500s here too
    equal((await win.fetch('/throw')).status, 500);
    // not a route: the network answers
    const other = await win.fetch('/__http/hits?prefix=/none');
    equal(other.headers.get('x-served-by'), null);
    equal(await other.text(), '0');
  });

  it('handle(request) answers with the component for a fetch listener of its own, marked x-served-by', async () => {
    const channel = new MessageChannel();
    const reply = new Promise<{ status?: number; servedBy?: string | null; body?: string; error?: string }>((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    registration.active!.postMessage({ handle: '/echo?via=handle' }, [channel.port2]);
    const r = await reply;
    ok(r.error === undefined, r.error);
    equal(r.status, 200);
    equal(r.servedBy, 'service-worker');
    const body = JSON.parse(r.body ?? '{}') as { method: string; query: string; body: string };
    deepEqual([body.method, body.query, body.body], ['POST', '?via=handle', 'handled']);
  });

  it('a new version of the component is picked up at the next navigation; requests go on being served', async () => {
    const before = (await ask()).version;
    await fetch('/__http/wasm-switch?version=v2');
    await navigate();
    let after = before;
    for (let i = 0; i < 200 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = (await ask()).version;
    }
    if (after === before) {
      const channel = new MessageChannel();
      const errors = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
      registration.active!.postMessage('errors?', [channel.port2]);
      ok(false, `the version did not change from ${before}; load errors: ${JSON.stringify(await errors)}`);
    }
    const win = frame.contentWindow! as Window & typeof globalThis;
    const r = await win.fetch('/count');
    equal(r.headers.get('x-served-by'), 'service-worker');
    equal(await r.text(), '1');
    // the same version again: a 304, no swap
    await navigate();
    await new Promise((r) => setTimeout(r, 200));
    equal((await ask()).version, after);
  });

  it('limits.timeoutMs stops a guest looping in its own code inside the Service Worker', async () => {
    const channel = new MessageChannel();
    const reply = new Promise<{ code?: string; ms?: number }>((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    registration.active!.postMessage('spin?', [channel.port2]);
    const r = await reply;
    equal(r.code, 'TIMEOUT');
    ok((r.ms ?? 0) >= 195 && (r.ms ?? 0) < 5000, `stopped after ${r.ms} ms`);
  });
});
