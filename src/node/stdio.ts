/** The Node process's own stdin as a WASI input source (what `isowasm run` gives its guest). */
import { nodeFs } from './builtins.js';

/**
 * Reads the process's stdin synchronously, a chunk per call (null at the end), so a
 * synchronous guest can read it like `wasmtime run` lets it.
 *
 * @example
 * ```ts
 * await component.instantiate({ capabilities: { stdio: { stdin: processStdin() } } });
 * ```
 */
export function processStdin(): () => Uint8Array | null {
  const { readSync } = nodeFs();
  const buf = new Uint8Array(65536);
  let done = false;
  return () => {
    if (done) return null;
    for (;;) {
      try {
        const n = readSync(0, buf, 0, buf.length, null);
        if (n === 0) {
          done = true;
          return null;
        }
        return buf.slice(0, n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // a non-blocking stdin (some terminals): try again
        if (code === 'EOF') {
          done = true;
          return null;
        }
        throw e;
      }
    }
  };
}
