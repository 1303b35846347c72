/** The browser WASI platform: stdio to the console, a line at a time. */
import type { OutputSink } from '../core/host/capabilities.js';
import type { WasiPlatform } from '../core/host/platform.js';
import { wasiHost } from '../core/wasi/index.js';

/** Writes whole lines to a console function, keeping a partial last line until more arrives. */
function consoleSink(log: (line: string) => void): OutputSink {
  const decoder = new TextDecoder();
  let pending = '';
  return (bytes) => {
    pending += decoder.decode(bytes, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) log(l);
  };
}

/**
 * isowasm's WASI host with browser adapters: stdout and stderr to the console a line at a time,
 * outgoing HTTP through `fetch`; host directories and sockets are refused (grant volumes, such as
 * `createIndexedDbVolume`). Part of `browserPlatform`; spread it to change one adapter.
 *
 * @example
 * ```ts
 * import { browserWasi } from 'isowasm/browser';
 * const quiet = { ...browserWasi, defaultStdout: () => {} };
 * await component.instantiate({ wasi: quiet, capabilities: { env: { MODE: 'page' } } });
 * ```
 */
export const browserWasi: WasiPlatform = {
  name: 'browser',
  host: wasiHost,
  defaultStdout: consoleSink((l) => console.log(l)),
  defaultStderr: consoleSink((l) => console.error(l)),
};
