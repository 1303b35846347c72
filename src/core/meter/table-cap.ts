/**
 * The table limit of an instance (`limits.tableElements`), applied where the guest can see it:
 * each table a core module defines gets a declared maximum of at most the limit, so `table.grow`
 * past it fails inside the guest (it returns -1), as `limits.memoryBytes` does for memories.
 */
import { IsowasmError } from '../errors.js';
import { Reader } from '../binary/_reader.js';
import { lebBytes, readU64 } from '../binary/_leb.js';
import { readInstr, valType } from './decode.js';

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
  const r = new Reader(bytes);
  r.pos = 8;
  while (!r.done) {
    const sectionStart = r.pos;
    const id = r.u8();
    const size = r.u32();
    const contentStart = r.pos;
    const contentEnd = contentStart + size;
    if (contentEnd > r.end) r.fail('a section runs past the end of the module', sectionStart);
    if (id !== TABLE_SECTION) {
      r.pos = contentEnd;
      continue;
    }
    const s = new Reader(bytes, contentStart, contentEnd);
    const count = s.u32();
    const out: number[] = [...lebBytes(BigInt(count))];
    let changed = false;
    const cap = BigInt(maxElements);
    for (let i = 0; i < count; i++) {
      const withInit = s.peek() === 0x40;
      const typeStart = s.pos;
      if (withInit) {
        s.u8();
        if (s.u8() !== 0x00) s.fail('a table with an initializer must be followed by 0x00');
      }
      valType(s);
      out.push(...bytes.subarray(typeStart, s.pos));
      const flags = s.u8();
      if (flags & ~0x05) throw new IsowasmError('UNSUPPORTED', `${where} declares table ${i} with limit flags 0x${flags.toString(16)}, which limits.tableElements can't cap; leave it out for this component`);
      const is64 = (flags & 0x04) !== 0;
      const min = is64 ? readU64(s) : BigInt(s.u32());
      const max = flags & 0x01 ? (is64 ? readU64(s) : BigInt(s.u32())) : null;
      if (min > cap) {
        throw new IsowasmError('MEMORY_LIMIT', `${where} starts with a table of ${min} elements, more than limits.tableElements (${maxElements}); raise limits.tableElements to at least ${min}`);
      }
      const capped = max === null || max > cap ? cap : max;
      if (capped !== max) changed = true;
      out.push(flags | 0x01, ...lebBytes(min), ...lebBytes(capped));
      if (withInit) {
        // the initializer: a constant expression, copied as it is
        const exprStart = s.pos;
        let depth = 0;
        for (;;) {
          const op = readInstr(s);
          if (op === 0x02 || op === 0x03 || op === 0x04) depth++;
          else if (op === 0x0b) {
            if (depth === 0) break;
            depth--;
          }
        }
        out.push(...bytes.subarray(exprStart, s.pos));
      }
    }
    if (!s.done) s.fail('bytes left over at the end of the table section');
    if (!changed) return bytes;
    const head = [TABLE_SECTION, ...lebBytes(BigInt(out.length))];
    const result = new Uint8Array(sectionStart + head.length + out.length + (bytes.length - contentEnd));
    result.set(bytes.subarray(0, sectionStart), 0);
    result.set(head, sectionStart);
    result.set(out, sectionStart + head.length);
    result.set(bytes.subarray(contentEnd), sectionStart + head.length + out.length);
    return result;
  }
  return bytes;
}
