/** The `isowasm` entry point for browsers and every non-Node runtime. */
export {
  Component, type Instance, type InstantiateOptions, readSource, type ComponentSource, type LoadOptions,
  IsowasmError, ComponentError, ComponentExit, ErrorContext, type IsowasmErrorCode, type ItemDescription, parseComponent, binaryKind,
  coreModuleKey, stripCoreModules, type ComponentModel, type Capabilities, type StdioGrant, type PreopenGrant, type OutputSink, type InputSource,
  type DenialReport, type KeyValueGrant, type WasiPlatform, type CapabilityNeed, type Platform, type CompileOptions,
  type WorkerPlatform, type Strategy, type StrategyOption, type InstanceLimits, type LoaderLimits, DEFAULT_LOADER_LIMITS,
  integrityOf, checkIntegrity,
} from './core/index.js';
export * from './browser/index.js';
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions, type HttpComponent, type InstancePolicy, type RequestLimits } from './core/http/index.js';
