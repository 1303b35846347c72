/**
 * Per value type, the Canonical ABI's conversions between JS values and core values or linear
 * memory (lift, lower, load, store), with flattening, size and alignment, compiled once per type.
 */
import { MAX_TYPE_DEPTH_CAP } from '../binary/limits.js';
import { AbiTrap, IsowasmError } from '../errors.js';
import { type Cx, MAX_BYTE_LENGTH } from './context.js';
import { type ElementInfo, liftErrorContext, liftFuture, liftStream, lowerErrorContext, lowerFuture, lowerStream } from './async-values.js';
import { liftBorrow, liftOwn, lowerBorrow, lowerOwn } from './resources.js';
import { checkString, describe, liftString, loweredLength, lowerString } from './strings.js';
import type { AsyncValueType, CoreValType, PrimKind, ValType } from './types.js';
import { witText } from './types.js';
import { ObjectMemo } from './memo.js';

/**
 * A value type compiled for the Canonical ABI: its flattening, size and alignment, and the four
 * conversions between JS values and core values / linear memory. Built once per type object.
 */
export interface Codec {
  readonly flat: readonly CoreValType[];
  readonly size: number;
  readonly align: number;
  /** true when lifting or lowering never touches memory or the instance (scalars, enums, flags) */
  readonly simple: boolean;
  /**
   * About how many bytes of JS heap one lifted value takes, apart from the strings and lists in
   * it (which lifting charges as it reads them): what a list element is charged at least.
   */
  readonly heap: number;
  /** lower_flat: appends the flat core values of `v` to `out` */
  lower(cx: Cx, v: unknown, out: unknown[]): void;
  /** lift_flat: reads `flat.length` core values starting at `src[at]` */
  lift(cx: Cx, src: readonly unknown[], at: number): unknown;
  store(cx: Cx, v: unknown, ptr: number): void;
  load(cx: Cx, ptr: number): unknown;
}

/** A codec whose value is one core value and needs no context: the fast path of calls. */
export interface ScalarCodec extends Codec {
  toCore(v: unknown): number | bigint;
  fromCore(x: unknown): unknown;
}

const cache = new ObjectMemo<ValType, Codec>('codec');

/**
 * The longest flattening a codec keeps. Flat values are only used when a function's parameters
 * flatten to at most 16 (MAX_FLAT_PARAMS) and its result to at most 1; beyond that they go
 * through memory. So "more than 16" is all a longer flattening needs to say: flattening stops at
 * 17, which keeps a type that shares its parts (a tuple of two copies of a tuple of two copies
 * of ...) from flattening to exponentially many values.
 */
export const MAX_FLAT = 17;

/** Codecs being built inside one another right now. */
let building = 0;

/**
 * The codec of a value type (memoized per type object). Building recurses into the parts; the
 * linker only makes types nested at most `maxTypeDepth` (itself at most MAX_TYPE_DEPTH_CAP) deep,
 * and this refuses deeper ones too rather than overflow the stack.
 */
export function codecFor(t: ValType): Codec {
  let c = cache.get(t);
  if (!c) {
    if (building >= MAX_TYPE_DEPTH_CAP) {
      throw new IsowasmError('UNSUPPORTED', `a value type nested more than ${MAX_TYPE_DEPTH_CAP} levels deep can't be passed (its Canonical ABI codec would exhaust the stack)`);
    }
    building++;
    try {
      c = build(t);
    } finally {
      building--;
    }
    cache.set(t, c);
  }
  return c;
}

export function isScalar(c: Codec): c is ScalarCodec {
  return typeof (c as ScalarCodec).toCore === 'function';
}

export function alignTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/*
 * The lifting budget (limits.liftBytes) is charged before each allocation: a string's bytes plus
 * 16 (strings.ts); a typed-array list's bytes plus TYPED_LIST_COST; any other list ARRAY_LIST_COST
 * plus, per element, its size in memory or an array slot plus its `heap`, whichever is more.
 * The costs are V8's sizes on 64-bit (pointer compression halves some), rounded up: the budget
 * bounds what the host allocates, not just what the guest wrote.
 */
const SLOT = 8;
const OBJECT_COST = 32;
const ARRAY_LIST_COST = 32;
/** a typed array with its own ArrayBuffer */
const TYPED_LIST_COST = 200;
/** a number that may not fit a small integer, a bigint, a one-character string, a resource object */
const NUMBER_COST = 16;
const BIGINT_COST = 32;
const CHAR_COST = 24;
const HANDLE_COST = 64;

