/**
 * `runInWorker` in browsers: the component runs in a module Worker (this very module, started
 * under isowasm's run-worker name), so a long call never blocks the page; comlink carries the
 * calls. Pointing the Worker at this module's own URL keeps it working from build/ and from the
 * dist/ bundle alike (rollup.config.mjs makes it an entry of its own, so its URL is stable).
 */
import * as Comlink from 'comlink';
import { type ComponentSource, describeSource, readSource } from '../core/load.js';
import { checkIntegrity } from '../core/integrity.js';
import { connectRunner, transfersOf, type RunInWorkerOptions, type RunnerLink, type Spawn, type WorkerInstance } from '../core/offload/client.js';
import { createRunner, type Runner } from '../core/offload/runner.js';
import { loadComponent } from './load.js';

const NAME = 'isowasm-run';

const spawn: Spawn = (onEnd): RunnerLink => {
  const url = new URL(import.meta.url);
  const w = new Worker(url, { type: 'module', name: NAME });
  w.addEventListener('error', (e) => {
    e.preventDefault();
    // a script that does not load reports a plain Event without a message
    onEnd(new Error(e.message || `the worker script ${url.href} failed to load`));
  });
  const remote = Comlink.wrap<Runner>(w);
  return {
    runner: {
      // the bytes are a fresh copy for this worker: moved, not copied again
      start: (bytes, options) => remote.start(Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]), options),
      call: (path, args) => {
        const moved = transfersOf(args);
        return remote.call(path, moved.length > 0 ? Comlink.transfer(args, moved) : args);
      },
    },
    hold: () => {},
    terminate: () => {
      remote[Comlink.releaseProxy]();
      w.terminate();
    },
  };
};

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
  const bytes = await readSource(source);
  if (options.integrity !== undefined) await checkIntegrity(bytes, options.integrity, describeSource(source));
  return connectRunner<E>(spawn, bytes, options);
}


interface WorkerScope { name?: string; WorkerGlobalScope?: unknown; document?: unknown }
const scope = globalThis as unknown as WorkerScope;
if (typeof scope.WorkerGlobalScope === 'function' && scope.document === undefined && scope.name === NAME) {
  Comlink.expose(createRunner((bytes) => loadComponent(bytes), Comlink.transfer));
}
