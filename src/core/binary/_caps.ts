/**
 * What the limit rewrites (memory and table maxima) share: replacing one section of a core module
 * in place, and capping one `limits` entry (flags, min, optional max; 64-bit forms included).
 */
import { Reader } from './_reader.js';

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
function readU64(r: Reader): bigint {
  const start = r.pos;
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const b = r.u8();
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
  }
  return r.fail('u64 LEB128 too long', start);
}

/**
 * The module with the section `id` replaced by what `rewrite` makes of its content, or the same
 * bytes when the module has no such section or `rewrite` returns null (nothing to change).
 */
export function rewriteSection(bytes: Uint8Array, id: number, rewrite: (content: Reader) => number[] | null): Uint8Array {
  const r = new Reader(bytes);
  if (bytes.length < 8) r.fail('a core module is shorter than its header');
  r.pos = 8;
  while (!r.done) {
    const sectionStart = r.pos;
    const sectionId = r.u8();
    const size = r.u32();
    const contentEnd = r.pos + size;
    if (contentEnd > r.end) r.fail('a section runs past the end of the module', sectionStart);
    if (sectionId !== id) {
      r.pos = contentEnd;
      continue;
    }
    const out = rewrite(new Reader(bytes, r.pos, contentEnd));
    if (out === null) return bytes;
    const head = [id, ...lebBytes(BigInt(out.length))];
    const result = new Uint8Array(sectionStart + head.length + out.length + (bytes.length - contentEnd));
    result.set(bytes.subarray(0, sectionStart), 0);
    result.set(head, sectionStart);
    result.set(out, sectionStart + head.length);
    result.set(bytes.subarray(contentEnd), sectionStart + head.length + out.length);
    return result;
  }
  return bytes;
}

/**
 * Reads one `limits` entry and appends it to `out` with its maximum at most `cap`; returns
 * whether that changed it. `tooSmall(min)` is called (and must throw) when even the minimum is
 * over the cap.
 */
export function capLimits(s: Reader, cap: bigint, flags: number, out: number[], tooSmall: (min: bigint) => never): boolean {
  const is64 = (flags & 0x04) !== 0;
  const min = is64 ? readU64(s) : BigInt(s.u32());
  const max = flags & 0x01 ? (is64 ? readU64(s) : BigInt(s.u32())) : null;
  if (min > cap) tooSmall(min);
  const capped = max === null || max > cap ? cap : max;
  out.push(flags | 0x01, ...lebBytes(min), ...lebBytes(capped));
  return capped !== max;
}
