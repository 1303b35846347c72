/**
 * How a platform runs a guest in a worker thread (the 'worker' strategy). Core code stays
 * platform-neutral: the Node and browser entry points register their implementation
 * (`node:worker_threads`, or a module `Worker`), and the core asks it whether workers can run here.
 */

/** What the parent thread holds of a started worker. */
export interface GuestWorker {
  /** Posts a message (structured clone) to the worker. */
  post(message: unknown): void;
  /**
   * Whether the worker must keep the process alive: true while calls are in flight. (Node keeps
   * a process running while a worker is referenced; an idle instance must not.)
   */
  hold(active: boolean): void;
  /** Stops the worker at once. */
  terminate(): void;
}

/** Receives what a started worker sends or reports. */
export interface GuestWorkerEvents {
  message(data: unknown): void;
  /** The worker failed (an uncaught error, a script that did not load) or exited. */
  failed(error: Error): void;
}

/** The worker thread's end of the channel to its parent. */
export interface ParentPort {
  post(message: unknown): void;
  onMessage(handler: (data: unknown) => void): void;
}

export interface WorkerPlatform {
  /** `'node'`, `'browser'`, ... for messages */
  readonly name: string;
  /**
   * Null when guests can run in workers here; otherwise what is missing, as a phrase that
   * completes "needs ...", e.g. `crossOriginIsolated (serve the page with ...)`.
   */
  missing(): string | null;
  /** Starts a worker that runs isowasm's guest side (`serveGuest`). */
  spawn(events: GuestWorkerEvents): GuestWorker;
  /**
   * Instantiates a component in a worker of this platform (isowasm's `instantiateInWorker`;
   * registered with the platform so that the loader alone doesn't carry the worker bridge).
   */
  instantiate(a: import('./parent.js').WorkerInstantiation): Promise<import('./parent.js').WorkerInstance>;
}

let current: WorkerPlatform | null = null;

/**
 * Registers how this platform starts guest workers (the `isowasm` entry points do it on import;
 * `null` leaves the 'worker' strategy unavailable).
 *
 * @example
 * ```ts
 * import { setWorkerPlatform } from 'isowasm/core';
 * import { browserWorkers } from 'isowasm/browser';
 * setWorkerPlatform(browserWorkers); // e.g. for code that imports 'isowasm/core' alone
 * ```
 */
export function setWorkerPlatform(platform: WorkerPlatform | null): void {
  current = platform;
}

export function workerPlatform(): WorkerPlatform | null {
  return current;
}
