/**
 * isowasm for Node: the core API with file-path loading and WASI served by isowasm's own host with
 * Node adapters, plus (as they land) Node host adapters, the request listener and the CLI.
 */
import { setWasiPlatform } from '../core/host/platform.js';
import { setWorkerPlatform } from '../core/worker/platform.js';
import { nodeWasi } from './wasi.js';
import { nodeWorkers } from './worker.js';

setWasiPlatform(nodeWasi);
setWorkerPlatform(nodeWorkers);

export { loadComponent } from './load.js';
export { nodeWasi } from './wasi.js';
export { nodeWorkers } from './worker.js';
export { createDirectoryVolume, type DirectoryVolumeOptions } from './volumes.js';
export { createMemoryVolume, type MemoryVolumeOptions } from '../core/host/volumes/memory.js';
export {
  VolumeError, isVolume, type Volume, type VolumePath, type VolumeStat, type VolumeDirEntry, type VolumeEntryType,
  type VolumeTimeUpdate, type FilesystemErrorCode,
} from '../core/host/volume.js';
export { processStdin } from './stdio.js';
export { createNodeSocketBackend } from './sockets.js';
export { wasiHost } from '../core/host/wasi-host.js';
export { SocketAllowList } from '../core/host/socket-policy.js';
export { capabilityNeeds } from '../core/host/needs.js';
