/**
 * Which rewrite of a core module an instance's limits need, and the key naming it: what the
 * loader decides on every compile and instantiate. Apart from the rewrite itself (variant.ts),
 * which the loader loads only when a variant is not the module as it is (see core/lazy.ts).
 */
import { PAGE_BYTES } from '../binary/memory-cap.js';

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
