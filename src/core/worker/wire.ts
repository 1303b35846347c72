/**
 * The synchronous half of the worker bridge: a guest blocked in `Atomics.wait` can't receive a
 * message, so the parent writes each host call's reply into a SharedArrayBuffer and wakes it.
 * Replies are plain data (resources already replaced by handle tokens), encoded here in a small
 * binary format: browsers have no synchronous structured clone.
 */
import { IsowasmError } from '../errors.js';
import { formatBytes } from '../limits.js';


const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT = 4;
const T_FLOAT = 5;
const T_BIGINT = 6;
const T_STRING = 7;
const T_ARRAY = 8;
const T_OBJECT = 9;
const T_TYPED = 10;
const T_BUFFER = 11;

type TypedArrayCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView & { length: number };
const TYPED: readonly TypedArrayCtor[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
] as unknown as TypedArrayCtor[];

/**
 * Grows as needed, up to `max` bytes; strings are written as UTF-16 code units so every JS string
 * survives unchanged.
 */
class Writer {
  buf = new Uint8Array(256);
  dv = new DataView(this.buf.buffer);
  pos = 0;
  constructor(readonly max: number) {}

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // checked before growing: a value that repeats one big string or buffer many times over
    // would otherwise grow this without bound (each occurrence is written out)
    if (this.pos + n > this.max) {
      throw new IsowasmError('MEMORY_LIMIT', `a host function's result takes more than ${formatBytes(this.max)} to pass to the worker thread (the most one reply carries); return less`);
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(Math.min(size, this.max));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  string(s: string): void {
    const n = s.length;
    this.u32(n);
    this.reserve(n * 2);
    const at = this.pos;
    for (let i = 0; i < n; i++) this.dv.setUint16(at + i * 2, s.charCodeAt(i), true);
    this.pos += n * 2;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  value(v: unknown, depth: number): void {
    if (depth > 10_000) throw new RangeError('the value is nested too deeply to pass between threads');
    switch (typeof v) {
      case 'undefined': this.u8(T_UNDEFINED); return;
      case 'boolean': this.u8(v ? T_TRUE : T_FALSE); return;
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          this.u8(T_INT);
          this.reserve(4);
          this.dv.setInt32(this.pos, v, true);
          this.pos += 4;
        } else {
          this.u8(T_FLOAT);
          this.reserve(8);
          this.dv.setFloat64(this.pos, v, true);
          this.pos += 8;
        }
        return;
      case 'bigint': this.u8(T_BIGINT); this.string(v.toString(16)); return;
      case 'string': this.u8(T_STRING); this.string(v); return;
      case 'object': break;
      default: this.u8(T_UNDEFINED); return; // functions and symbols are not data
    }
    if (v === null) {
      this.u8(T_NULL);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      const kind = TYPED.findIndex((C) => v instanceof C);
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      if (kind < 0) {
        // a DataView: its bytes, as a list<u8> would take them
        this.u8(T_BUFFER);
        this.bytes(bytes);
        return;
      }
      this.u8(T_TYPED);
      this.u8(kind);
      this.bytes(bytes);
      return;
    }
    if (v instanceof ArrayBuffer) {
      this.u8(T_BUFFER);
      this.bytes(new Uint8Array(v));
      return;
    }
    if (Array.isArray(v)) {
      this.u8(T_ARRAY);
      this.u32(v.length);
      for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
      return;
    }
    const keys = Object.keys(v);
    this.u8(T_OBJECT);
    this.u32(keys.length);
    for (const k of keys) {
      this.string(k);
      this.value((v as Record<string, unknown>)[k], depth + 1);
    }
  }
}

/**
 * Encodes plain data: primitives, arrays, plain objects, typed arrays and ArrayBuffers; at most
 * `max` bytes (default: what the reply slot holds), else an `IsowasmError` `MEMORY_LIMIT`.
 */
export function encode(v: unknown, max = MAX - HEADER): Uint8Array {
  const w = new Writer(max);
  w.value(v, 0);
  return w.buf.subarray(0, w.pos);
}

class Reader {
  readonly dv: DataView;
  pos: number;
  constructor(readonly u8: Uint8Array) {
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.pos = 0;
  }

