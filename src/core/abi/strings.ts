/**
 * Strings in the Canonical ABI: lowering JS strings as UTF-8, UTF-16 or latin1+UTF-16 into guest
 * memory, lifting them back with the spec's checks (bounds, encoding validity).
 */
import { AbiTrap } from '../errors.js';
import { type Cx, MAX_BYTE_LENGTH } from './context.js';
import { transcoder } from './transcode.js';

const encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const replacingDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const utf16Decoder = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });
const UTF16_TAG = 0x8000_0000;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !loneSurrogate.test(s);

/** Length (in code units, with the UTF-16 tag for latin1+utf16) of the string last lowered. */
export let loweredLength = 0;

/** Throws a TypeError unless `s` is a string of Unicode scalar values (the spec's `string`). */
export function checkString(s: unknown): string {
  if (typeof s !== 'string') throw new TypeError(`expected a string, got ${describe(s)}`);
  checkWellFormed(s);
  return s;
}

function checkWellFormed(s: string): void {
  if (!isWellFormed(s)) throw surrogateError(s);
}

function surrogateError(s: string): TypeError {
  const at = s.search(loneSurrogate);
  return new TypeError(`string has a lone surrogate at index ${at}; component strings must be valid Unicode (use String.prototype.toWellFormed())`);
}

/**
 * Lowers a JS string into the guest's memory in the guest's encoding (the spec's
 * `store_string_into_range`) and returns the pointer; `loweredLength` holds the length.
 */
export function lowerString(cx: Cx, value: unknown): number {
  if (typeof value !== 'string') throw new TypeError(`expected a string, got ${describe(value)}`);
  switch (cx.encoding) {
    // each checks for lone surrogates itself: the transcoder as it copies, the others cheaply
    case 'utf8': return lowerUtf8(cx, value);
    case 'utf16': return lowerUtf16(cx, value);
    default: return lowerLatin1OrUtf16(cx, value);
  }
}

/*
 * Strings are lowered with one allocation of the exact size. The spec's protocol (allocate
 * optimistically, then grow and shrink with realloc) breaks guests whose realloc only supports a
 * first allocation, such as the WASI preview1 adapter's import allocator, so we measure first.
 */

function utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      len += 4; // a well-formed string has the low surrogate next
      i++;
    } else len += 3;
  }
  return len;
}

/** Reused encoding buffer for strings up to this size: encode once, then allocate exactly. */
const SCRATCH_LIMIT = 1 << 22;
let scratch = new Uint8Array(4096);

/** Strings up to this many code units may go through the transcoder (its memory keeps 3 bytes each). */
const TRANSCODE_LIMIT = 1 << 20;

/**
 * The largest of a sample of `s`'s code units (9 of them, `s` has more than 32). Above 0xff, V8
 * (and likely any engine) stores `s` with two bytes per unit: TextEncoder copies one-byte
 * strings to UTF-8 in bulk, far faster than any per-unit loop, but converts two-byte strings a
 * unit at a time, about twice as slowly as the transcoder (and checking them for lone
 * surrogates costs as much again). A wrong guess only costs time.
 */
function sampleMax(s: string, n: number): number {
  let max = s.charCodeAt(n - 1);
  for (let k = 0; k < 8; k++) max = Math.max(max, s.charCodeAt((k * n) >>> 3));
  return max;
}

function lowerUtf8(cx: Cx, s: string): number {
  const n = s.length;
  if (n <= 32) {
    checkWellFormed(s);
    const len = utf8Length(s);
    cx.lowering(len);
    const ptr = cx.allocate(1, len);
    if (len === n) {
      const u8 = cx.u8();
      for (let i = 0; i < n; i++) u8[ptr + i] = s.charCodeAt(i);
    } else encoder.encodeInto(s, cx.u8().subarray(ptr, ptr + len));
    loweredLength = len;
    return ptr;
  }
  // a code unit takes one UTF-8 byte at least: a string the budget can't take is not encoded
  cx.lowering(n);
  let bytes: Uint8Array;
  const t = n <= TRANSCODE_LIMIT && sampleMax(s, n) > 0xff ? transcoder() : null;
  if (t) {
    t.reserve(3 * n);
    const len = t.utf8(s);
    if (len < 0) throw surrogateError(s);
    bytes = t.bytes().subarray(0, len);
  } else {
    if (3 * n <= SCRATCH_LIMIT) {
      if (scratch.length < 3 * n) scratch = new Uint8Array(Math.max(3 * n, scratch.length * 2));
      bytes = scratch.subarray(0, encoder.encodeInto(s, scratch).written);
    } else bytes = encoder.encode(s);
    // One byte per unit: ASCII, no surrogates. Otherwise isWellFormed, which is instant on
    // one-byte strings and, on two-byte ones, as fast as looking for U+FFFD (EF BF BD, what
    // TextEncoder makes of a lone surrogate) in the bytes (measured).
    if (bytes.length !== n) checkWellFormed(s);
  }
  if (bytes.length > MAX_BYTE_LENGTH) throw new TypeError(`string of ${bytes.length} UTF-8 bytes is too long to pass`);
  cx.lowering(bytes.length - n);
  const ptr = cx.allocate(1, bytes.length);
  cx.u8().set(bytes, ptr);
  loweredLength = bytes.length;
  return ptr;
}