function build(t: ValType): Codec {
  switch (t.kind) {
    case 'bool': return boolCodec;
    case 'u8': case 's8': case 'u16': case 's16': case 'u32': case 's32': return intCodecs[t.kind];
    case 'u64': return u64Codec;
    case 's64': return s64Codec;
    case 'f32': return f32Codec;
    case 'f64': return f64Codec;
    case 'char': return charCodec;
    case 'string': return stringCodec;
    case 'list': return t.length === null ? listCodec(t.elem) : fixedListCodec(t.elem, t.length);
    case 'record': return recordCodec(t.fields.map((f) => ({ key: f.key, label: f.name, codec: codecFor(f.type) })), false);
    case 'tuple': return recordCodec(t.types.map((ty, i) => ({ key: i, label: String(i), codec: codecFor(ty) })), true);
    case 'variant': return variantCodec(t.cases.map((c) => c.type), variantRepr(t.cases.map((c) => c.name)));
    case 'enum': return variantCodec(t.names.map(() => null), enumRepr(t.names));
    case 'option': {
      const nested = t.type.kind === 'option';
      return variantCodec([null, t.type], nested ? variantRepr(['none', 'some']) : optionRepr);
    }
    case 'result': return variantCodec([t.ok, t.err], resultRepr);
    case 'flags': return flagsCodec(t.keys);
    case 'own': case 'borrow': return handleCodec(t.kind, t.resource);
    case 'stream': case 'future': return asyncValueCodec(t);
    case 'error-context': return errorContextCodec;
    case 'map':
      throw new IsowasmError('UNSUPPORTED', `${witText(t)} values are not supported yet`);
  }
}

const elementInfos = new ObjectMemo<ValType, ElementInfo>('element info');

/** What a stream's or future's ends need of its element type. */
export function elementInfo(t: AsyncValueType): ElementInfo {
  let info = elementInfos.get(t);
  if (!info) {
    const inner = t.elem ?? null;
    info = {
      elem: inner === null ? null : codecFor(inner),
      key: inner === null ? '_' : witText(inner, { spellOut: true }),
      // numbers only: the specification copies nothing else between two ends in one instance yet
      plain: inner === null || NUMBER_KINDS.has(inner.kind),
      bytes: inner !== null && inner.kind === 'u8',
    };
    elementInfos.set(t, info);
  }
  return info;
}

const NUMBER_KINDS = new Set(['s8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64']);

/** A stream or future: an end's index in the instance's table, moved in (lowered) or out (lifted). */
function asyncValueCodec(t: AsyncValueType): Codec {
  const future = t.kind === 'future';
  const lift = future ? liftFuture : liftStream;
  const lower = future ? lowerFuture : lowerStream;
  let info: ElementInfo | null = null;
  const infoOf = (): ElementInfo => (info ??= elementInfo(t));
  return {
    flat: ['i32'], size: 4, align: 4, simple: false, heap: HANDLE_COST,
    lower: (cx, v, out) => { out.push(lower(cx, v, infoOf())); },
    lift: (cx, src, at) => lift(cx, src[at] as number, infoOf()),
    store: (cx, v, ptr) => { cx.dv().setUint32(ptr, lower(cx, v, infoOf()), true); },
    load: (cx, ptr) => lift(cx, cx.dv().getUint32(ptr, true), infoOf()),
  };
}

const errorContextCodec: Codec = {
  flat: ['i32'], size: 4, align: 4, simple: false, heap: HANDLE_COST,
  lower: (cx, v, out) => { out.push(lowerErrorContext(cx.inst, v)); },
  lift: (cx, src, at) => liftErrorContext(cx.inst, src[at] as number),
  store: (cx, v, ptr) => { cx.dv().setUint32(ptr, lowerErrorContext(cx.inst, v), true); },
  load: (cx, ptr) => liftErrorContext(cx.inst, cx.dv().getUint32(ptr, true)),
};

// ---------------------------------------------------------------------------------------------
// scalars

function typeError(expected: string, v: unknown): TypeError {
  return new TypeError(`expected ${expected}, got ${describe(v)}`);
}

const boolCodec: ScalarCodec = {
  flat: ['i32'], size: 1, align: 1, simple: true, heap: 0,
  toCore(v) {
    if (typeof v !== 'boolean') throw typeError('a boolean', v);
    return v ? 1 : 0;
  },
  fromCore: (x) => x !== 0,
  lower(_cx, v, out) { out.push(this.toCore(v)); },
  lift: (_cx, src, at) => src[at] !== 0,
  store(cx, v, ptr) { cx.dv().setUint8(ptr, this.toCore(v) as number); },
  load: (cx, ptr) => cx.dv().getUint8(ptr) !== 0,
};

