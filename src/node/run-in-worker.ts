/**
 * `runInWorker` in Node: the component runs in a `worker_threads` Worker (this very module,
 * started with isowasm's marker in `workerData`), so a long call never blocks the event loop;
 * comlink carries the calls over its Node adapter. Pointing the Worker at this module's own URL
 * keeps it working from build/ and from the dist/ bundle alike (rollup.config.mjs makes it an
 * entry of its own, so its URL is stable).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ComponentSource } from '../core/load.js';
import { connectRunner, transfersOf, type RunInWorkerOptions, type RunnerLink, type Spawn, type WorkerInstance } from '../core/offload/client.js';
import { createRunner, type Runner } from '../core/offload/runner.js';
import { loadComponent, readComponentBytes } from './load.js';

const MARKER = 'isowasm.run';

const spawn: Spawn = (onEnd): RunnerLink => {
  const w = new Worker(new URL(import.meta.url), { workerData: { [MARKER]: true } });
  w.unref();
  let ended = false;
  w.on('error', (e: Error) => {
    ended = true;
    onEnd(e);
  });
  w.on('exit', (code: number) => {
    if (!ended) onEnd(new Error(`the worker exited with code ${code}`));
  });
  const remote = Comlink.wrap<Runner>(nodeEndpoint(w));
  return {
    runner: {
      // the bytes are a fresh copy for this worker: moved, not copied again
      start: (bytes, options) => remote.start(Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]), options),
      call: (path, args) => {
        const moved = transfersOf(args);
        return remote.call(path, moved.length > 0 ? Comlink.transfer(args, moved) : args);
      },
    },
    hold: (active) => (active ? w.ref() : w.unref()),
    terminate: () => {
      ended = true;
      remote[Comlink.releaseProxy]();
      void w.terminate();
    },
  };
};

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
  const bytes = await readComponentBytes(source, options.integrity === undefined ? {} : { integrity: options.integrity });
  return connectRunner<E>(spawn, bytes, options);
}


if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[MARKER] === true) {
  Comlink.expose(createRunner((bytes) => loadComponent(bytes), Comlink.transfer), nodeEndpoint(parentPort));
}
