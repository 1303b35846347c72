/**
 * isowasm for browsers, Web Workers and Service Workers: the core API with WASI served by
 * isowasm's own host with browser adapters.
 */
import { setWasiPlatform } from '../core/host/wasi-host.js';
import { browserWasi } from './wasi.js';

setWasiPlatform(browserWasi);

export { loadComponent } from '../core/load.js';
export { browserWasi } from './wasi.js';