type IntKind = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32';
function intCodec(kind: IntKind, min: number, max: number, size: 1 | 2 | 4, wrap: (x: number) => number): ScalarCodec {
  const expected = `an integer in [${min}, ${max}] (${kind})`;
  const set = {
    u8: DataView.prototype.setUint8, s8: DataView.prototype.setInt8, u16: DataView.prototype.setUint16,
    s16: DataView.prototype.setInt16, u32: DataView.prototype.setUint32, s32: DataView.prototype.setInt32,
  }[kind];
  const get = {
    u8: DataView.prototype.getUint8, s8: DataView.prototype.getInt8, u16: DataView.prototype.getUint16,
    s16: DataView.prototype.getInt16, u32: DataView.prototype.getUint32, s32: DataView.prototype.getInt32,
  }[kind];
  return {
    flat: ['i32'], size, align: size, simple: true, heap: size === 4 ? NUMBER_COST : 0,
    toCore(v) {
      if (typeof v !== 'number' || !(v >= min && v <= max) || Math.floor(v) !== v) throw typeError(expected, v);
      return v;
    },
    fromCore: (x) => wrap(x as number),
    lower(_cx, v, out) { out.push(this.toCore(v)); },
    lift: (_cx, src, at) => wrap(src[at] as number),
    store(cx, v, ptr) { set.call(cx.dv(), ptr, this.toCore(v) as number, true); },
    load: (cx, ptr) => get.call(cx.dv(), ptr, true),
  };
}

const intCodecs: Record<IntKind, ScalarCodec> = {
  u8: intCodec('u8', 0, 0xff, 1, (x) => x & 0xff),
  s8: intCodec('s8', -0x80, 0x7f, 1, (x) => (x << 24) >> 24),
  u16: intCodec('u16', 0, 0xffff, 2, (x) => x & 0xffff),
  s16: intCodec('s16', -0x8000, 0x7fff, 2, (x) => (x << 16) >> 16),
  u32: intCodec('u32', 0, 0xffff_ffff, 4, (x) => x >>> 0),
  s32: intCodec('s32', -0x8000_0000, 0x7fff_ffff, 4, (x) => x | 0),
};

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

function toBigInt(v: unknown, min: bigint, max: bigint, kind: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw typeError(`a bigint (${kind})`, v);
  if (b < min || b > max) throw typeError(`a bigint in [${min}, ${max}] (${kind})`, v);
  return b;
}

const u64Codec: ScalarCodec = {
  flat: ['i64'], size: 8, align: 8, simple: true, heap: BIGINT_COST,
  toCore: (v) => toBigInt(v, 0n, U64_MAX, 'u64'),
  fromCore: (x) => BigInt.asUintN(64, x as bigint),
  lower(_cx, v, out) { out.push(this.toCore(v)); },
  lift: (_cx, src, at) => BigInt.asUintN(64, src[at] as bigint),
  store(cx, v, ptr) { cx.dv().setBigUint64(ptr, this.toCore(v) as bigint, true); },
  load: (cx, ptr) => cx.dv().getBigUint64(ptr, true),
};

const s64Codec: ScalarCodec = {
  flat: ['i64'], size: 8, align: 8, simple: true, heap: BIGINT_COST,
  toCore: (v) => toBigInt(v, S64_MIN, S64_MAX, 's64'),
  fromCore: (x) => BigInt.asIntN(64, x as bigint),
  lower(_cx, v, out) { out.push(this.toCore(v)); },
  lift: (_cx, src, at) => BigInt.asIntN(64, src[at] as bigint),
  store(cx, v, ptr) { cx.dv().setBigInt64(ptr, this.toCore(v) as bigint, true); },
  load: (cx, ptr) => cx.dv().getBigInt64(ptr, true),
};

