/**
 * The 'worker' strategy in Chromium needs a cross-origin isolated page: web-test-runner.config.mjs
 * serves the test pages with COOP/COEP, so workers run here; a page that is not isolated is
 * simulated by hiding `crossOriginIsolated` for the length of a test.
 */
import { IsowasmError } from '../../src/core/index.js';
import { equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import type { Host } from '../shared/_conformance-hosts-2.js';
import { failure, startWith, withoutJspi } from '../shared/strategy-harness.js';

const I = 'something:test/test-interface';
const host: Host = () => ({
  [I]: { callSync: () => 'called sync', callAsync: async () => 'called async' },
});

/** Runs `fn` as if the page were not cross-origin isolated. */
async function notIsolated<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(g, 'crossOriginIsolated');
  Object.defineProperty(g, 'crossOriginIsolated', { value: false, configurable: true, writable: true });
  try {
    return await fn();
  } finally {
    if (own) Object.defineProperty(g, 'crossOriginIsolated', own);
    else delete g.crossOriginIsolated;
  }
}

function unsupported(e: unknown, ...phrases: string[]): void {
  ok(e instanceof IsowasmError, `expected an IsowasmError, got ${String(e)}`);
  equal(e.code, 'UNSUPPORTED', e.message);
  for (const p of phrases) ok(e.message.includes(p), `the message names ${p}: ${e.message}`);
}

describe('strategy worker in Chromium: cross-origin isolation', () => {
  it('the test page is cross-origin isolated (COOP/COEP from the test server), so workers can wait on shared memory', () => {
    equal((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated, true);
    equal(typeof SharedArrayBuffer, 'function');
  });

  it('worker, forced on a page that is not cross-origin isolated, fails with UNSUPPORTED naming crossOriginIsolated and the headers', async () => {
    await notIsolated(async () => {
      unsupported(await failure(() => startWith('async_call', 'worker', host)), "strategy 'worker'", 'crossOriginIsolated',
        'Cross-Origin-Opener-Policy: same-origin', 'Cross-Origin-Embedder-Policy: require-corp');
    });
  });

  it('auto without JSPI on a page that is not isolated runs with sync, and a host promise fails naming JSPI and crossOriginIsolated', async () => {
    await withoutJspi(() => notIsolated(async () => {
      const r = await startWith('async_call', 'auto', host, { async: { exports: ['run-async'] } });
      equal(r.instance.strategy, 'sync');
      equal(r.exports.runSync(), 'called sync');
      unsupported(await failure(() => r.exports.runAsync()), 'WebAssembly.Suspending', 'crossOriginIsolated');
    }));
  });

  it('auto without JSPI on the isolated page runs the guest in a module Worker', async () => {
    await withoutJspi(async () => {
      const r = await startWith('async_call', 'auto', host, { async: { exports: ['run-async'] } });
      equal(r.instance.strategy, 'worker');
      equal(await r.exports.runAsync(), 'called async');
      await r.instance.terminate();
    });
  });
});
