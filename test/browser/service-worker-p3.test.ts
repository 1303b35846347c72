/**
 * A wasi:http/handler@0.3.0 component answering in a Service Worker (`serveFromServiceWorker`),
 * as a 0.2 one does: the corpus' p3-http-proxy forwards the page's request, from inside the
 * Service Worker, to the test routes' upstream (`/__http/p3/`, which answers as upstream's p3
 * server: method and URI as headers, the body echoed).
 */
import { equal, ok } from '../harness/assert.js';
import { after, before, describe, it } from '../harness/test-api.js';

const scope = new URL('/build/test/browser/sw-p3/scope-p3/', location.href).href;
let registration: ServiceWorkerRegistration;
let frame: HTMLIFrameElement;

before(async () => {
  for (const r of await navigator.serviceWorker.getRegistrations()) if (r.scope === scope) await r.unregister();
  registration = await navigator.serviceWorker.register('/build/test/browser/sw-p3/serve.js', { type: 'module', scope });
  const worker = registration.installing ?? registration.waiting ?? registration.active!;
  if (worker.state !== 'activated') {
    await new Promise<void>((resolve) => worker.addEventListener('statechange', () => { if (worker.state === 'activated') resolve(); }));
  }
  frame = document.createElement('iframe');
  const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
  frame.src = `${scope}page.html`;
  document.body.append(frame);
  await loaded;
});

after(async () => {
  frame.remove();
  await registration.unregister();
});

describe('serveFromServiceWorker: a wasi:http/handler@0.3.0 component', () => {
  it('p3-http-proxy forwards the page\'s request from inside the Service Worker, marked x-served-by', async () => {
    const channel = new MessageChannel();
    const state = new Promise<{ ready: boolean; error?: string }>((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    registration.active!.postMessage('state?', [channel.port2]);
    const s = await state;
    ok(s.ready, s.error);
    const win = frame.contentWindow! as Window & typeof globalThis;
    ok(win.navigator.serviceWorker.controller, 'the page is controlled');
    const body = 'And the mome raths outgrabe';
    const r = await win.fetch('/proxy/post', { method: 'POST', body, headers: { url: `${location.origin}/__http/p3/proxy` } });
    equal(r.status, 200);
    equal(r.headers.get('x-served-by'), 'service-worker');
    equal(r.headers.get('x-wasmtime-test-method'), 'POST');
    equal(r.headers.get('x-wasmtime-test-uri'), '/proxy');
    equal(await r.text(), body);
    equal((await win.fetch('/proxy/none')).status, 400, 'no url header: the guest\'s 400');
  });
});
