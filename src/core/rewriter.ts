/**
 * The module rewriters, loaded on first use (lazy.ts): for an instance's limits (memory and table
 * caps, metering) and for resettable instances.
 */
export { rewriteModule } from './meter/variant.js';
export { resettableModule } from './reset/rewrite.js';
