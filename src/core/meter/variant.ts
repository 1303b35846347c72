/**
 * A core module rewritten for an instance's limits: memories and tables capped, code metered.
 * `Component.instantiate` makes such variants when the limits ask for them (compiled once per
 * component and variant); `isowasm bundle` makes them ahead of time for runtimes that can't
 * compile (workerd), and hands them in with `CompileOptions.rewrittenFor`.
 */
import { capMemories } from '../binary/memory-cap.js';
import { instrument } from './instrument.js';
import { capTables } from './table-cap.js';
import type { ModuleVariant } from './variant-key.js';

export { type ModuleVariant, PLAIN_KEY, variantKey, variantOf } from './variant-key.js';

/**
 * `bytes` rewritten for the variant (the same bytes when it changes nothing).
 *
 * @example
 * ```ts
 * const metered = rewriteModule(bytes, variantOf({ fuel: 1e9 }), 'core module 0');
 * ```
 */
export function rewriteModule(bytes: Uint8Array, v: ModuleVariant, where: string): Uint8Array {
  const pages = v.maxPages === null ? bytes : capMemories(bytes, v.maxPages, where);
  const tables = v.maxElements === null ? pages : capTables(pages, v.maxElements, where);
  return v.metered ? instrument(tables, where) : tables;
}
