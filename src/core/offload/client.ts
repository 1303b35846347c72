/**
 * The page's side of `runInWorker`: one worker at a time runs the instance; its exports become
 * async functions of the same names; a call that outlives `timeoutMs` terminates the worker (the
 * guest can't be stopped otherwise) and a fresh one is started, with a fresh instance.
 */
import { IsowasmError } from '../errors.js';
import { receiveError } from './errors.js';
import type { Reply, Runner, RunnerOptions } from './runner.js';
import { type ExportShape, remoteExports } from './shape.js';

export { transfer, transfersOf } from './transfer.js';

/** One started worker, as the platform's `runInWorker` spawns it. */
export interface RunnerLink {
  /** the runner in the worker (comlink's proxy: every method returns a promise) */
  readonly runner: Runner;
  /** keeps the process alive while calls are in flight (Node); a no-op elsewhere */
  hold(active: boolean): void;
  terminate(): void;
}

/** Asks `spawn` for a worker and tells `onEnd` if it ends on its own (a crash, a failed load). */
export type Spawn = (onEnd: (error: Error) => void) => RunnerLink;

/**
 * Options of `runInWorker`: the instance's (data only: they cross to the worker) and the call
 * deadline.
 *
 * @example
 * ```ts
 * await runInWorker(url, { capabilities: { env: { MODE: 'fast' } }, timeoutMs: 2000 });
 * ```
 */
export interface RunInWorkerOptions extends RunnerOptions {
  /**
   * The longest a call may take, in milliseconds (default: no limit). Past it the call rejects
   * with `TIMEOUT`, the worker is terminated (which stops even a guest looping in its own code)
   * and a fresh worker with a fresh instance serves the next calls: the old instance's state is
   * gone.
   */
  readonly timeoutMs?: number;
  /** Subresource Integrity of the component's bytes, as in `loadComponent`. */
  readonly integrity?: string;
}

/**
 * An instance in a worker: `exports` mirrors the instance's exports, each function returning a
 * promise. Calls run one at a time, in order, as in the instance itself.
 */
export interface WorkerInstance<E = Record<string, any>> {
  readonly exports: E;
  /** How many times a worker was replaced after a timeout or a crash. */
  readonly restarts: number;
  /** Ends the worker; later calls reject with `INSTANCE_POISONED`. */
  terminate(): Promise<void>;
}


function unwrap<T>(reply: Reply<T>): T {
  if ('error' in reply) throw receiveError(reply.error);
  return reply.ok;
}

/**
 * Starts the first worker and resolves to the instance once its exports are known.
 *
 * @example
 * ```ts
 * const instance = await connectRunner(spawnBrowserRunner, bytes, { timeoutMs: 1000 });
 * ```
 */
export async function connectRunner<E>(spawn: Spawn, bytes: Uint8Array, options: RunInWorkerOptions): Promise<WorkerInstance<E>> {
  const { timeoutMs, integrity: _checked, ...instanceOptions } = options;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new TypeError(`runInWorker: timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  let link: RunnerLink | null = null;
  let ready: Promise<{ link: RunnerLink; shape: ExportShape }> | null = null;
  let restarts = 0;
  let ended: IsowasmError | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const pending = new Set<(e: Error) => void>();

  const failAll = (e: Error): void => {
    for (const reject of [...pending]) reject(e);
    pending.clear();
  };
  const drop = (): void => {
    link?.terminate();
    link = null;
    ready = null;
  };
  /** The running worker, started (again) if there is none. */
  const start = (): Promise<{ link: RunnerLink; shape: ExportShape }> => {
    ready ??= (async () => {
      const l = spawn((e) => {
        if (link !== l) return;
        drop();
        restarts++;
        failAll(new IsowasmError('HOST_ERROR', `the worker running the instance ended: ${e.message}; a fresh one serves the next call (the instance's state is gone)`, { cause: e }));
      });
      link = l;
      try {
        // each worker gets its own copy: a terminated worker may still hold the last one
        // (Uint8Array's slice copies even when `bytes` is a Node Buffer, whose own slice would share)
        return { link: l, shape: unwrap(await l.runner.start(Uint8Array.prototype.slice.call(bytes), instanceOptions)) };
      } catch (e) {
        if (link === l) drop();
        throw e;
      }
    })();
    return ready;
  };

  const firstShape = (await start()).shape;

  const callOnce = async (path: readonly string[], args: unknown[]): Promise<unknown> => {
    if (ended) throw ended;
    const { link: l } = await start();
    const name = path.join('.');
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        clearTimeout(timer);
        pending.delete(reject);
        l.hold(pending.size > 0);
      };
      pending.add(reject);
      l.hold(true);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          settle();
          // the only way to stop a guest that does not return: end its thread
          if (link === l) {
            drop();
            restarts++;
            void start().catch(() => {});
          }
          reject(new IsowasmError('TIMEOUT', `${name}() took longer than timeoutMs (${timeoutMs} ms): the worker was terminated and a fresh one started (the instance's state is gone)`));
        }, timeoutMs);
      }
      l.runner.call(path, args).then(
        (reply) => {
          settle();
          try {
            resolve(unwrap(reply));
          } catch (e) {
            reject(e);
          }
        },
        (e: unknown) => {
          settle();
          // the arguments could not be cloned, or the worker went away
          reject(e instanceof Error && e.name === 'DataCloneError'
            ? new TypeError(`${name}(): an argument can't be sent to the worker (${e.message}); pass plain data`)
            : e);
        },
      );
    });
  };
  // calls run one at a time, in order, as in the instance itself
  const call = (path: readonly string[], args: unknown[]): Promise<unknown> => {
    const run = queue.then(() => callOnce(path, args));
    queue = run.catch(() => {});
    return run;
  };

  return {
    exports: remoteExports(firstShape, call) as E,
    get restarts() {
      return restarts;
    },
    async terminate() {
      ended ??= new IsowasmError('INSTANCE_POISONED', 'the worker instance was terminated');
      failAll(ended);
      drop();
    },
  };
}
