/** The Node WASI platform: stdio to the process's streams by default. */
import type { WasiPlatform } from '../core/host/platform.js';
import { createNodeSocketBackend } from './sockets.js';
import { createDirectoryVolume } from './volumes.js';
import { wasiHost } from '../core/wasi/index.js';

export const nodeWasi: WasiPlatform = {
  name: 'node',
  host: wasiHost,
  defaultStdout: (bytes) => { process.stdout.write(bytes); },
  defaultStderr: (bytes) => { process.stderr.write(bytes); },
  // a preopen granted as a string is a host directory, confined
  directoryVolume: (hostPath, options) => createDirectoryVolume(hostPath, options),
  // wasi:sockets over node:net, node:dgram and node:dns, for what capabilities.sockets allows
  sockets: createNodeSocketBackend(),
};
