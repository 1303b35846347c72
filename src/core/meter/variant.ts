/**
 * A core module rewritten for an instance's limits: memories and tables capped, code metered.
 * `Component.instantiate` makes such variants when the limits ask for them (compiled once per
 * component and variant); `isowasm bundle` makes them ahead of time for runtimes that can't
 * compile (workerd), and hands them in with `CompileOptions.rewrittenFor`.
 */
import { capMemories, PAGE_BYTES } from '../binary/memory-cap.js';
import { instrument } from './instrument.js';
import { capTables } from './table-cap.js';

/** What a variant's modules were rewritten for (null: left as declared). */
export interface ModuleVariant {
  /** each memory's cap, in 64 KiB pages */
  readonly maxPages: number | null;
  /** each table's cap, in elements */
  readonly maxElements: number | null;
  /** metered for limits.fuel / limits.timeoutMs */
  readonly metered: boolean;
}

/** The variant a set of limits needs (memoryBytes in bytes, rounded down to pages). */
export function variantOf(limits: { readonly memoryBytes?: number | null; readonly tableElements?: number | null; readonly fuel?: number | null; readonly timeoutMs?: number | null }): ModuleVariant {
  const memory = limits.memoryBytes ?? null;
  const table = limits.tableElements ?? null;
  return {
    maxPages: memory === null || memory === Infinity ? null : Math.floor(memory / PAGE_BYTES),
    maxElements: table === null || table === Infinity ? null : table,
    metered: (limits.fuel ?? null) !== null || (limits.timeoutMs ?? null) !== null,
  };
}

/** A string naming the variant, for caches (`'null:null:false'` is the module as it is). */
export function variantKey(v: ModuleVariant): string {
  return `${v.maxPages}:${v.maxElements}:${v.metered}`;
}

export const PLAIN_KEY = variantKey({ maxPages: null, maxElements: null, metered: false });

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
