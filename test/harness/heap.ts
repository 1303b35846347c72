/**
 * Node only: what the process holds once its garbage is gone, for tests that bound a leak. A
 * wasm memory is freed some time after the collection that found it dead, so one gc() leaves a
 * varying number of them counted (tens of MiB for a 12 MB guest's); this collects until the
 * count stops falling.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** V8's gc(), from a fresh context (the flag is set after this process started). */
export const gc = runInNewContext('gc') as () => void;

/** Memory use after collecting until it stops falling by more than 1 MiB. */
export async function collected(): Promise<NodeJS.MemoryUsage> {
  let last = Infinity;
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 25));
    const m = process.memoryUsage();
    const held = m.heapUsed + m.external;
    if (held >= last - 2 ** 20) return m;
    last = held;
  }
  return process.memoryUsage();
}
