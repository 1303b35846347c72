/**
 * `browserWorkers`, the 'worker' strategy's platform in browsers. The worker bridge (worker.ts,
 * which is also the module the workers run) is imported by the first instantiation in a worker,
 * not by importing isowasm; `spawn` is only ever called by that instantiation.
 */
import { IsowasmError } from '../core/errors.js';
import type { GuestWorker, GuestWorkerEvents, WorkerPlatform } from '../core/worker/platform.js';

let bridge: typeof import('./worker.js') | null = null;

/**
 * Starts guests in module Workers; needs `crossOriginIsolated` (serve the page with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`).
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/core';
 * import { browserWorkers } from 'isowasm/browser';
 * const component = await loadComponent(url, { platform: { name: 'browser', workers: browserWorkers } }); // part of browserPlatform
 * const { exports } = await component.instantiate({ strategy: 'worker' });
 * ```
 */
export const browserWorkers: WorkerPlatform = {
  name: 'browser',
  instantiate: async (a) => {
    bridge ??= await import('./worker.js');
    return bridge.instantiateInWorker(a);
  },
  missing() {
    const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
    if (typeof g.Worker !== 'function') return 'Worker, which this context lacks';
    if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') {
      return 'crossOriginIsolated (SharedArrayBuffer and Atomics.wait): serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
    }
    return null;
  },
  spawn(events: GuestWorkerEvents): GuestWorker {
    if (!bridge) throw new IsowasmError('INTERNAL', 'browserWorkers.spawn() was called before browserWorkers.instantiate() loaded the worker bridge; start guests through instantiate');
    return bridge.spawnGuestWorker(events);
  },
};
