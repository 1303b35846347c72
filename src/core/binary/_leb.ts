/**
 * LEB128 of up to 64 bits, both ways, for the rewrites that change limits (memory and table
 * maxima, which memory64 and table64 write as u64).
 */
import type { Reader } from './_reader.js';

/** `n` as unsigned LEB128 bytes. */
export function lebBytes(n: bigint): number[] {
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) b |= 0x80;
    out.push(b);
  } while (n !== 0n);
  return out;
}

/** An unsigned LEB128 of up to 64 bits. */
export function readU64(r: Reader): bigint {
  const start = r.pos;
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const b = r.u8();
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
  }
  return r.fail('u64 LEB128 too long', start);
}
