/**
 * isowasm for browsers, Web Workers and Service Workers: the core API with WASI served by
 * isowasm's own host with browser adapters.
 */
export { loadComponent, type BrowserLoadOptions, type CacheOutcome } from './load.js';
export { browserPlatform } from './platform.js';
export { browserWasi } from './wasi.js';
export { browserWorkers } from './workers.js';
export { createIndexedDbVolume, type IndexedDbVolume, type IndexedDbVolumeOptions } from './volumes.js';
export { createIndexedDbKeyValue, type IndexedDbKeyValueStore } from './key-values.js';
export { createMemoryVolume, type MemoryVolumeOptions } from '../core/host/volumes/memory.js';
export {
  VolumeError, isVolume, type Volume, type VolumePath, type VolumeStat, type VolumeDirEntry, type VolumeEntryType, type VolumeWalk,
  type VolumeTimeUpdate, type FilesystemErrorCode,
} from '../core/host/volume.js';
export { createMemoryKeyValue, type MemoryKeyValueOptions, type SyncKeyValueStore, type SyncKeyValueBucket } from '../core/host/key-values/memory.js';
export {
  KeyValueError, isKeyValueStore, DEFAULT_KEY_VALUE_LIMITS, type KeyValueStore, type KeyValueBucket, type KeyValueLimits, type KeyPage,
  type SwapResult, type Awaitable,
} from '../core/host/key-value.js';
export { wasiHost } from '../core/wasi/index.js';
export { capabilityNeeds } from '../core/host/needs.js';
export { runInWorker } from './run-on-demand.js';
export { transfer } from '../core/offload/transfer.js';
export type { RunInWorkerOptions, WorkerInstance } from '../core/offload/client.js';
export { serveFromServiceWorker, type Routes, type ServiceWorkerServeOptions, type ServiceWorkerServer } from './service-worker.js';