  u32(): number {
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  string(): string {
    const n = this.u32();
    const at = this.pos;
    this.pos += n * 2;
    let s = '';
    const CHUNK = 4096;
    for (let i = 0; i < n; i += CHUNK) {
      const m = Math.min(CHUNK, n - i);
      const units = new Array<number>(m);
      for (let j = 0; j < m; j++) units[j] = this.dv.getUint16(at + (i + j) * 2, true);
      s += String.fromCharCode(...units);
    }
    return s;
  }

  bytes(): ArrayBuffer {
    const n = this.u32();
    // slice copies into a fresh, non-shared ArrayBuffer
    const out = this.u8.slice(this.pos, this.pos + n);
    this.pos += n;
    return out.buffer;
  }

  value(): unknown {
    const tag = this.u8[this.pos++];
    switch (tag) {
      case T_UNDEFINED: return undefined;
      case T_NULL: return null;
      case T_FALSE: return false;
      case T_TRUE: return true;
      case T_INT: {
        const v = this.dv.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case T_FLOAT: {
        const v = this.dv.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case T_BIGINT: {
        const s = this.string();
        return s.startsWith('-') ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`);
      }
      case T_STRING: return this.string();
      case T_ARRAY: {
        const n = this.u32();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case T_OBJECT: {
        const n = this.u32();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.string();
          o[k] = this.value();
        }
        return o;
      }
      case T_TYPED: {
        const C = TYPED[this.u8[this.pos++]!]!;
        const buf = this.bytes();
        return new C(buf, 0, buf.byteLength / (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
      }
      case T_BUFFER: return this.bytes();
      default: throw new IsowasmError('INTERNAL', `bad tag ${String(tag)} in a reply from the parent thread`);
    }
  }
}

export function decode(bytes: Uint8Array): unknown {
  return new Reader(bytes).value();
}

const HEADER = 8;
const INITIAL = 64 * 1024;
/** Largest reply: the Canonical ABI caps one string or list at 2^28 bytes; leave room for several. */
const MAX = 1 << 30;
/** Polls of the reply state before the worker sleeps in `Atomics.wait` (some tens of microseconds). */
const SPINS = 20_000;

type GrowableSab = SharedArrayBuffer & { readonly growable?: boolean; grow?(n: number): void };

/**
 * One reply at a time, parent to worker: `[state: i32, length: u32, payload...]`. The worker
 * arms the slot (state 0) before it posts a call, then waits until the parent sets state 1.
 */
export class ReplySlot {
  readonly #sab: GrowableSab;
  readonly #ctl: Int32Array;

  constructor(sab?: SharedArrayBuffer) {
    const Sab = SharedArrayBuffer as unknown as new (n: number, o?: { maxByteLength: number }) => GrowableSab;
    this.#sab = (sab as GrowableSab | undefined) ?? new Sab(INITIAL, { maxByteLength: MAX });
    this.#ctl = new Int32Array(this.#sab, 0, 2);
  }

  get buffer(): SharedArrayBuffer {
    return this.#sab;
  }

  /** Parent: publishes a reply and wakes the worker. */
  write(payload: Uint8Array): void {
    const need = HEADER + payload.length;
    if (need > this.#sab.byteLength) {
      if (!this.#sab.growable || !this.#sab.grow || need > MAX) {
        throw new RangeError(`a reply of ${payload.length} bytes is too large to pass to the worker`);
      }
      this.#sab.grow(Math.min(MAX, Math.max(need, this.#sab.byteLength * 2)));
    }
    new Uint8Array(this.#sab, HEADER, payload.length).set(payload);
    Atomics.store(this.#ctl, 1, payload.length);
    Atomics.store(this.#ctl, 0, 1);
    Atomics.notify(this.#ctl, 0);
  }

  /** Worker: marks the slot empty before posting a call. */
  arm(): void {
    Atomics.store(this.#ctl, 0, 0);
  }

  /** Worker: blocks until the parent published a reply, and decodes it. */
  wait(): unknown {
    // most host functions answer within tens of microseconds: spinning that long first saves the
    // wake-up of a sleeping thread, which costs more than the call itself (about 3x measured)
    for (let i = 0; i < SPINS && Atomics.load(this.#ctl, 0) === 0; i++) { /* spin */ }
    while (Atomics.load(this.#ctl, 0) === 0) Atomics.wait(this.#ctl, 0, 0);
    const n = Atomics.load(this.#ctl, 1);
    return decode(new Uint8Array(this.#sab, HEADER, n));
  }
}
