/** The `isowasm` entry point for browsers and every non-Node runtime. */
export {
  Component, type Instance, type InstantiateOptions, readSource, type ComponentSource, type LoadOptions,
  IsowasmError, ComponentError, type IsowasmErrorCode, type ItemDescription, parseComponent, binaryKind,
  type ComponentModel,
} from './core/index.js';
export * from './browser/index.js';
