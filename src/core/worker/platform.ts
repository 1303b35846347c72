/**
 * The contract of how a platform runs a guest in a worker thread (the 'worker' strategy). Core
 * code stays platform-neutral: the Node and browser entry points implement it
 * (`node:worker_threads`, or a module `Worker`) and hand it down with their `Platform`; the
 * strategy chooser asks it whether workers can run here.
 */
import type { ComponentModel } from '../binary/model.js';
import type { LinkContext } from '../link/instantiate.js';
import type { AbiLimits } from '../limits.js';

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

/**
 * How one platform starts guest workers: `nodeWorkers` (isowasm/node) and `browserWorkers`
 * (isowasm/browser) implement it; a platform of your own (an edge runtime with threads) can too.
 *
 * @example
 * ```ts
 * import { loadComponent, nodePlatform } from 'isowasm/node';
 * const component = await loadComponent('app.wasm', { platform: { ...nodePlatform, workers: myWorkers } });
 * ```
 */
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
  instantiate(a: WorkerInstantiation): Promise<WorkerInstance>;
}

/** What the parent thread hands `WorkerPlatform.instantiate`. */
export interface WorkerInstantiation {
  /** the component's bytes (the worker parses them again) */
  readonly bytes: Uint8Array;
  readonly model: ComponentModel;
  /** compiled modules, sent to the worker so that it does not compile them again */
  readonly link: LinkContext;
  /** the complete import object, WASI included */
  readonly imports: Record<string, unknown>;
  /** run after every call, before its promise resolves */
  readonly afterCall: readonly (() => Promise<void> | void)[];
  readonly platform: WorkerPlatform;
  /** the instance's limits: the worker lifts and lowers, so it applies them */
  readonly limits?: AbiLimits;
  /** the worker snapshots the instance, and `reset` restores it (`link` has the resettable modules) */
  readonly resettable?: boolean;
}

/** An instance running in a worker, as the parent thread holds it. */
export interface WorkerInstance {
  readonly exports: Record<string, unknown>;
  terminate(): Promise<void>;
  /**
   * Restores the instance in the worker (a resettable one); refused with `REENTRANCE` while a
   * call is in progress. `before` runs once it is sure to happen, before the next call can start.
   */
  reset?(before: () => void): Promise<void>;
}
