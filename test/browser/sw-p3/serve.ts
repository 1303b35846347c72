/**
 * The module Service Worker of service-worker-p3.test.ts: serves the corpus' p3-http-proxy (a
 * wasi:http/handler@0.3.0 component) for `/proxy/`, granted outgoing HTTP to this origin only, and
 * answers the page's question whether it is ready.
 */
import { serveFromServiceWorker } from '../../../src/browser/index.js';

interface FetchEvent extends Event { request: Request; respondWith(r: Response): void }
interface Scope {
  location: Location;
  addEventListener(type: 'message', h: (e: MessageEvent) => void): void;
  addEventListener(type: 'fetch', h: (e: FetchEvent) => void): void;
}
const scope = globalThis as unknown as Scope;

const server = serveFromServiceWorker({
  component: '/__conformance-p3/components/http/p3-http-proxy.wasm',
  routes: ['/proxy/'],
  capabilities: { http: { allow: [scope.location.origin] } },
});

// the controlled page the test opens (the dev server has no such file)
scope.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname.endsWith('/scope-p3/page.html')) e.respondWith(new Response('<!doctype html><title>controlled</title>', { headers: { 'content-type': 'text/html', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-opener-policy': 'same-origin' } }));
});

scope.addEventListener('message', (e) => {
  const port = e.ports[0]!;
  server.ready.then(() => port.postMessage({ ready: true }), (err: unknown) => port.postMessage({ ready: false, error: String(err) }));
});
