/**
 * `runInWorker` as `isowasm` and `isowasm/browser` export it: the worker side (comlink, the
 * offload runner) is imported by the first call, not by importing isowasm.
 */
import type { ComponentSource } from '../core/load.js';
import type { RunInWorkerOptions, WorkerInstance } from '../core/offload/client.js';

/**
 * Runs a component in a Worker: resolves once it is instantiated there, with `exports` of the
 * same names whose functions return promises, so the page stays responsive however long a call
 * takes. Values cross by structured clone (the same JS values as in this thread; byte lists of
 * 64 KiB or more come back transferred, not copied; pass `transfer(bytes)` to send a large
 * argument without a copy). Options are data only (grants without volumes or sinks, limits). With
 * `timeoutMs`, a call that takes longer rejects with `TIMEOUT`, the worker is terminated (this
 * stops even a guest looping in its own code) and a fresh one starts. Resources stay in the
 * worker: a resource class or a resource result is `UNSUPPORTED`.
 *
 * @example
 * ```ts
 * import { runInWorker } from 'isowasm/browser';
 * const { exports, terminate } = await runInWorker(new URL('./markdown.wasm', import.meta.url), { timeoutMs: 2000 });
 * const html = await exports['acme:md/render'].toHtml(hugeDocument);
 * ```
 */
export async function runInWorker<E = Record<string, any>>(source: ComponentSource, options: RunInWorkerOptions = {}): Promise<WorkerInstance<E>> {
  // before the import: a Service Worker, which has no Worker, may not import() either
  if (typeof Worker !== 'function') throw new TypeError('runInWorker needs Worker, which this context lacks (a Service Worker can\'t start Workers: instantiate the component in it directly)');
  const worker = await import('./run-in-worker.js');
  return worker.runInWorker<E>(source, options);
}
