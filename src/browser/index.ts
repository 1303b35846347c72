/**
 * isowasm for browsers, Web Workers and Service Workers: the core API with WASI served by
 * preview2-shim's browser implementation, plus browser volumes.
 */
import { setWasiPlatform } from '../core/host/wasi-host.js';
import { browserWasi } from './wasi.js';

setWasiPlatform(browserWasi);

export { loadComponent } from '../core/load.js';
export { browserWasi } from './wasi.js';
export { createMemoryVolume, readVolumeFile, type MemoryVolume, type VolumeFiles } from './volumes.js';
