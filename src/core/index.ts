/**
 * isowasm's platform-neutral core: the component loader, linker and Canonical ABI. It uses only
 * WebAssembly and web-standard globals, so it runs unchanged in browsers, workers, Node, Deno,
 * Bun and workerd. The WASI host and the worker strategy are not part of it: the `isowasm`,
 * `isowasm/node` and `isowasm/browser` entry points pass theirs down as a `Platform` (their
 * `loadComponent` does), so an app that brings its own imports carries only the loader.
 */
export { Component, type CompileOptions, type Instance, type InstantiateOptions } from './component.js';
export { loadComponent, readSource, type ComponentSource, type LoadOptions } from './load.js';
export { checkIntegrity, integrityOf } from './integrity.js';
export { IsowasmError, ComponentError, ComponentExit, type IsowasmErrorCode } from './errors.js';
export { ErrorContext } from './abi/error-context.js';
export type { InstanceLimits } from './limits.js';
export type { ItemDescription } from './link/describe.js';
export { parseComponent, binaryKind } from './binary/parse-component.js';
export { coreModuleKey, stripCoreModules, strippedModule, type StrippedModule } from './binary/precompiled.js';
export { DEFAULT_LOADER_LIMITS, type LoaderLimits } from './binary/limits.js';
export type { ComponentModel } from './binary/model.js';
export type { Capabilities, StdioGrant, PreopenGrant, OutputSink, InputSource, DenialReport, KeyValueGrant } from './host/capabilities.js';
export type { KeyValueStore, KeyValueBucket, KeyValueLimits, KeyPage, SwapResult, Awaitable } from './host/key-value.js';
export type { SyncKeyValueStore, SyncKeyValueBucket, MemoryKeyValueOptions } from './host/key-values/memory.js';
export type { Platform } from './platform.js';
export type { WasiPlatform, WasiHost, WasiImportOptions, FetchAdapter } from './host/platform.js';
export type { Grants, FilesystemPreopen, KeyValueBuckets } from './host/grants.js';
export type { HostContext } from './wasi/context.js';
export type { WorkerPlatform } from './worker/platform.js';
export type { Strategy, StrategyOption } from './strategy.js';
export type { MemoryVolumeOptions } from './host/volumes/memory.js';
export type {
  Volume, VolumePath, VolumeStat, VolumeDirEntry, VolumeEntryType, VolumeTimeUpdate, VolumeWalk, FilesystemErrorCode,
} from './host/volume.js';
export type { CapabilityNeed } from './host/needs.js';
export type {
  SocketBackend, SocketErrorCode, TcpConnection, TcpBinding, UdpBinding, Datagram,
} from './host/socket-backend.js';
export type { SocketAddress } from './host/socket-address.js';
// keeps the global declarations the shipped types rely on (Symbol.dispose, WebAssembly) in every
// consumer's program, whichever entry point it imports
export type {} from './dispose.js';
