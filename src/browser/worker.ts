/**
 * Guest workers in browsers ('worker' strategy): a module Worker running this very module, which,
 * started under isowasm's worker name, serves the guest side of the bridge. The guest blocks in
 * `Atomics.wait` on a SharedArrayBuffer, so the page must be cross-origin isolated.
 * Pointing the Worker at this module's own URL keeps it working from build/ and from the dist/
 * bundle alike (rollup.config.mjs makes it an entry of its own, so its URL is stable).
 * `browserWorkers` (workers.ts) imports this module when it first instantiates in a worker.
 */
import { serveGuest } from '../core/worker/guest.js';
import type { GuestWorker, GuestWorkerEvents } from '../core/worker/platform.js';

export { instantiateInWorker } from '../core/worker/parent.js';

const NAME = 'isowasm-guest';

interface WorkerScope {
  name: string;
  postMessage(m: unknown): void;
  addEventListener(type: 'message', h: (e: MessageEvent) => void): void;
}

/** Starts a worker serving the guest side (`browserWorkers.spawn`, workers.ts). */
export function spawnGuestWorker(events: GuestWorkerEvents): GuestWorker {
  const url = new URL(import.meta.url);
  const w = new Worker(url, { type: 'module', name: NAME });
  w.onmessage = (e) => events.message(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    // a script that does not load reports a plain Event without a message
    events.failed(new Error(e.message || `the worker script ${url.href} failed to load`));
  };
  w.onmessageerror = () => events.failed(new Error('a message from the worker could not be read'));
  return { post: (m) => w.postMessage(m), hold: () => {}, terminate: () => w.terminate() };
}

const scope = globalThis as unknown as Partial<WorkerScope> & { WorkerGlobalScope?: unknown; document?: unknown };
if (typeof scope.WorkerGlobalScope === 'function' && scope.document === undefined && scope.name === NAME) {
  const self = scope as WorkerScope;
  serveGuest({ post: (m) => self.postMessage(m), onMessage: (h) => self.addEventListener('message', (e) => h(e.data)) });
}
