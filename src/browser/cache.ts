/**
 * A component's bytes kept in Cache Storage, so a second page load (or a Service Worker started
 * offline) does not download them again. With `integrity`, a cached copy that matches is used
 * without asking the network at all; without it, the cached copy is revalidated with a
 * conditional request (`If-None-Match` / `If-Modified-Since`): a 304 costs a round trip but no
 * download, and when the network fails the cached copy is used (offline first).
 */
import { IsowasmError, type LoadOptions } from '../core/index.js';
import { checkIntegrity } from '../core/integrity.js';
import { readSource } from '../core/load.js';

/** How a load used the cache (for tests and for apps that want to show it). */
export type CacheOutcome = 'hit' | 'revalidated' | 'offline' | 'stored' | 'refreshed';

/** The bytes of the component at `url`, through the cache named `cacheName`. */
export async function cachedBytes(url: string, cacheName: string, options: LoadOptions): Promise<{ bytes: Uint8Array; outcome: CacheOutcome }> {
  const store = await caches.open(cacheName);
  const cached = await store.match(url);
  if (cached && options.integrity !== undefined) {
    const bytes = await readSource(cached, options);
    try {
      await checkIntegrity(bytes, options.integrity, `the cached component at ${url}`);
      return { bytes, outcome: 'hit' };
    } catch (e) {
      // a copy of another version: fetched again below, and replaced
      if (!(e instanceof IsowasmError && e.code === 'INTEGRITY_MISMATCH')) throw e;
    }
  }
  const headers = new Headers(options.fetchInit?.headers);
  const validator = cached && options.integrity === undefined ? cached.headers : null;
  if (validator?.get('etag')) headers.set('if-none-match', validator.get('etag')!);
  else if (validator?.get('last-modified')) headers.set('if-modified-since', validator.get('last-modified')!);
  let response: Response;
  try {
    response = await fetch(url, { ...options.fetchInit, headers });
  } catch (e) {
    if (cached && options.integrity === undefined) return { bytes: await readSource(cached, options), outcome: 'offline' };
    throw new IsowasmError('LOAD_FAILED', `could not fetch the component at ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (response.status === 304 && cached) return { bytes: await readSource(cached, options), outcome: 'revalidated' };
  const bytes = await readSource(response, options);
  if (options.integrity !== undefined) await checkIntegrity(bytes, options.integrity, `the component at ${url}`);
  const kept = new Headers({ 'content-type': 'application/wasm', 'content-length': String(bytes.length) });
  for (const name of ['etag', 'last-modified']) {
    const v = response.headers.get(name);
    if (v !== null) kept.set(name, v);
  }
  await store.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: kept }));
  return { bytes, outcome: cached ? 'refreshed' : 'stored' };
}
