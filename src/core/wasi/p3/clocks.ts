/**
 * `wasi:clocks@0.3.0`: the monotonic clock the 0.2 room uses (one per instance, so marks of both
 * versions agree), with `wait-until` and `wait-for` as async functions, and the system clock
 * (0.2's wall clock). A wait whose deadline has passed returns at once, so a guest that lowers it
 * `async` sees it done without a turn of the event loop.
 */
import { type MonotonicClock, wallClockNow } from '../clocks.js';
import { IsowasmError } from '../../errors.js';
import { maySuspend } from '../io.js';

/** setTimeout's longest delay (a longer one fires at once); longer waits chain timers. */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * Resolves once `performance.now()` reaches `at`; rejects when `ended` is aborted (the instance
 * ended), clearing its timer, so a guest's long wait doesn't keep the process alive after it.
 */
function sleepUntil(at: number, ended?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      reject(new IsowasmError('INSTANCE_POISONED', 'the instance ended while its guest waited on the clock'));
    };
    if (ended?.aborted) {
      stop();
      return;
    }
    ended?.addEventListener('abort', stop, { once: true });
    const tick = (): void => {
      const left = at - performance.now();
      if (left <= 0) {
        ended?.removeEventListener('abort', stop);
        resolve();
      } else timer = setTimeout(tick, Math.min(MAX_TIMER_MS, Math.ceil(left)));
    };
    tick();
  });
}

/**
 * The `wasi:clocks@0.3.0` namespaces over the instance's monotonic clock.
 *
 * @example
 * ```ts
 * const ns = clockNamespacesP3(monotonicClock());
 * await ns['wasi:clocks/monotonic-clock@0.3.0'].waitFor(10_000_000n); // 10 ms
 * ```
 */
export function clockNamespacesP3(clock: MonotonicClock, ended?: AbortSignal): {
  'wasi:clocks/types@0.3.0': Record<string, never>;
  'wasi:clocks/monotonic-clock@0.3.0': {
    now(): bigint; getResolution(): bigint; waitUntil(when: bigint): Promise<void> | undefined; waitFor(howLong: bigint): Promise<void> | undefined;
  };
  'wasi:clocks/system-clock@0.3.0': { now(): { seconds: bigint; nanoseconds: number }; getResolution(): bigint };
} {
  // may answer with a promise: under JSPI a guest lowering them synchronously waits
  const waitUntil = maySuspend((when: bigint): Promise<void> | undefined => (when <= clock.now() ? undefined : sleepUntil(clock.at(when), ended)));
  return {
    'wasi:clocks/types@0.3.0': {},
    'wasi:clocks/monotonic-clock@0.3.0': {
      now: clock.now,
      getResolution: () => 1000n,
      waitUntil,
      waitFor: maySuspend((howLong: bigint) => (howLong === 0n ? undefined : waitUntil(clock.now() + howLong))),
    },
    'wasi:clocks/system-clock@0.3.0': {
      now: wallClockNow,
      getResolution: () => 1_000_000n,
    },
  };
}
