/**
 * `wasi:clocks` from web-standard clocks: `performance.now()` for the monotonic clock (in
 * nanoseconds, from an origin per instance) and `Date.now()` for the wall clock.
 */
import { Pollable } from './io.js';

/** One instance's monotonic clock, which its 0.2 and 0.3 interfaces share (their marks agree). */
export interface MonotonicClock {
  /** nanoseconds since the instance's origin */
  now(): bigint;
  /** the `performance.now()` time at which `now()` reaches `ns` */
  at(ns: bigint): number;
}

export function monotonicClock(): MonotonicClock {
  const origin = performance.now();
  return {
    now: () => BigInt(Math.round((performance.now() - origin) * 1e6)),
    at: (ns) => origin + Number(ns) / 1e6,
  };
}

/** The wall clock as seconds and nanoseconds since the Unix epoch (millisecond resolution). */
export function wallClockNow(): { seconds: bigint; nanoseconds: number } {
  const ms = Date.now();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
}

export function clockNamespaces(options: { async: boolean }, clock: MonotonicClock = monotonicClock()): Record<string, unknown> {
  /** A pollable ready once the monotonic clock passes `deadlineNs`. */
  const timer = (deadlineNs: bigint): Pollable => {
    const at = clock.at(deadlineNs);
    return new Pollable({
      ready: () => performance.now() >= at,
      wait: () => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(at - performance.now())))),
      deadline: () => at,
      async: options.async,
    });
  };
  return {
    'wasi:clocks/monotonic-clock': {
      now: clock.now,
      resolution: () => 1000n,
      subscribeInstant: (at: bigint) => timer(at),
      subscribeDuration: (d: bigint) => timer(clock.now() + d),
    },
    'wasi:clocks/wall-clock': {
      now: wallClockNow,
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
  };
}
