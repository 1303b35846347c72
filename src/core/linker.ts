/**
 * What instances need beyond the loader: the linker, the Canonical ABI, the strategies and the
 * components' descriptions. `Component.compile` loads it (see lazy.ts), so importing the core
 * parses the loader alone (profiled: compiling the JavaScript it carries is what importing costs).
 */
export { describeComponent } from './link/describe.js';
export { exportSelector, importSelector } from './link/async-options.js';
export { jsExports } from './link/exports.js';
export { HostImports } from './link/host-imports.js';
export { findImportKey } from './link/names.js';
export { Instantiation } from './link/instantiate.js';
export { SuspendedCalls } from './abi/suspended.js';
export { Meter } from './meter/meter.js';
export { SwappableImports } from './reset/swap.js';
export { ResetTracker } from './reset/tracker.js';
export { chooseStrategy, refusingPromises } from './strategy.js';
