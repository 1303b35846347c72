/**
 * isowasm's platform-neutral core: the component loader, linker and Canonical ABI. It uses only
 * WebAssembly and web-standard globals, so it runs unchanged in browsers, workers, Node, Deno,
 * Bun and workerd.
 */
export { Component, type Instance, type InstantiateOptions } from './component.js';
export { loadComponent, readSource, type ComponentSource, type LoadOptions } from './load.js';
export { IsowasmError, ComponentError, ComponentExit, type IsowasmErrorCode } from './errors.js';
export type { ItemDescription } from './link/describe.js';
export { parseComponent, binaryKind } from './binary/parse-component.js';
export type { ComponentModel } from './binary/model.js';
export type { Capabilities, StdioGrant, PreopenGrant, OutputSink, InputSource, DenialReport } from './host/capabilities.js';
export { setWasiPlatform, type WasiPlatform } from './host/wasi-host.js';
export { setWorkerPlatform, type WorkerPlatform } from './worker/platform.js';
export type { Strategy, StrategyOption } from './strategy.js';
export { createMemoryVolume, type MemoryVolumeOptions } from './host/volumes/memory.js';
export {
  VolumeError, isVolume, type Volume, type VolumePath, type VolumeStat, type VolumeDirEntry, type VolumeEntryType,
  type VolumeTimeUpdate, type FilesystemErrorCode,
} from './host/volume.js';
export { capabilityNeeds, type CapabilityNeed } from './host/needs.js';
export type {
  SocketBackend, SocketErrorCode, TcpConnection, TcpBinding, UdpBinding, Datagram,
} from './host/socket-backend.js';
export type { SocketAddress } from './host/socket-address.js';
export { SocketAllowList } from './host/socket-policy.js';