function floatCodec(kind: 'f32' | 'f64'): ScalarCodec {
  const size = kind === 'f32' ? 4 : 8;
  const toCore = (v: unknown): number => {
    if (typeof v !== 'number') throw typeError(`a number (${kind})`, v);
    return v;
  };
  // NaNs are canonicalised on lift: JS numbers have a single observable NaN
  return {
    flat: [kind], size, align: size, simple: true, heap: NUMBER_COST,
    toCore,
    fromCore: (x) => x,
    lower(_cx, v, out) { out.push(toCore(v)); },
    lift: (_cx, src, at) => src[at],
    store: kind === 'f32'
      ? (cx, v, ptr) => cx.dv().setFloat32(ptr, toCore(v), true)
      : (cx, v, ptr) => cx.dv().setFloat64(ptr, toCore(v), true),
    load: kind === 'f32' ? (cx, ptr) => cx.dv().getFloat32(ptr, true) : (cx, ptr) => cx.dv().getFloat64(ptr, true),
  };
}
const f32Codec = floatCodec('f32');
const f64Codec = floatCodec('f64');

function charToCore(v: unknown): number {
  if (typeof v !== 'string' || v.length === 0 || v.length > 2) throw typeError('a string of one Unicode character (char)', v);
  const cp = v.codePointAt(0)!;
  if (v.length !== (cp > 0xffff ? 2 : 1)) throw typeError('a string of one Unicode character (char)', v);
  if (cp >= 0xd800 && cp <= 0xdfff) throw new TypeError(`a char can't be a lone surrogate (U+${cp.toString(16).toUpperCase()})`);
  return cp;
}

function charFromCore(x: unknown): string {
  const cp = (x as number) >>> 0;
  if (cp >= 0x110000 || (cp >= 0xd800 && cp <= 0xdfff)) {
    throw new AbiTrap(`the guest passed ${cp} as a char, which is not a Unicode scalar value`);
  }
  return String.fromCodePoint(cp);
}

const charCodec: ScalarCodec = {
  flat: ['i32'], size: 4, align: 4, simple: true, heap: CHAR_COST,
  toCore: charToCore,
  fromCore: charFromCore,
  lower(_cx, v, out) { out.push(charToCore(v)); },
  lift: (_cx, src, at) => charFromCore(src[at]),
  store(cx, v, ptr) { cx.dv().setUint32(ptr, charToCore(v), true); },
  load: (cx, ptr) => charFromCore(cx.dv().getUint32(ptr, true)),
};

