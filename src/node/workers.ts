/**
 * `nodeWorkers`, the 'worker' strategy's platform in Node. The worker bridge and worker_threads
 * (worker.ts, which is also the module the workers run) are imported by the first instantiation
 * in a worker, not by importing isowasm; `spawn` is only ever called by that instantiation.
 */
import { IsowasmError } from '../core/errors.js';
import type { GuestWorker, GuestWorkerEvents, WorkerPlatform } from '../core/worker/platform.js';

let bridge: typeof import('./worker.js') | null = null;

/**
 * Starts guests in `worker_threads`. An idle worker does not keep the process alive; one with a
 * call in flight does.
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/core';
 * import { nodeWorkers } from 'isowasm/node';
 * const component = await loadComponent(bytes, { platform: { name: 'node', workers: nodeWorkers } }); // part of nodePlatform
 * const { exports } = await component.instantiate({ strategy: 'worker' });
 * ```
 */
export const nodeWorkers: WorkerPlatform = {
  name: 'node',
  instantiate: async (a) => {
    bridge ??= await import('./worker.js');
    return bridge.instantiateInWorker(a);
  },
  missing: () => (typeof SharedArrayBuffer === 'function' ? null : 'SharedArrayBuffer'),
  spawn(events: GuestWorkerEvents): GuestWorker {
    if (!bridge) throw new IsowasmError('INTERNAL', 'nodeWorkers.spawn() was called before nodeWorkers.instantiate() loaded the worker bridge; start guests through instantiate');
    return bridge.spawnGuestWorker(events);
  },
};