/** Above this many code units, UTF-16 and latin1 take the bulk paths below. */
const UTF16_BULK_MIN = 32;

/**
 * The bytes of `s` (of `n` code units) when it is ASCII, else null: ASCII is its own latin1, and
 * TextEncoder copies one-byte strings in bulk, ~1 µs for 10,000 units where the transcoder takes
 * ~12 (measured). Tried when the sample is ASCII; a string that is not costs at most `n` bytes
 * of encoding (`encodeInto` stops when they are full).
 */
function asciiBytes(s: string, n: number): Uint8Array | null {
  if (n > SCRATCH_LIMIT || sampleMax(s, n) >= 0x80) return null;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const bytes = scratch.subarray(0, n);
  // every unit read into no more bytes than units: each took one, so all are ASCII
  return encoder.encodeInto(s, bytes).read === n ? bytes : null;
}

function lowerUtf16(cx: Cx, s: string): number {
  const n = s.length;
  if (2 * n > MAX_BYTE_LENGTH) throw new TypeError(`string of ${n} code units is too long to pass`);
  if (n <= UTF16_BULK_MIN) {
    checkWellFormed(s);
    cx.lowering(2 * n);
    return storeUnits(cx, s, n, n);
  }
  cx.lowering(2 * n);
  const ascii = asciiBytes(s, n);
  if (ascii) {
    const ptr = cx.allocate(2, 2 * n);
    new Uint16Array(cx.u8().buffer, ptr, n).set(ascii); // widens each byte to a unit
    loweredLength = n;
    return ptr;
  }
  const t = n <= TRANSCODE_LIMIT ? transcoder() : null;
  if (t) {
    // one pass copies the code units and checks for lone surrogates
    t.reserve(2 * n);
    if (t.utf16(s) < 0) throw surrogateError(s);
    const ptr = cx.allocate(2, 2 * n);
    cx.u8().set(t.bytes().subarray(0, 2 * n), ptr);
    loweredLength = n;
    return ptr;
  }
  checkWellFormed(s);
  return storeUnits(cx, s, n, n);
}

function lowerLatin1OrUtf16(cx: Cx, s: string): number {
  const n = s.length;
  if (2 * n > MAX_BYTE_LENGTH) throw new TypeError(`string of ${n} code units is too long to pass`);
  if (n <= UTF16_BULK_MIN) {
    checkWellFormed(s);
    return lowerLatin1OrUtf16Js(cx, s, n, 0);
  }
  // a code unit takes one byte at least: charged before anything is copied
  cx.lowering(n);
  const ascii = asciiBytes(s, n);
  if (ascii) {
    const ptr = cx.allocate(2, n);
    cx.u8().set(ascii, ptr);
    loweredLength = n;
    return ptr;
  }
  const t = n <= TRANSCODE_LIMIT ? transcoder() : null;
  if (!t) {
    checkWellFormed(s);
    return lowerLatin1OrUtf16Js(cx, s, n, n);
  }
  t.reserve(2 * n);
  const all = t.utf16(s);
  if (all < 0) throw surrogateError(s);
  if (all <= 0xff) {
    t.latin1(n);
    const ptr = cx.allocate(2, n);
    cx.u8().set(t.bytes().subarray(0, n), ptr);
    loweredLength = n;
    return ptr;
  }
  cx.lowering(n);
  const ptr = cx.allocate(2, 2 * n);
  cx.u8().set(t.bytes().subarray(0, 2 * n), ptr);
  loweredLength = (n | UTF16_TAG) >>> 0;
  return ptr;
}

/** latin1+utf16 by JS loops, for a well-formed string of which `charged` bytes are charged. */
function lowerLatin1OrUtf16Js(cx: Cx, s: string, n: number, charged: number): number {
  let latin1 = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      latin1 = false;
      break;
    }
  }
  cx.lowering((latin1 ? n : 2 * n) - charged);
  if (latin1) {
    const ptr = cx.allocate(2, n);
    const u8 = cx.u8();
    for (let i = 0; i < n; i++) u8[ptr + i] = s.charCodeAt(i);
    loweredLength = n;
    return ptr;
  }
  return storeUnits(cx, s, n, (n | UTF16_TAG) >>> 0);
}

