/**
 * The table limit of an instance (`limits.tableElements`), applied where the guest can see it:
 * each table a core module defines gets a declared maximum of at most the limit, so `table.grow`
 * past it fails inside the guest (it returns -1), as `limits.memoryBytes` does for memories.
 */
import { IsowasmError } from '../errors.js';
import { capLimits, lebBytes, rewriteSection } from '../binary/_caps.js';
import { skipConstExpr, valType } from './decode.js';

const TABLE_SECTION = 4;

/**
 * The module with every table it defines capped at `maxElements`, or the same bytes when none
 * needed a change. A table that starts larger than the cap is a `MEMORY_LIMIT` error.
 *
 * @example
 * ```ts
 * const capped = capTables(moduleBytes, 10_000, 'core module 0');
 * ```
 */
export function capTables(bytes: Uint8Array, maxElements: number, where: string): Uint8Array {
  const cap = BigInt(maxElements);
  return rewriteSection(bytes, TABLE_SECTION, (s) => {
    const count = s.u32();
    const out: number[] = [...lebBytes(BigInt(count))];
    let changed = false;
    for (let i = 0; i < count; i++) {
      const withInit = s.peek() === 0x40;
      const typeStart = s.pos;
      if (withInit) {
        s.u8();
        if (s.u8() !== 0x00) s.fail('a table with an initializer must be followed by 0x00');
      }
      valType(s);
      out.push(...s.bytes.subarray(typeStart, s.pos));
      const flags = s.u8();
      if (flags & ~0x05) throw new IsowasmError('UNSUPPORTED', `${where} declares table ${i} with limit flags 0x${flags.toString(16)}, which limits.tableElements can't cap; leave it out for this component`);
      changed = capLimits(s, cap, flags, out, (min) => {
        throw new IsowasmError('MEMORY_LIMIT', `${where} starts with a table of ${min} elements, more than limits.tableElements (${maxElements}); raise limits.tableElements to at least ${min}`);
      }) || changed;
      if (withInit) {
        // the initializer: a constant expression, copied as it is
        const exprStart = s.pos;
        skipConstExpr(s);
        out.push(...s.bytes.subarray(exprStart, s.pos));
      }
    }
    if (!s.done) s.fail('bytes left over at the end of the table section');
    return changed ? out : null;
  });
}
