/**
 * The module Service Worker of service-worker.test.ts: serves the http-server fixture (from the
 * test routes, which version it with an ETag) for its paths (/echo, /count, /throw), and answers
 * the page's questions about its state over postMessage.
 */
import { loadComponent, serveFromServiceWorker } from '../../../src/browser/index.js';

interface FetchEvent extends Event { request: Request; respondWith(r: Response): void }
interface Scope {
  registration: { scope: string };
  addEventListener(type: 'message', h: (e: MessageEvent) => void): void;
  addEventListener(type: 'fetch', h: (e: FetchEvent) => void): void;
}
const scope = globalThis as unknown as Scope;
const loadErrors: string[] = [];

const server = serveFromServiceWorker({
  component: '/__http/wasm-current',
  // the guest's own paths, as it would serve them on a server
  routes: ['/echo', '/count', '/throw'],
  capabilities: { stdio: { stderr: null } },
  instances: { warm: 1 },
  onLoadError: (error) => loadErrors.push(String(error)),
});

// the controlled page the test opens (the dev server has no such file); added after the server's
// listener, which must see navigations (a listener that answers stops the others)
scope.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname.endsWith('/scope/page.html')) e.respondWith(new Response('<!doctype html><title>controlled</title>', { headers: { 'content-type': 'text/html', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-opener-policy': 'same-origin' } }));
});

scope.addEventListener('message', (e) => {
  const port = e.ports[0]!;
  if (e.data === 'errors?') {
    port.postMessage(loadErrors);
    return;
  }
  if (e.data === 'spin?') {
    // a guest looping in its own code, stopped by limits.timeoutMs inside the Service Worker
    void (async () => {
      const component = await loadComponent('/build/fixtures/offload-guest.wasm');
      const { exports } = await component.instantiate({ limits: { timeoutMs: 200 } });
      const t0 = performance.now();
      try {
        (exports as { forever(): void }).forever();
        port.postMessage({ code: 'returned' });
      } catch (err) {
        port.postMessage({ code: (err as { code?: string }).code, ms: performance.now() - t0 });
      }
    })();
    return;
  }
  // server.handle(request), as a fetch listener with its own policy would call it
  if (typeof e.data === 'object' && e.data !== null && typeof (e.data as { handle?: unknown }).handle === 'string') {
    const path = (e.data as { handle: string }).handle;
    server.handle(new Request(new URL(path, scope.registration.scope), { method: 'POST', body: 'handled' })).then(
      async (r) => port.postMessage({ status: r.status, servedBy: r.headers.get('x-served-by'), body: await r.text() }),
      (err: unknown) => port.postMessage({ error: String(err) }),
    );
    return;
  }
  server.ready.then(
    () => port.postMessage({ ready: true, version: server.version, jspi: typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === 'function' }),
    (err: unknown) => port.postMessage({ ready: false, error: String(err) }),
  );
});