/** Allocates and stores the `n` code units of `s` (charged already); `length` is what to report. */
function storeUnits(cx: Cx, s: string, n: number, length: number): number {
  const ptr = cx.allocate(2, 2 * n);
  const u16 = new Uint16Array(cx.u8().buffer, ptr, n);
  for (let i = 0; i < n; i++) u16[i] = s.charCodeAt(i);
  loweredLength = length;
  return ptr;
}

/** What lifting a string is charged besides its bytes (see the costs in codec.ts). */
const STRING_COST = 16;

/** Lifts a string from the guest's memory (the spec's `load_string_from_range`). */
export function liftString(cx: Cx, ptr: number, taggedLength: number): string {
  ptr >>>= 0;
  taggedLength >>>= 0;
  let byteLength: number;
  let kind: 0 | 1 | 2; // utf8, utf16, latin1
  switch (cx.encoding) {
    case 'utf8': byteLength = taggedLength; kind = 0; break;
    case 'utf16': byteLength = 2 * taggedLength; kind = 1; break;
    default:
      if (taggedLength & UTF16_TAG) {
        byteLength = 2 * (taggedLength ^ UTF16_TAG);
        kind = 1;
      } else {
        byteLength = taggedLength;
        kind = 2;
      }
  }
  if (byteLength > MAX_BYTE_LENGTH) throw new AbiTrap(`string length ${byteLength} bytes exceeds the Canonical ABI limit`);
  cx.check(ptr, byteLength, cx.encoding === 'utf8' ? 1 : 2);
  cx.lifting(STRING_COST + byteLength);
  const u8 = cx.u8();
  if (kind === 0) {
    if (byteLength <= 24) {
      let out = '';
      for (let i = 0; i < byteLength; i++) {
        const b = u8[ptr + i]!;
        if (b >= 0x80) return decodeUtf8(u8, ptr, byteLength);
        out += String.fromCharCode(b);
      }
      return out;
    }
    return decodeUtf8(u8, ptr, byteLength);
  }
  if (kind === 1) {
    try {
      return utf16Decoder.decode(u8.subarray(ptr, ptr + byteLength));
    } catch {
      throw new AbiTrap('the guest passed a string that is not valid UTF-16 (a lone surrogate)');
    }
  }
  return decodeLatin1(u8, ptr, byteLength);
}

/*
 * UTF-8 from the guest is decoded with replacement, then searched for U+FFFD: the replacing
 * decoder writes one for each invalid sequence, so a string without one came from valid UTF-8.
 * Measured in Node 24, that is faster than the fatal decoder (8.5 against 10.7 µs on the
 * benchmark's 17 kB of mixed text, 2 against 5.4 µs on 10,000 latin1 characters, the same on
 * ASCII); a U+FFFD (a real one, or an error) sends the bytes to the fatal decoder, which decides.
 */
function decodeUtf8(u8: Uint8Array, ptr: number, len: number): string {
  const s = replacingDecoder.decode(u8.subarray(ptr, ptr + len));
  if (s.indexOf('\ufffd') === -1) return s;
  try {
    return utf8Decoder.decode(u8.subarray(ptr, ptr + len));
  } catch {
    throw new AbiTrap('the guest passed a string that is not valid UTF-8');
  }
}

function decodeLatin1(u8: Uint8Array, ptr: number, len: number): string {
  const t = len > UTF16_BULK_MIN && len <= TRANSCODE_LIMIT ? transcoder() : null;
  if (t) {
    // ASCII: TextDecoder copies it in bulk; other bytes: the transcoder is ~6x faster than
    // String.fromCharCode.apply (measured)
    t.reserve(len);
    t.bytes().set(u8.subarray(ptr, ptr + len));
    return t.ascii(len) ? utf8Decoder.decode(u8.subarray(ptr, ptr + len)) : t.fromLatin1(len);
  }
  // TextDecoder('latin1') is windows-1252 on the web, which differs in 0x80-0x9f: decode by hand
  let out = '';
  for (let i = 0; i < len; i += 4096) {
    out += String.fromCharCode.apply(null, u8.subarray(ptr + i, ptr + Math.min(len, i + 4096)) as unknown as number[]);
  }
  return out;
}

/** A short description of a JS value for TypeError messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  switch (typeof v) {
    case 'string': return v.length > 40 ? `the string "${v.slice(0, 40)}..."` : `the string "${v}"`;
    case 'number': case 'bigint': case 'boolean': return `${typeof v} ${String(v)}${typeof v === 'bigint' ? 'n' : ''}`;
    case 'undefined': return 'undefined';
    case 'function': return 'a function';
    case 'symbol': return 'a symbol';
    default: return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  }
}
