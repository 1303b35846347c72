/**
 * A bounds-checked cursor over a binary: LEB128 integers, names and vectors, every read checked
 * against the end so a truncated or lying binary fails with INVALID_BINARY.
 */
import { IsowasmError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A bounded cursor over a byte range. Every read checks the remaining length, so a truncated or
 * hostile binary raises `INVALID_BINARY` with the byte offset instead of reading past the end.
 */
export class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  fail(what: string, at = this.pos): never {
    throw new IsowasmError('INVALID_BINARY', `invalid component binary at byte ${at}: ${what}`, {
      details: { offset: at },
    });
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.pos]!;
  }

  /** Unsigned LEB128 of at most 32 bits. */
  u32(): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      if (i === 4 && b & 0x70) this.fail('u32 LEB128 out of range', start);
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    return this.fail('u32 LEB128 too long', start);
  }

  /** Signed LEB128 of at most 33 bits (the encoding of component value type references). */
  s33(): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= mul;
        if (i === 4) {
          // the last byte may hold 5 significant bits; the rest must be sign extension
          const top = b & 0x70;
          if (top !== 0 && top !== 0x70) this.fail('s33 LEB128 out of range', start);
        }
        return result;
      }
    }
    return this.fail('s33 LEB128 too long', start);
  }

  /** Skips an unsigned LEB128 of up to 64 bits (limits of tables and memories). */
  skipLeb(): void {
    for (let i = 0; i < 10; i++) if ((this.u8() & 0x80) === 0) return;
    this.fail('LEB128 too long');
  }

  /** A length read as u32 and checked against the bytes that remain (each item >= `minBytes`). */
  count(what: string, minBytes = 1): number {
    const at = this.pos;
    const n = this.u32();
    if (n * minBytes > this.end - this.pos) this.fail(`${what} count ${n} exceeds the remaining ${this.end - this.pos} bytes`, at);
    return n;
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`length ${n} exceeds the remaining ${this.end - this.pos} bytes`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    const at = this.pos;
    const n = this.u32();
    const raw = this.take(n);
    // names are short and nearly always ASCII: decode those without TextDecoder
    if (n <= 64) {
      let s = '';
      for (let i = 0; i < n; i++) {
        const b = raw[i]!;
        if (b >= 0x80) {
          s = '';
          break;
        }
        s += String.fromCharCode(b);
        if (i === n - 1) return s;
      }
      if (n === 0) return '';
    }
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail('name is not valid UTF-8', at);
    }
  }

  /** A sub-reader over the next `n` bytes; this reader skips them. */
  sub(n: number): Reader {
    if (n > this.end - this.pos) this.fail(`section size ${n} exceeds the remaining ${this.end - this.pos} bytes`);
    const r = new Reader(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}
