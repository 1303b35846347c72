/**
 * A decoder of WebAssembly instructions, enough to rewrite code without understanding it: for
 * each instruction, where it ends, whether it is a `loop`, and where its function index is (for
 * `call`, `return_call` and `ref.func`, whose indices shift when an import is added). It knows
 * the immediates of MVP, sign-extension, saturating conversions, bulk memory, reference types,
 * multi-value, SIMD (and relaxed SIMD), tail calls, typed function references, exceptions (both
 * the legacy and the exnref forms), threads, multi-memory and memory64. Anything else (GC, say)
 * is an `UNSUPPORTED` error naming the opcode: a wrong guess would corrupt the code silently.
 */
import { IsowasmError } from '../errors.js';
import type { Reader } from '../binary/_reader.js';

/**
 * What the rewriter needs of the instruction `readInstr` read last, besides its opcode: where
 * its function index immediate is, and its value (-1: none). Module state rather than a result
 * object: the rewriter reads millions of instructions, and an object each costs more than the
 * decoding.
 */
export const last = { funcAt: -1, func: -1 };

function unsupported(what: string, at: number): never {
  throw new IsowasmError('UNSUPPORTED', `a core module uses ${what} (at byte ${at}), which isowasm can't instrument for limits.fuel/timeoutMs yet; leave those limits out for this component`);
}

/** A heap type: an abstract one (one byte, negative as s33) or a type index. */
function heapType(r: Reader): void {
  r.s33();
}

/** A value type (numeric, vector, or a reference type with its heap type). */
export function valType(r: Reader): void {
  const b = r.u8();
  if (b === 0x63 || b === 0x64) heapType(r);
  // numbers, v128, and the reference shorthands (funcref, externref, exnref and the GC ones)
  else if (!(b >= 0x69 && b <= 0x7f)) unsupported(`value type 0x${b.toString(16)}`, r.pos - 1);
}

/** Moves past a function body's local declarations (groups of a count and a value type). */
export function skipLocals(body: Reader): void {
  for (let g = body.u32(); g > 0; g--) {
    body.u32();
    valType(body);
  }
}

/** A block type: empty (0x40), one value type, or a type index (s33). */
function blockType(r: Reader): void {
  const b = r.peek();
  if (b === 0x40) {
    r.u8();
    return;
  }
  if (b === 0x63 || b === 0x64 || (b >= 0x69 && b <= 0x7f)) {
    valType(r);
    return;
  }
  r.s33();
}

/** A memory argument: alignment (whose bit 6 says a memory index follows) and offset (up to 64 bits). */
function memArg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.skipLeb();
}

/**
 * Reads the instruction at `r.pos` and moves past it.
 *
 * @example
 * ```ts
 * while (!r.done) { const op = readInstr(r); if (op === 0x03) ... }
 * ```
 */
export function readInstr(r: Reader): number {
  const at = r.pos;
  const op = r.u8();
  last.funcAt = -1;
  switch (op) {
    case 0x02: case 0x03: case 0x04: case 0x06:
      blockType(r);
      return op;
    case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0b: case 0x0f: case 0x19: case 0x1a: case 0x1b:
    case 0xd1: case 0xd3: case 0xd4:
      return op;
    case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x14: case 0x15: case 0x18:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
    case 0xd5: case 0xd6:
      r.u32();
      return op;
    case 0x0e: {
      const n = r.count('br_table targets');
      for (let i = 0; i <= n; i++) r.u32();
      return op;
    }
    case 0x10: case 0x12: case 0xd2: {
      last.funcAt = r.pos;
      last.func = r.u32();
      return op;
    }
    case 0x11: case 0x13:
      r.u32();
      r.u32();
      return op;
    case 0x1c: {
      const n = r.count('select types');
      for (let i = 0; i < n; i++) valType(r);
      return op;
    }
    case 0x1f: {
      blockType(r);
      const n = r.count('try_table catches');
      for (let i = 0; i < n; i++) {
        const kind = r.u8();
        if (kind === 0x00 || kind === 0x01) r.u32();
        else if (kind !== 0x02 && kind !== 0x03) unsupported(`try_table catch kind ${kind}`, r.pos - 1);
        r.u32();
      }
      return op;
    }
    case 0x3f: case 0x40:
      r.u32();
      return op;
    case 0x41: r.s33(); return op;
    case 0x42: r.skipLeb(); return op;
    case 0x43: r.take(4); return op;
    case 0x44: r.take(8); return op;
    case 0xd0: heapType(r); return op;
    case 0xfc: misc(r, at);
      return op;
    case 0xfd: simd(r, at);
      return op;
    case 0xfe: atomic(r, at);
      return op;
    default:
      if (op >= 0x28 && op <= 0x3e) {
        memArg(r);
        return op;
      }
      // numeric instructions without immediates, sign extension included
      if (op >= 0x45 && op <= 0xc4) return op;
      return unsupported(`opcode 0x${op.toString(16)}${op === 0xfb ? ' (garbage collection)' : ''}`, at);
  }
}

/** 0xFC: saturating truncation, bulk memory and table instructions. */
function misc(r: Reader, at: number): number {
  const sub = r.u32();
  if (sub <= 7) return sub;
  switch (sub) {
    case 8: r.u32(); r.u32(); return sub; // memory.init data mem
    case 9: r.u32(); return sub; // data.drop
    case 10: r.u32(); r.u32(); return sub; // memory.copy
    case 11: r.u32(); return sub; // memory.fill
    case 12: r.u32(); r.u32(); return sub; // table.init elem table
    case 13: r.u32(); return sub; // elem.drop
    case 14: r.u32(); r.u32(); return sub; // table.copy
    case 15: case 16: case 17: r.u32(); return sub; // table.grow/size/fill
    default: return unsupported(`instruction 0xfc ${sub}`, at);
  }
}

/** 0xFD: SIMD and relaxed SIMD. */
function simd(r: Reader, at: number): number {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) {
    memArg(r); // loads, stores, load_splat/extend, load*_zero
    return sub;
  }
  if (sub === 12 || sub === 13) {
    r.take(16); // v128.const, i8x16.shuffle
    return sub;
  }
  if (sub >= 21 && sub <= 34) {
    r.u8(); // extract/replace lane
    return sub;
  }
  if (sub >= 84 && sub <= 91) {
    memArg(r); // load/store lane
    r.u8();
    return sub;
  }
  // the rest of the SIMD opcodes (up to 0xff) and relaxed SIMD (0x100-0x113) take no immediates
  if (sub <= 0x113) return sub;
  return unsupported(`instruction 0xfd ${sub}`, at);
}

/** 0xFE: threads (atomic memory access). */
function atomic(r: Reader, at: number): number {
  const sub = r.u32();
  if (sub === 0x03) {
    if (r.u8() !== 0) unsupported('atomic.fence with a nonzero flag', at);
    return sub;
  }
  if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) {
    memArg(r);
    return sub;
  }
  return unsupported(`instruction 0xfe ${sub}`, at);
}

/** Whether `op` opens a block that an `end` closes. */
export function opensBlock(op: number): boolean {
  return op === 0x02 || op === 0x03 || op === 0x04 || op === 0x06 || op === 0x1f;
}

/** Moves past an instruction sequence up to its closing `end` (a constant expression). */
export function skipConstExpr(r: Reader): void {
  for (let depth = 0; ;) {
    const op = readInstr(r);
    if (opensBlock(op)) depth++;
    else if (op === 0x0b && depth-- === 0) return;
  }
}
