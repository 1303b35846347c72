/**
 * Loading in Chromium: `integrity` checked before compiling, and `cache` keeping the bytes in
 * Cache Storage: with integrity a second load asks the network nothing; without it the copy is
 * revalidated (304, no download) and used when the network fails.
 */
import { type CacheOutcome, IsowasmError, integrityOf, loadComponent } from '../../src/index.browser.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

const url = new URL('/build/fixtures/memory-grow.wasm', location.href).href;

/** How many times the page fetched `url` so far (resource timing sees every request, cached or not). */
function fetches(): PerformanceResourceTiming[] {
  return (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.name === url);
}

async function works(component: Awaited<ReturnType<typeof loadComponent>>): Promise<void> {
  const { exports } = await component.instantiate() as { exports: { pages(): number } };
  equal(exports.pages(), 2);
}

describe('loadComponent in a browser: integrity and Cache Storage', () => {
  it('integrity: matching bytes load; others reject with INTEGRITY_MISMATCH naming both hashes', async () => {
    const sri = await integrityOf(await readFixture('memory-grow'));
    await works(await loadComponent(url, { integrity: sri }));
    // several hashes: the strongest algorithm's count, any one of them may match
    await works(await loadComponent(url, { integrity: `sha256-AAAA ${sri}` }));
    const wrong = `sha256-${btoa(String.fromCharCode(...new Uint8Array(32)))}`;
    const e = await rejects(loadComponent(url, { integrity: wrong }), { code: 'INTEGRITY_MISMATCH' }) as IsowasmError;
    ok(e.message.includes(wrong) && e.message.includes(sri), e.message);
    await rejects(loadComponent(url, { integrity: 'md5-abc' }), { name: 'TypeError' });
  });

  it('cache with integrity: the second load reads Cache Storage and asks the network nothing', async () => {
    await caches.delete('isowasm-test-a');
    const sri = await integrityOf(await readFixture('memory-grow'));
    const outcomes: CacheOutcome[] = [];
    const before = fetches().length;
    await works(await loadComponent(url, { integrity: sri, cache: 'isowasm-test-a', onCache: (o) => outcomes.push(o) }));
    equal(fetches().length, before + 1);
    const progress: [number, number | null][] = [];
    await works(await loadComponent(url, { integrity: sri, cache: 'isowasm-test-a', onCache: (o) => outcomes.push(o), onProgress: (r, t) => progress.push([r, t]) }));
    equal(fetches().length, before + 1, 'no request for the second load');
    deepEqual(outcomes, ['stored', 'hit']);
    const size = (await readFixture('memory-grow')).length;
    deepEqual(progress.at(-1), [size, size]);
    // a new version (other integrity): fetched again and replaced
    const cache = await caches.open('isowasm-test-a');
    await cache.put(url, new Response(new Uint8Array([0, 97, 115, 109]), { headers: { 'content-type': 'application/wasm' } }));
    await works(await loadComponent(url, { integrity: sri, cache: 'isowasm-test-a', onCache: (o) => outcomes.push(o) }));
    equal(outcomes.at(-1), 'refreshed');
    equal((await (await cache.match(url))!.arrayBuffer()).byteLength, size);
    await caches.delete('isowasm-test-a');
  });

  it('cache without integrity: revalidated with a conditional request (304, no download), and used when the network fails', async () => {
    await caches.delete('isowasm-test-b');
    const outcomes: CacheOutcome[] = [];
    // a server that sends an ETag and answers 304 to it (the test routes)
    const versioned = (etag: string): string => new URL(`/__http/wasm?name=memory-grow&etag=${etag}`, location.href).href;
    const load = (etag: string, fetchInit: RequestInit = {}) => loadComponent(versioned(etag), { cache: 'isowasm-test-b', onCache: (o) => outcomes.push(o), fetchInit });
    await works(await load('v1'));
    await works(await load('v1'));
    // the network is gone (an aborted fetch stands for it): the cached copy serves
    await works(await load('v1', { signal: AbortSignal.abort() }));
    deepEqual(outcomes, ['stored', 'revalidated', 'offline']);
    // nothing cached and no network: the load fails and says so
    await caches.delete('isowasm-test-b');
    await rejects(load('v1', { signal: AbortSignal.abort() }), { code: 'LOAD_FAILED' });
  });
});
