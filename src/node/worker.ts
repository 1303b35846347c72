/**
 * Guest workers in Node ('worker' strategy): a `worker_threads` Worker running this very module,
 * which, started with isowasm's marker in `workerData`, serves the guest side of the bridge.
 * `nodeWorkers` (workers.ts) imports this module when it first instantiates in a worker.
 * Pointing the Worker at this module's own URL keeps it working from build/ and from the dist/
 * bundle alike (rollup.config.mjs makes it an entry of its own, so its URL is stable).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { serveGuest } from '../core/worker/guest.js';
import type { GuestWorker, GuestWorkerEvents } from '../core/worker/platform.js';

export { instantiateInWorker } from '../core/worker/parent.js';

const MARKER = 'isowasm.guest';

/** Starts a worker serving the guest side (`nodeWorkers.spawn`, workers.ts). */
export function spawnGuestWorker(events: GuestWorkerEvents): GuestWorker {
  const w = new Worker(new URL(import.meta.url), { workerData: { [MARKER]: true } });
  w.unref();
  let ended = false;
  w.on('message', (m: unknown) => events.message(m));
  w.on('error', (e: Error) => {
    ended = true;
    events.failed(e);
  });
  w.on('exit', (code: number) => {
    if (!ended) events.failed(new Error(`the worker exited with code ${code}`));
  });
  return {
    post: (m) => w.postMessage(m),
    hold: (active) => (active ? w.ref() : w.unref()),
    terminate: () => {
      ended = true;
      void w.terminate();
    },
  };
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[MARKER] === true) {
  const port = parentPort;
  serveGuest({ post: (m) => port.postMessage(m), onMessage: (h) => port.on('message', h) });
}
