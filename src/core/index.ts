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
export { capabilityNeeds, type CapabilityNeed } from './host/needs.js';
