/**
 * isowasm for Node: the core API with file-path loading and WASI served by isowasm's own host with
 * Node adapters, plus (as they land) Node host adapters, the request listener and the CLI.
 */
export { loadComponent } from './load.js';
export { nodePlatform } from './platform.js';
export { nodeWasi } from './wasi.js';
export { nodeWorkers } from './workers.js';
export { createDirectoryVolume, type DirectoryVolumeOptions } from './volumes.js';
export { createMemoryVolume, type MemoryVolumeOptions } from '../core/host/volumes/memory.js';
export {
  VolumeError, isVolume, type Volume, type VolumePath, type VolumeStat, type VolumeDirEntry, type VolumeEntryType, type VolumeWalk,
  type VolumeTimeUpdate, type FilesystemErrorCode,
} from '../core/host/volume.js';
export { createSqliteKeyValue, type SqliteKeyValueOptions, type SqliteKeyValueStore } from './key-values.js';
export { createRedisKeyValue, type RedisKeyValueOptions, type RedisKeyValueStore, type RedisCommandClient } from './redis.js';
export { processStdin } from './stdio.js';
export { createNodeSocketBackend } from './sockets.js';
export { createMemoryKeyValue, type MemoryKeyValueOptions, type SyncKeyValueStore, type SyncKeyValueBucket } from '../core/host/key-values/memory.js';
export {
  KeyValueError, isKeyValueStore, DEFAULT_KEY_VALUE_LIMITS, type KeyValueStore, type KeyValueBucket, type KeyValueLimits, type KeyPage,
  type SwapResult, type Awaitable,
} from '../core/host/key-value.js';
export { wasiHost } from '../core/wasi/index.js';
export { SocketAllowList } from '../core/host/socket-policy.js';
export { capabilityNeeds } from '../core/host/needs.js';
export { checkIntegrity, integrityOf } from '../core/integrity.js';
export { writeComponentTypes, type WriteTypesOptions } from './types.js';
export { componentTypes, type ComponentTypesOptions } from '../core/link/dts.js';
export {
  createRequestListener, serve, accessLogLine, type AccessLogEntry, type RequestHandler, type RequestListenerOptions, type ServeOptions, type Served,
} from './http.js';
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions, type HttpComponent, type InstancePolicy, type RequestLimits } from '../core/http/index.js';
export { runInWorker } from './run-on-demand.js';
export { transfer } from '../core/offload/transfer.js';
export type { RunInWorkerOptions, WorkerInstance } from '../core/offload/client.js';
export { readComponentBytes } from './load.js';
