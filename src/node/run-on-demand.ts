/**
 * `runInWorker` as `isowasm` and `isowasm/node` export it: the worker side (worker_threads,
 * comlink, the offload runner) is imported by the first call, not by importing isowasm.
 */
import type { ComponentSource } from '../core/load.js';
import type { RunInWorkerOptions, WorkerInstance } from '../core/offload/client.js';

/**
 * Runs a component in a `worker_threads` Worker (see the browser `runInWorker`: the same API):
 * resolves once it is instantiated there, with `exports` of the same names whose functions return
 * promises; `timeoutMs` terminates a call that takes longer (even a guest looping in its own
 * code) and starts a fresh worker. A worker with no call in flight does not keep the process alive.
 *
 * @example
 * ```ts
 * import { runInWorker } from 'isowasm/node';
 * const { exports, terminate } = await runInWorker('./markdown.wasm', { timeoutMs: 2000 });
 * console.log(await exports['acme:md/render'].toHtml('# hi'));
 * await terminate();
 * ```
 */
export async function runInWorker<E = Record<string, any>>(source: ComponentSource, options: RunInWorkerOptions = {}): Promise<WorkerInstance<E>> {
  const worker = await import('./run-in-worker.js');
  return worker.runInWorker<E>(source, options);
}
