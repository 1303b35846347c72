/**
 * Where the shared suites reach the test HTTP server (test/node/http-test-server.ts): in Node a
 * server of their own on 127.0.0.1, in the browser the same routes served by @web/test-runner
 * under /__http (web-test-runner.config.mjs).
 */
import { isNode } from './test-api.js';

export interface TestEndpoints {
  /** where the routes are: http://127.0.0.1:PORT/ or http://localhost:8000/__http */
  base: URL;
  /** the origin to grant a guest so that it reaches them */
  origin: string;
  /** a route's URL, e.g. `url('/echo?x=1')` under `base` */
  url(route: string): URL;
  /** how many requests the server saw whose path starts with `prefix` */
  hits(prefix: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts (Node) or finds (browser) the test HTTP server.
 *
 * @example
 * let ep: TestEndpoints;
 * before(async () => { ep = await testEndpoints(); });
 * after(async () => { await ep?.close(); });
 * const res = await fetch(ep.url('/echo'));
 */
export async function testEndpoints(): Promise<TestEndpoints> {
  const at = (base: URL) => (route: string): URL => new URL(`${base.pathname === '/' ? '' : base.pathname}${route}`, base);
  if (isNode) {
    // kept out of static analysis so the browser build never resolves node:http
    const path = '../node/http-test-server.js';
    const { startTestServer } = (await import(path)) as typeof import('../node/http-test-server.js');
    const s = await startTestServer();
    const base = new URL(s.origin);
    return { base, origin: s.origin, url: at(base), hits: async (p) => s.hits(p), close: () => s.close() };
  }
  const base = new URL('/__http', location.origin);
  return {
    base, origin: location.origin, url: at(base),
    hits: async (p) => (await (await fetch(`/__http/hits?prefix=${encodeURIComponent(p)}`)).json()) as number,
    close: async () => {},
  };
}
