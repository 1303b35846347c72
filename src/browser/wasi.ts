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

export const browserWasi: WasiPlatform = {
  name: 'browser',
  host: wasiHost,
  defaultStdout: consoleSink((l) => console.log(l)),
  defaultStderr: consoleSink((l) => console.error(l)),
};
