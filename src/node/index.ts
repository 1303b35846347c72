/**
 * isowasm for Node: the core API with file-path loading and WASI served by isowasm's own host with
 * Node adapters, plus (as they land) Node host adapters, the request listener and the CLI.
 */
import { setWasiPlatform } from '../core/host/wasi-host.js';
import { nodeWasi } from './wasi.js';

setWasiPlatform(nodeWasi);

export { loadComponent } from './load.js';
export { nodeWasi } from './wasi.js';
export { processStdin } from './stdio.js';
