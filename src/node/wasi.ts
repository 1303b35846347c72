/** The Node WASI platform: stdio to the process's streams by default. */
import type { WasiPlatform } from '../core/host/wasi-host.js';

export const nodeWasi: WasiPlatform = {
  name: 'node',
  defaultStdout: (bytes) => { process.stdout.write(bytes); },
  defaultStderr: (bytes) => { process.stderr.write(bytes); },
};
