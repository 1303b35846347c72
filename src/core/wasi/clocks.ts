/**
 * `wasi:clocks` from web-standard clocks: `performance.now()` for the monotonic clock (in
 * nanoseconds, from an origin per instance) and `Date.now()` for the wall clock.
 */
import { Pollable } from './io.js';

export function clockNamespaces(options: { async: boolean }): Record<string, unknown> {
  const origin = performance.now();
  /** A pollable ready once the monotonic clock passes `deadlineNs`. */
  const timer = (_now: () => bigint, deadlineNs: bigint): Pollable => {
    const at = origin + Number(deadlineNs) / 1e6;
    return new Pollable({
      ready: () => performance.now() >= at,
      wait: () => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(at - performance.now())))),
      deadline: () => at,
      async: options.async,
    });
  };
  const now = (): bigint => BigInt(Math.round((performance.now() - origin) * 1e6));
  return {
    'wasi:clocks/monotonic-clock': {
      now,
      resolution: () => 1000n,
      subscribeInstant: (at: bigint) => timer(now, at),
      subscribeDuration: (d: bigint) => timer(now, now() + d),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
  };
}

