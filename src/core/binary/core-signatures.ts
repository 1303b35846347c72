/**
 * Reads the function signatures of a core module's imports and exports from its bytes, so that
 * canon lift/lower can be checked against the core functions they bind before anything runs.
 */
import { Reader } from './_reader.js';

/**
 * The function signatures of a core module's imports and exports, read from its type, import,
 * function and export sections. The linker compares them with the Canonical ABI's flattening of
 * each `canon lift`/`canon lower`, so a mismatched binary is refused at link time instead of
 * misbehaving at the first call. (The JS API offers no way to read a function's signature.)
 */
export interface CoreSignatures {
  /** export name -> signature, for function exports */
  readonly exports: ReadonlyMap<string, string>;
  /** `module\0name` -> signature, for function imports */
  readonly imports: ReadonlyMap<string, string>;
}

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

/** `"i32,i32->i32"`: the text form both sides are compared in. */
export function signatureText(params: readonly string[], results: readonly string[]): string {
  return `${params.join(',')}->${results.join(',')}`;
}

function valType(r: Reader): string {
  const b = r.u8();
  const t = VALTYPES[b];
  if (t) return t;
  if (b === 0x63 || b === 0x64) {
    const h = r.peek();
    if (h >= 0x69 && h <= 0x74) r.u8();
    else r.s33();
    return 'ref';
  }
  return 'ref'; // abstract reference types (funcref, externref, ...)
}

function limits(r: Reader): void {
  const flags = r.u8();
  r.skipLeb();
  if (flags & 1) r.skipLeb();
}

/**
 * Reads the signatures, or returns null when the module uses types this reader does not follow
 * (GC types): then the linker skips the comparison rather than refusing a valid module.
 */
export function readCoreSignatures(bytes: Uint8Array): CoreSignatures | null {
  try {
    return read(bytes);
  } catch {
    return null; // WebAssembly.compile reports malformed modules with a better message
  }
}

function read(bytes: Uint8Array): CoreSignatures | null {
  const r = new Reader(bytes, 8);
  const types: (string | null)[] = [];
  const funcTypes: number[] = [];
  const imports = new Map<string, string>();
  const exports = new Map<string, string>();
  const sig = (i: number): string | null => types[funcTypes[i] ?? -1] ?? null;
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    const s = r.sub(size);
    switch (id) {
      case 1: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const form = s.u8();
          if (form !== 0x60) return null;
          const params: string[] = [];
          const results: string[] = [];
          for (let k = s.u32(); k > 0; k--) params.push(valType(s));
          for (let k = s.u32(); k > 0; k--) results.push(valType(s));
          types.push(signatureText(params, results));
        }
        break;
      }
      case 2: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const module = s.name();
          const name = s.name();
          const kind = s.u8();
          switch (kind) {
            case 0x00: {
              const t = s.u32();
              funcTypes.push(t);
              const text = types[t];
              if (text) imports.set(`${module}\0${name}`, text);
              break;
            }
            case 0x01: valType(s); limits(s); break;
            case 0x02: limits(s); break;
            case 0x03: valType(s); s.u8(); break;
            case 0x04: s.u8(); s.u32(); break;
            default: return null;
          }
        }
        break;
      }
      case 3: {
        for (let n = s.u32(); n > 0; n--) funcTypes.push(s.u32());
        break;
      }
      case 7: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const name = s.name();
          const kind = s.u8();
          const index = s.u32();
          if (kind === 0x00) {
            const text = sig(index);
            if (text) exports.set(name, text);
          }
        }
        break;
      }
      default:
        s.pos = s.end;
    }
  }
  return { exports, imports };
}
