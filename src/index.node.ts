/** The `isowasm` entry point under the `node` export condition. */
export {
  Component, type Instance, type InstantiateOptions, readSource, type ComponentSource, type LoadOptions,
  IsowasmError, ComponentError, ComponentExit, type IsowasmErrorCode, type ItemDescription, parseComponent, binaryKind,
  type ComponentModel, type Capabilities, type StdioGrant, type PreopenGrant, type OutputSink, type InputSource,
  type DenialReport, setWasiPlatform, type WasiPlatform, type CapabilityNeed,
  setWorkerPlatform, type WorkerPlatform, type Strategy, type StrategyOption,
  type CompileOptions, type LoaderLimits, DEFAULT_LOADER_LIMITS,
} from './core/index.js';
export * from './node/index.js';
