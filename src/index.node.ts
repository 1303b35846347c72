/** The `isowasm` entry point under the `node` export condition. */
export {
  Component, type Instance, type InstantiateOptions, readSource, type ComponentSource, type LoadOptions,
  IsowasmError, ComponentError, type IsowasmErrorCode, type ItemDescription, parseComponent, binaryKind,
  type ComponentModel,
} from './core/index.js';
export * from './node/index.js';