const stringCodec: Codec = {
  flat: ['i32', 'i32'], size: 8, align: 4, simple: false, heap: 0,
  lower(cx, v, out) {
    const ptr = lowerString(cx, v);
    out.push(ptr, loweredLength | 0);
  },
  lift: (cx, src, at) => liftString(cx, src[at] as number, src[at + 1] as number),
  store(cx, v, ptr) {
    const p = lowerString(cx, v);
    const dv = cx.dv();
    dv.setUint32(ptr, p, true);
    dv.setUint32(ptr + 4, loweredLength, true);
  },
  load(cx, ptr) {
    const dv = cx.dv();
    return liftString(cx, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
  },
};

// ---------------------------------------------------------------------------------------------
// lists

type TypedArrayCtor =
  | Uint8ArrayConstructor | Int8ArrayConstructor | Uint16ArrayConstructor | Int16ArrayConstructor
  | Uint32ArrayConstructor | Int32ArrayConstructor | BigUint64ArrayConstructor | BigInt64ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor;

const typedArrays: Partial<Record<PrimKind, TypedArrayCtor>> = {
  u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array, u32: Uint32Array, s32: Int32Array,
  u64: BigUint64Array, s64: BigInt64Array, f32: Float32Array, f64: Float64Array,
};

function elemKind(c: Codec): PrimKind | null {
  for (const [k, v] of Object.entries(primCodecs)) if (v === c) return k as PrimKind;
  return null;
}

const primCodecs: Partial<Record<PrimKind, Codec>> = {
  ...intCodecs, u64: u64Codec, s64: s64Codec, f32: f32Codec, f64: f64Codec,
};

function listCodec(elemType: ValType): Codec {
  const elem = codecFor(elemType);
  const kind = elemKind(elem);
  const Typed = kind ? typedArrays[kind] ?? null : null;
  const esize = elem.size;
  const ealign = elem.align;

  // what each element of a list lifted to a JS array is charged (see the costs above)
  const elemCost = Math.max(esize, SLOT + elem.heap);

  const storeRange = (cx: Cx, v: unknown): number => {
    if (Typed && v instanceof Typed) {
      const bytes = v.byteLength;
      if (bytes > MAX_BYTE_LENGTH) throw new TypeError(`a list of ${bytes} bytes is too long to pass`);
      cx.lowering(bytes);
      const ptr = cx.allocate(ealign, bytes);
      cx.u8().set(new Uint8Array(v.buffer, v.byteOffset, bytes), ptr);
      listLength = v.length;
      return ptr;
    }
    if (kind === 'u8' && v instanceof ArrayBuffer) return storeRange(cx, new Uint8Array(v));
    if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      throw typeError(Typed ? `a ${Typed.name} or an array (list<${kind}>)` : `an array (list<${witText(elemType)}>)`, v);
    }
    const arr = v as ArrayLike<unknown>;
    const n = arr.length;
    if (n * esize > MAX_BYTE_LENGTH) throw new TypeError(`a list of ${n} elements is too long to pass`);
    // every element costs the time to store it, whatever its size: count it as a byte at least
    cx.lowering(n * Math.max(esize, 1));
    const ptr = cx.allocate(ealign, n * esize);
    for (let i = 0; i < n; i++) {
      try {
        elem.store(cx, arr[i], ptr + i * esize);
      } catch (e) {
        throw withPath(e, `[${i}]`);
      }
    }
    listLength = n;
    return ptr;
  };

  const loadRange = (cx: Cx, ptr: number, n: number): unknown => {
    ptr >>>= 0;
    n >>>= 0;
    if (n * esize > MAX_BYTE_LENGTH) throw new AbiTrap(`list of ${n} elements exceeds the Canonical ABI size limit`);
    cx.check(ptr, n * esize, ealign);
    if (Typed) {
      cx.lifting(TYPED_LIST_COST + n * esize);
      const bytes = cx.u8().slice(ptr, ptr + n * esize);
      const out = new Typed(bytes.buffer, 0, n);
      if (kind === 'f32' || kind === 'f64') {
        const f = out as Float32Array | Float64Array;
        for (let i = 0; i < n; i++) if (f[i] !== f[i]) f[i] = NaN; // canonical NaN
      }
      return out;
    }
    cx.lifting(ARRAY_LIST_COST + n * elemCost);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = elem.load(cx, ptr + i * esize);
    return out;
  };

  return {
    flat: ['i32', 'i32'], size: 8, align: 4, simple: false, heap: 0,
    lower(cx, v, out) {
      const ptr = storeRange(cx, v);
      out.push(ptr, listLength);
    },
    lift: (cx, src, at) => loadRange(cx, src[at] as number, src[at + 1] as number),
    store(cx, v, ptr) {
      const p = storeRange(cx, v);
      const dv = cx.dv();
      dv.setUint32(ptr, p, true);
      dv.setUint32(ptr + 4, listLength, true);
    },
    load(cx, ptr) {
      const dv = cx.dv();
      return loadRange(cx, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    },
  };
}

let listLength = 0;

function fixedListCodec(elemType: ValType, length: number): Codec {
  const elem = codecFor(elemType);
  const flat: CoreValType[] = [];
  for (let i = 0; i < length && flat.length < MAX_FLAT; i++) flat.push(...elem.flat);
  flat.length = Math.min(flat.length, MAX_FLAT);
  const check = (v: unknown): ArrayLike<unknown> => {
    if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (v as ArrayLike<unknown>).length !== length) {
      throw typeError(`an array of exactly ${length} elements`, v);
    }
    return v as ArrayLike<unknown>;
  };
  const n = elem.flat.length;
  return {
    flat, size: elem.size * length, align: elem.align, simple: elem.simple, heap: OBJECT_COST + length * (SLOT + elem.heap),
    lower(cx, v, out) {
      const a = check(v);
      for (let i = 0; i < length; i++) elem.lower(cx, a[i], out);
    },
    lift(cx, src, at) {
      const out = new Array<unknown>(length);
      for (let i = 0; i < length; i++) out[i] = elem.lift(cx, src, at + i * n);
      return out;
    },
    store(cx, v, ptr) {
      const a = check(v);
      for (let i = 0; i < length; i++) elem.store(cx, a[i], ptr + i * elem.size);
    },
    load(cx, ptr) {
      const out = new Array<unknown>(length);
      for (let i = 0; i < length; i++) out[i] = elem.load(cx, ptr + i * elem.size);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// records and tuples

/** TypeErrors made here to say where a value failed: their `cause` is the error first thrown. */
const restated = new WeakSet<Error>();

/** A TypeError with `message` in place of `e`, caused by the error first thrown (a caller's getter may have thrown it). */
export function restate(e: TypeError, message: string): TypeError {
  const out = new TypeError(message, { cause: restated.has(e) ? e.cause : e });
  restated.add(out);
  return out;
}

function withPath(e: unknown, segment: string): unknown {
  if (e instanceof TypeError) {
    const m = /^at ([^:]+): /.exec(e.message);
    const msg = m ? `at ${segment}${m[1]!.startsWith('[') ? '' : '.'}${m[1]}: ${e.message.slice(m[0].length)}` : `at ${segment}: ${e.message}`;
    return restate(e, msg);
  }
  return e;
}

function recordCodec(fields: { key: string | number; label: string; codec: Codec }[], tuple: boolean): Codec {
  const flat: CoreValType[] = [];
  let size = 0;
  let align = 1;
  const offsets: number[] = [];
  const flatAt: number[] = [];
  for (const f of fields) {
    flatAt.push(flat.length);
    if (flat.length < MAX_FLAT) flat.push(...f.codec.flat);
    size = alignTo(size, f.codec.align);
    offsets.push(size);
    size += f.codec.size;
    align = Math.max(align, f.codec.align);
  }
  size = alignTo(size, align);
  flat.length = Math.min(flat.length, MAX_FLAT);
  const n = fields.length;
  const what = tuple ? `an array of ${n} elements (tuple)` : `an object with fields ${fields.map((f) => f.key).join(', ')}`;
  const check = (v: unknown): Record<string | number, unknown> => {
    if (tuple ? !Array.isArray(v) || v.length < n : typeof v !== 'object' || v === null) throw typeError(what, v);
    return v as Record<string | number, unknown>;
  };
  const seg = (f: { key: string | number }): string => (tuple ? `[${f.key}]` : String(f.key));
  return {
    flat, size, align, simple: fields.every((f) => f.codec.simple),
    heap: OBJECT_COST + fields.reduce((sum, f) => sum + SLOT + f.codec.heap, 0),
    lower(cx, v, out) {
      const r = check(v);
      for (let i = 0; i < n; i++) {
        const f = fields[i]!;
        try {
          f.codec.lower(cx, r[f.key], out);
        } catch (e) {
          throw withPath(e, seg(f));
        }
      }
    },
    lift(cx, src, at) {
      const out = (tuple ? new Array<unknown>(n) : {}) as Record<string | number, unknown>;
      for (let i = 0; i < n; i++) out[fields[i]!.key] = fields[i]!.codec.lift(cx, src, at + flatAt[i]!);
      return out;
    },
    store(cx, v, ptr) {
      const r = check(v);
      for (let i = 0; i < n; i++) {
        const f = fields[i]!;
        try {
          f.codec.store(cx, r[f.key], ptr + offsets[i]!);
        } catch (e) {
          throw withPath(e, seg(f));
        }
      }
    },
    load(cx, ptr) {
      const out = (tuple ? new Array<unknown>(n) : {}) as Record<string | number, unknown>;
      for (let i = 0; i < n; i++) out[fields[i]!.key] = fields[i]!.codec.load(cx, ptr + offsets[i]!);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// variants, and their specialisations enum, option and result

/** How a variant-shaped type looks in JS: which case a value is, and how to build a value. */
interface VariantRepr {
  what: string;
  /** true when a value is an object around the payload ({ tag, val }), not the payload itself */
  wraps: boolean;
  /** the case index of `v`, with its payload left in `payloadOut.v` */
  toCase(v: unknown, payloadOut: { v: unknown }): number;
  fromCase(index: number, payload: unknown, hasPayload: boolean): unknown;
}

function variantRepr(names: readonly string[]): VariantRepr {
  const index = new Map(names.map((n, i) => [n, i]));
  const what = `an object { tag, val } with tag one of ${names.map((n) => `'${n}'`).join(', ')}`;
  return {
    what,
    wraps: true,
    toCase(v, p) {
      if (typeof v !== 'object' || v === null) throw typeError(what, v);
      const tag = (v as { tag?: unknown }).tag;
      const i = typeof tag === 'string' ? index.get(tag) : undefined;
      if (i === undefined) throw typeError(what, tag);
      p.v = (v as { val?: unknown }).val;
      return i;
    },
    fromCase: (i, payload, has) => (has ? { tag: names[i], val: payload } : { tag: names[i] }),
  };
}

function enumRepr(names: readonly string[]): VariantRepr {
  const index = new Map(names.map((n, i) => [n, i]));
  const what = `one of ${names.map((n) => `'${n}'`).join(', ')}`;
  return {
    what,
    wraps: false,
    toCase(v) {
      const i = typeof v === 'string' ? index.get(v) : undefined;
      if (i === undefined) throw typeError(what, v);
      return i;
    },
    fromCase: (i) => names[i],
  };
}

const optionRepr: VariantRepr = {
  what: 'a value or undefined',
  wraps: false,
  toCase(v, p) {
    if (v === undefined || v === null) return 0;
    p.v = v;
    return 1;
  },
  fromCase: (i, payload) => (i === 0 ? undefined : payload),
};

const resultRepr: VariantRepr = {
  what: "an object { tag: 'ok' | 'err', val }",
  wraps: true,
  toCase(v, p) {
    if (typeof v === 'object' && v !== null) {
      const tag = (v as { tag?: unknown }).tag;
      if (tag === 'ok' || tag === 'err') {
        p.v = (v as { val?: unknown }).val;
        return tag === 'ok' ? 0 : 1;
      }
    }
    throw typeError(this.what, v);
  },
  fromCase: (i, payload) => ({ tag: i === 0 ? 'ok' : 'err', val: payload }),
};

function join(a: CoreValType, b: CoreValType): CoreValType {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

const scratch = new DataView(new ArrayBuffer(8));
const f32ToI32 = (f: number): number => { scratch.setFloat32(0, f, true); return scratch.getInt32(0, true); };
const i32ToF32 = (i: number): number => { scratch.setInt32(0, i, true); return scratch.getFloat32(0, true); };
const f64ToI64 = (f: number): bigint => { scratch.setFloat64(0, f, true); return scratch.getBigInt64(0, true); };
const i64ToF64 = (i: bigint): number => { scratch.setBigInt64(0, i, true); return scratch.getFloat64(0, true); };

/** Converts a payload's core value to the joined slot type (the lowering side of the spec). */
function coerceOut(have: CoreValType, want: CoreValType, v: unknown): unknown {
  if (have === want) return v;
  switch (`${have}>${want}`) {
    case 'f32>i32': return f32ToI32(v as number);
    case 'i32>i64': return BigInt((v as number) >>> 0);
    case 'f32>i64': return BigInt(f32ToI32(v as number) >>> 0);
    case 'f64>i64': return f64ToI64(v as number);
    default: throw new Error(`internal: no coercion ${have} -> ${want}`);
  }
}

/** Converts a joined slot's core value back to the payload's type (the lifting side). */
function coerceIn(have: CoreValType, want: CoreValType, v: unknown): unknown {
  if (have === want) return v;
  switch (`${have}>${want}`) {
    case 'i32>f32': return i32ToF32(v as number);
    case 'i64>i32': return Number(BigInt.asIntN(32, v as bigint));
    case 'i64>f32': return i32ToF32(Number(BigInt.asIntN(32, v as bigint)));
    case 'i64>f64': return i64ToF64(v as bigint);
    default: throw new Error(`internal: no coercion ${have} -> ${want}`);
  }
}

const zero = (t: CoreValType): unknown => (t === 'i64' ? 0n : 0);

function variantCodec(caseTypes: readonly (ValType | null)[], repr: VariantRepr): Codec {
  const cases = caseTypes.map((t) => (t ? codecFor(t) : null));
  const n = cases.length;
  const discSize = n <= 0x100 ? 1 : n <= 0x10000 ? 2 : 4;
  const joined: CoreValType[] = [];
  let maxAlign = 1;
  let maxSize = 0;
  for (const c of cases) {
    if (!c) continue;
    c.flat.forEach((ft, i) => { joined[i] = i < joined.length ? join(joined[i]!, ft) : ft; });
    maxAlign = Math.max(maxAlign, c.align);
    maxSize = Math.max(maxSize, c.size);
  }
  const flat = (['i32', ...joined] as CoreValType[]).slice(0, MAX_FLAT);
  const payloadOffset = alignTo(discSize, maxAlign);
  const align = Math.max(discSize, maxAlign);
  const size = alignTo(payloadOffset + maxSize, align);
  const direct = cases.map((c) => !c || c.flat.every((ft, i) => ft === joined[i]));
  const setDisc = discSize === 1 ? DataView.prototype.setUint8 : discSize === 2 ? DataView.prototype.setUint16 : DataView.prototype.setUint32;
  const getDisc = discSize === 1 ? DataView.prototype.getUint8 : discSize === 2 ? DataView.prototype.getUint16 : DataView.prototype.getUint32;
  const p = { v: undefined as unknown };
  const caseName = (i: number): string => String(repr.fromCase(i, undefined, false) ?? i);
  const simple = cases.every((c) => !c || c.simple);
  const payloadHeap = cases.reduce((most, c) => Math.max(most, c ? c.heap : 0), 0);

  return {
    flat, size, align, simple, heap: (repr.wraps ? OBJECT_COST + 2 * SLOT : 0) + payloadHeap,
    lower(cx, v, out) {
      p.v = undefined;
      const i = repr.toCase(v, p);
      const c = cases[i];
      out.push(i);
      const start = out.length;
      if (c) {
        try {
          c.lower(cx, p.v, out);
        } catch (e) {
          throw withPath(e, caseName(i));
        }
        if (!direct[i]) for (let k = 0; k < c.flat.length; k++) out[start + k] = coerceOut(c.flat[k]!, joined[k]!, out[start + k]);
      }
      for (let k = out.length - start; k < joined.length; k++) out.push(zero(joined[k]!));
    },
    lift(cx, src, at) {
      const i = (src[at] as number) >>> 0;
      if (i >= n) throw new AbiTrap(`variant case index ${i} is out of range (${n} cases)`);
      const c = cases[i];
      if (!c) return repr.fromCase(i, undefined, false);
      if (direct[i]) return repr.fromCase(i, c.lift(cx, src, at + 1), true);
      const tmp = c.flat.map((want, k) => coerceIn(joined[k]!, want, src[at + 1 + k]));
      return repr.fromCase(i, c.lift(cx, tmp, 0), true);
    },
    store(cx, v, ptr) {
      p.v = undefined;
      const i = repr.toCase(v, p);
      const payload = p.v;
      setDisc.call(cx.dv(), ptr, i, true);
      const c = cases[i];
      if (c) {
        try {
          c.store(cx, payload, ptr + payloadOffset);
        } catch (e) {
          throw withPath(e, caseName(i));
        }
      }
    },
    load(cx, ptr) {
      const i = getDisc.call(cx.dv(), ptr, true);
      if (i >= n) throw new AbiTrap(`variant case index ${i} is out of range (${n} cases)`);
      const c = cases[i];
      return c ? repr.fromCase(i, c.load(cx, ptr + payloadOffset), true) : repr.fromCase(i, undefined, false);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// flags and handles

function flagsCodec(keys: readonly string[]): ScalarCodec {
  const n = keys.length;
  const size = n <= 8 ? 1 : n <= 16 ? 2 : 4;
  const set = size === 1 ? DataView.prototype.setUint8 : size === 2 ? DataView.prototype.setUint16 : DataView.prototype.setUint32;
  const get = size === 1 ? DataView.prototype.getUint8 : size === 2 ? DataView.prototype.getUint16 : DataView.prototype.getUint32;
  const toCore = (v: unknown): number => {
    if (typeof v !== 'object' || v === null) throw typeError(`an object of booleans (flags ${keys.join(', ')})`, v);
    let bits = 0;
    for (let i = 0; i < n; i++) if ((v as Record<string, unknown>)[keys[i]!]) bits |= 1 << i;
    return bits;
  };
  const fromCore = (x: unknown): Record<string, boolean> => {
    const out: Record<string, boolean> = {};
    for (let i = 0; i < n; i++) out[keys[i]!] = (((x as number) >>> i) & 1) === 1;
    return out;
  };
  return {
    flat: ['i32'], size, align: size, simple: true, heap: OBJECT_COST + n * SLOT,
    toCore, fromCore,
    lower(_cx, v, out) { out.push(toCore(v)); },
    lift: (_cx, src, at) => fromCore(src[at]),
    store(cx, v, ptr) { set.call(cx.dv(), ptr, toCore(v), true); },
    load: (cx, ptr) => fromCore(get.call(cx.dv(), ptr, true)),
  };
}

function handleCodec(kind: 'own' | 'borrow', rt: import('./types.js').ResourceType): Codec {
  const lower = kind === 'own' ? lowerOwn : lowerBorrow;
  const lift = kind === 'own' ? liftOwn : liftBorrow;
  return {
    flat: ['i32'], size: 4, align: 4, simple: false, heap: HANDLE_COST,
    lower(cx, v, out) { out.push(lower(cx, v, rt)); },
    lift: (cx, src, at) => lift(cx, src[at] as number, rt),
    store(cx, v, ptr) {
      const h = lower(cx, v, rt);
      cx.dv().setUint32(ptr, h, true);
    },
    load: (cx, ptr) => lift(cx, cx.dv().getUint32(ptr, true), rt),
  };
}

export { checkString };
