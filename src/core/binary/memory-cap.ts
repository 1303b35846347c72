/**
 * The memory limit of an instance (`limits.memoryBytes`), applied where the guest can see it:
 * each linear memory a core module defines gets a declared maximum of at most the limit, so
 * `memory.grow` past it fails inside the guest as the specification says (it returns -1 and the
 * guest's allocator reports out-of-memory), rather than the host noticing afterwards. Only the
 * memory section is rewritten; every other byte of the module stays as it was.
 */
import { IsowasmError } from '../errors.js';
import { formatBytes } from '../limits.js';
import { capLimits, lebBytes, rewriteSection } from './_caps.js';

/** Bytes in one WebAssembly page. */
export const PAGE_BYTES = 65536;

const MEMORY_SECTION = 5;

/**
 * The module with every memory it defines capped at `maxPages` pages, or the same bytes when
 * none needed a change. A memory whose initial size is already over the cap can't run under the
 * limit: `MEMORY_LIMIT`, naming the module.
 *
 * @example
 * ```ts
 * const capped = capMemories(moduleBytes, 16 * 2 ** 20 / PAGE_BYTES, 'core module 0');
 * await WebAssembly.compile(capped);
 * ```
 */
export function capMemories(bytes: Uint8Array, maxPages: number, where: string): Uint8Array {
  const cap = BigInt(maxPages);
  return rewriteSection(bytes, MEMORY_SECTION, (s) => {
    const count = s.u32();
    const out: number[] = [...lebBytes(BigInt(count))];
    let changed = false;
    for (let i = 0; i < count; i++) {
      const flags = s.u8();
      if (flags & ~0x07) {
        // custom page sizes and whatever comes next: the cap would be computed in the wrong unit
        throw new IsowasmError('UNSUPPORTED', `${where} declares memory ${i} with limit flags 0x${flags.toString(16)}, which limits.memoryBytes can't cap yet; leave out memoryBytes for this component`);
      }
      changed = capLimits(s, cap, flags, out, (min) => {
        throw new IsowasmError('MEMORY_LIMIT', `${where} starts with a memory of ${formatBytes(Number(min) * PAGE_BYTES)}, more than limits.memoryBytes (${formatBytes(maxPages * PAGE_BYTES)}); raise limits.memoryBytes to at least ${Number(min) * PAGE_BYTES}`);
      }) || changed;
    }
    if (!s.done) s.fail('bytes left over at the end of the memory section');
    return changed ? out : null;
  });
}
