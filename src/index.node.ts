/** The `isowasm` entry point under the `node` export condition. */
export {
  Component, type Instance, type InstantiateOptions, readSource, type ComponentSource, type LoadOptions,
  IsowasmError, ComponentError, ComponentExit, ErrorContext, type IsowasmErrorCode, type ItemDescription, parseComponent, binaryKind,
  coreModuleKey, stripCoreModules, type ComponentModel, type Capabilities, type StdioGrant, type PreopenGrant, type OutputSink, type InputSource,
  type DenialReport, type KeyValueGrant, type WasiPlatform, type CapabilityNeed, type Platform, type CompileOptions,
  type WorkerPlatform, type Strategy, type StrategyOption, type InstanceLimits, type LoaderLimits, DEFAULT_LOADER_LIMITS,
} from './core/index.js';
export * from './node/index.js';
