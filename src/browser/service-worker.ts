/**
 * "Frontend as backend": a wasi:http component answering a page's `/api/...` requests inside its
 * module Service Worker, on the device, online or offline. The component's bytes come through
 * Cache Storage (`loadComponent`'s `cache`), so a Service Worker started offline still has them;
 * requests the routes don't match, and all of them until the component is ready, go to the
 * network. A new version of the component is looked for at each navigation and swapped in
 * between requests: each request is answered by one version from start to end.
 */
import { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from '../core/http/fetch-handler.js';
import { integrityOf } from '../core/integrity.js';
import type { InstancePolicy } from '../core/http/pool.js';
import { cachedBytes } from './cache.js';
import { loadComponent } from './load.js';
import { provideLazyPieces } from '../core/lazy.js';
import * as linker from '../core/linker.js';
import * as rewriter from '../core/rewriter.js';

// A Service Worker may not import() at run time: the pieces the core loads on first use
// (core/lazy.ts) come in statically with this module instead.
provideLazyPieces({ linker, rewriter });

/** Which requests the component answers: path prefixes (`'/api/'`), a RegExp tested on the path, or a function. */
export type Routes = readonly string[] | RegExp | ((url: URL, request: Request) => boolean);

/**
 * Options of `serveFromServiceWorker`.
 *
 * @example
 * ```ts
 * serveFromServiceWorker({ component: '/app.wasm', routes: ['/api/'], capabilities: { fs: { preopens: { '/data': createIndexedDbVolume('app') } } } });
 * ```
 */
export interface ServiceWorkerServeOptions extends Omit<FetchHandlerOptions, 'instances'> {
  /** The component's URL (resolved against the Service Worker's own). */
  readonly component: string | URL;
  /** Which same-origin requests the component answers (others are left to the network). */
  readonly routes: Routes;
  /** As in `createFetchHandler` (default: a fresh instance per request). */
  readonly instances?: InstancePolicy;
  /** Subresource Integrity of the component: pins one version (no update checks then). */
  readonly integrity?: string;
  /** The Cache Storage cache that keeps the component's bytes (default `'isowasm'`). */
  readonly cacheName?: string;
  /**
   * Where matching requests go while the component is not ready, or when loading it failed
   * (default: the network, `fetch(request)`).
   */
  readonly fallback?: (request: Request) => Promise<Response>;
  /** Take over open pages at once, as the first version of a Service Worker usually should (default true). */
  readonly claim?: boolean;
  /** The header marking answers made here (default `x-served-by: service-worker`; null: none). */
  readonly servedByHeader?: readonly [string, string] | null;
  /** Told when loading a version of the component failed (default: console.error). */
  readonly onLoadError?: (error: unknown) => void;
}

/** A running `serveFromServiceWorker`. */
export interface ServiceWorkerServer {
  /** Resolves once the first version of the component is ready (rejects if it failed to load). */
  readonly ready: Promise<void>;
  /** The integrity (`sha256-...`) of the version serving now, or null before the first is ready. */
  readonly version: string | null;
  /** Looks for a new version now (as each navigation does); resolves to whether one was swapped in. */
  update(): Promise<boolean>;
  /**
   * Answers `request` with the version serving now (marked as the routes' answers are), once the
   * first is ready: for a fetch listener with a policy of its own (say, the network first and the
   * device when it fails; `routes: () => false` then leaves every request to it). Rejects if the
   * component could not be loaded.
   */
  handle(request: Request): Promise<Response>;
}

interface FetchEvent extends Event {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
  waitUntil(p: Promise<unknown>): void;
}
interface ServiceWorkerScope {
  addEventListener(type: 'fetch', h: (e: FetchEvent) => void): void;
  addEventListener(type: 'install' | 'activate', h: (e: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

function matcher(routes: Routes): (url: URL, request: Request) => boolean {
  if (typeof routes === 'function') return routes;
  if (routes instanceof RegExp) return (url) => routes.test(url.pathname);
  if (Array.isArray(routes) && routes.every((r) => typeof r === 'string')) return (url) => routes.some((p) => url.pathname.startsWith(p));
  throw new TypeError('serveFromServiceWorker: routes must be path prefixes (["/api/"]), a RegExp or a function (url, request) => boolean');
}

function withHeader(response: Response, header: readonly [string, string] | null): Response {
  if (!header) return response;
  const headers = new Headers(response.headers);
  headers.set(header[0], header[1]);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Serves a `wasi:http/incoming-handler` (or 0.3 `wasi:http/handler`) component from a module
 * Service Worker: requests of its own origin that `routes` match are answered by the component (through `createFetchHandler`,
 * so grants, instances and limits work as on a server), marked with `x-served-by:
 * service-worker`; others, and all of them until the component is ready, go to the network. The
 * component's bytes are kept in Cache Storage, so a Service Worker started offline serves from
 * them. At each navigation the component's URL is revalidated (a 304 costs a round trip); a new
 * version is loaded and swapped in between requests, never within one. Instances wait with JSPI
 * where the browser has it; elsewhere they are synchronous (the request body is read first, and
 * outgoing HTTP can't be granted). Call it before adding fetch listeners of your own: a listener
 * that answers a request (`respondWith`) stops the others from seeing it, navigations included.
 *
 * @example
 * ```ts
 * // sw.js, registered with navigator.serviceWorker.register('/sw.js', { type: 'module' })
 * import { serveFromServiceWorker, createIndexedDbVolume } from 'isowasm/browser';
 * serveFromServiceWorker({
 *   component: '/app.wasm',
 *   routes: ['/api/'],
 *   capabilities: { fs: { preopens: { '/data': createIndexedDbVolume('app-data') } } },
 * });
 * ```
 */
export function serveFromServiceWorker(options: ServiceWorkerServeOptions): ServiceWorkerServer {
  const scope = globalThis as unknown as ServiceWorkerScope & { registration?: unknown };
  if (typeof scope.addEventListener !== 'function' || typeof scope.skipWaiting !== 'function' || !scope.clients) {
    throw new TypeError('serveFromServiceWorker must run in a Service Worker (a module one: register it with { type: \'module\' })');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('serveFromServiceWorker(options): options must be an object');
  const matches = matcher(options.routes);
  const url = new URL(options.component, scope.location.href).href;
  const { component: _url, routes: _routes, integrity, cacheName, fallback, claim = true, servedByHeader, onLoadError, ...handlerOptions } = options;
  const header = servedByHeader === undefined ? (['x-served-by', 'service-worker'] as const) : servedByHeader;
  const reportLoad = onLoadError ?? ((e: unknown) => console.error(`isowasm: the component at ${url} could not be loaded:`, e));
  const network = fallback ?? ((request: Request) => fetch(request));

  let current: { handler: FetchHandler; version: string } | null = null;
  let checking: Promise<boolean> | null = null;

  /** Loads the component's bytes (revalidated) and swaps in a new handler if the version changed. */
  const refresh = (): Promise<boolean> => {
    checking ??= (async () => {
      try {
        const { bytes, outcome } = await cachedBytes(url, cacheName ?? 'isowasm', integrity !== undefined ? { integrity } : {});
        // the same bytes as the version serving: nothing to do (the common case, a 304)
        if (current && (outcome === 'hit' || outcome === 'revalidated' || outcome === 'offline')) return false;
        const version = integrity ?? await integrityOf(bytes);
        if (current?.version === version) return false;
        const handler = createFetchHandler(await loadComponent(bytes), handlerOptions);
        const old = current;
        current = { handler, version };
        // requests already on the old version finish there
        void old?.handler.close();
        return true;
      } finally {
        checking = null;
      }
    })();
    return checking;
  };

  const ready = refresh().then(() => {}, (e: unknown) => {
    reportLoad(e);
    throw e;
  });
  // an unhandled rejection would be reported twice
  ready.catch(() => {});

  scope.addEventListener('install', (e) => {
    if (claim) e.waitUntil(scope.skipWaiting());
  });
  scope.addEventListener('activate', (e) => {
    if (claim) e.waitUntil(scope.clients.claim());
  });
  scope.addEventListener('fetch', (event) => {
    const request = event.request;
    const target = new URL(request.url);
    if (request.mode === 'navigate' && integrity === undefined) {
      // a new version, if there is one, serves the requests this page makes next
      event.waitUntil(refresh().catch(reportLoad));
      return;
    }
    if (target.origin !== scope.location.origin || !matches(target, request)) return;
    const serving = current;
    if (!serving) {
      event.respondWith(network(request));
      return;
    }
    event.respondWith(serving.handler(request).then((r) => withHeader(r, header)));
  });

  return {
    ready,
    get version() {
      return current?.version ?? null;
    },
    update: refresh,
    async handle(request: Request) {
      await ready;
      return withHeader(await current!.handler(request), header);
    },
  };
}
