/**
 * Metering a core module, so a guest can be stopped in the thread it runs in (`limits.fuel`,
 * `limits.timeoutMs`): every `loop` header, and the entry of every function that loops or calls
 * (one that does neither runs straight through, bounded by its size), spends one unit from a fuel
 * global the module gets; when it runs out, the guest calls one host import, `isowasm:meter`
 * `refill`, which returns a new slice, or 0, on which the guest traps (a trap, unlike an
 * exception, no guest code can catch). The module is otherwise unchanged: the import shifts
 * every defined function's index by one, so calls, `ref.func`, element segments, exports and the
 * start function are renumbered; the `name` section, whose indices would now be wrong, is left
 * out. The fuel global is exported as `isowasm:fuel`, for the host to read what was spent.
 */
import { IsowasmError } from '../errors.js';
import { Reader } from '../binary/_reader.js';
import { last, opensBlock, readInstr, skipLocals, valType } from './decode.js';
import { METER_FUEL, METER_MODULE, METER_REFILL } from './names.js';

export { METER_FUEL, METER_MODULE, METER_REFILL };

const enum S { Custom = 0, Type = 1, Import = 2, Function = 3, Table = 4, Memory = 5, Global = 6, Export = 7, Start = 8, Element = 9, Code = 10, Data = 11, DataCount = 12, Tag = 13 }

/** A growable byte buffer (the reset rewrite writes with it too). */
export class Out {
  bytes: Uint8Array;
  length = 0;
  /** `capacity`: a guess of the final size, so that large outputs are not copied as they grow */
  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(capacity);
  }
  #room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  byte(b: number): void {
    this.#room(1);
    this.bytes[this.length++] = b;
  }
  raw(b: Uint8Array): void {
    this.#room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
  /** Puts `b` at `at`, moving what follows. */
  insert(at: number, b: Uint8Array): void {
    this.#room(b.length);
    this.bytes.copyWithin(at + b.length, at, this.length);
    this.bytes.set(b, at);
    this.length += b.length;
  }
  /** `src[start..end)`. */
  range(src: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.#room(end - start);
    this.bytes.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }
  u32(n: number): void {
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      this.byte(b);
    } while (n !== 0);
  }
  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.raw(b);
  }
  done(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

export interface Section {
  readonly id: number;
  readonly start: number;
  readonly content: Uint8Array;
  readonly contentStart: number;
}

/** A module's sections, in order (the header is not checked: the module compiled already). */
export function sections(bytes: Uint8Array): Section[] {
  const r = new Reader(bytes);
  r.pos = 8;
  const out: Section[] = [];
  while (!r.done) {
    const start = r.pos;
    const id = r.u8();
    const size = r.u32();
    const contentStart = r.pos;
    out.push({ id, start, content: r.take(size), contentStart });
  }
  return out;
}

export function customName(s: Section): string {
  return new Reader(s.content).name();
}

/** Limits of a table or memory (flags, min, optional max; 64-bit forms included). */
function limits(r: Reader): void {
  const flags = r.u8();
  r.skipLeb();
  if (flags & 0x01) r.skipLeb();
}

/** Copies one instruction sequence up to its closing `end` (a constant expression), shifting function indices. */
export function constExpr(r: Reader, out: Out, shift: (f: number) => number): void {
  let depth = 0;
  for (;;) {
    const start = r.pos;
    const op = readInstr(r);
    if (last.funcAt >= 0) {
      out.range(r.bytes, start, last.funcAt);
      out.u32(shift(last.func));
    } else out.range(r.bytes, start, r.pos);
    if (opensBlock(op)) depth++;
    else if (op === 0x0b && depth-- === 0) return;
  }
}

/**
 * The metered module, or `UNSUPPORTED` when it uses something the decoder can't read.
 *
 * @example
 * ```ts
 * const metered = await WebAssembly.compile(instrument(bytes, 'core module 0'));
 * ```
 */
export function instrument(bytes: Uint8Array, where: string): Uint8Array {
  try {
    return rewrite(bytes);
  } catch (e) {
    if (e instanceof IsowasmError) {
      throw new IsowasmError(e.code, `${where}: ${e.message}`, { cause: e, details: e.details });
    }
    throw e;
  }
}

function rewrite(given: Uint8Array): Uint8Array {
  // a plain view: a Buffer's subarray (Node's readFile gives one) costs far more
  const bytes = given.constructor === Uint8Array ? given : new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
  const all = sections(bytes);
  let types = 0;
  let importedFuncs = 0;
  let importedGlobals = 0;
  let definedGlobals = 0;
  for (const s of all) {
    const r = new Reader(s.content);
    if (s.id === S.Type) {
      types = r.count('types');
      for (let i = 0; i < types; i++) {
        const form = r.u8();
        if (form !== 0x60) throw new IsowasmError('UNSUPPORTED', `type form 0x${form.toString(16)} (garbage collection types) can't be metered yet`);
        const np = r.u32();
        for (let j = 0; j < np; j++) valType(r);
        const nr = r.u32();
        for (let j = 0; j < nr; j++) valType(r);
      }
    } else if (s.id === S.Import) {
      const n = r.count('imports');
      for (let i = 0; i < n; i++) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0x00) {
          importedFuncs++;
          r.u32();
        } else if (kind === 0x01) {
          valType(r);
          limits(r);
        } else if (kind === 0x02) limits(r);
        else if (kind === 0x03) {
          importedGlobals++;
          valType(r);
          r.u8();
        } else if (kind === 0x04) {
          r.u8();
          r.u32();
        } else throw new IsowasmError('UNSUPPORTED', `import kind ${kind} can't be metered`);
      }
    } else if (s.id === S.Global) {
      definedGlobals = r.count('globals');
    }
  }
  const refill = importedFuncs;
  const fuel = importedGlobals + definedGlobals;
  const refillType = types;
  const shift = (f: number): number => (f >= refill ? f + 1 : f);

  // the checkpoints add some bytes per function and loop: a tenth more is usually enough
  const out = new Out(Math.ceil(bytes.length * 1.1) + 1024);
  out.raw(bytes.subarray(0, 8));
  const emit = (id: number, body: Out | Uint8Array): void => {
    const content = body instanceof Out ? body.done() : body;
    out.byte(id);
    out.u32(content.length);
    out.raw(content);
  };
  // the sections the metering needs, made where the module has none, in their place in the order
  const ORDER = [S.Type, S.Import, S.Function, S.Table, S.Memory, S.Tag, S.Global, S.Export, S.Start, S.Element, S.DataCount, S.Code, S.Data];
  const rank = (id: number): number => ORDER.indexOf(id);
  const missing = [S.Type, S.Import, S.Global, S.Export].filter((id) => !all.some((s) => s.id === id));
  const addMissingBefore = (id: number | null): void => {
    while (missing.length > 0 && (id === null || rank(missing[0]!) < rank(id))) {
      const m = missing.shift()!;
      if (m === S.Type) emit(S.Type, typeSection(null, refillType));
      else if (m === S.Import) emit(S.Import, importSection(null, refillType));
      else if (m === S.Global) emit(S.Global, globalSection(null, shift, [FUEL_GLOBAL]));
      else emit(S.Export, exportSection(null, shift, [[METER_FUEL, 0x03, fuel]]));
    }
  };
  for (const s of all) {
    if (s.id !== S.Custom) addMissingBefore(s.id);
    switch (s.id) {
      case S.Custom:
        // its function indices would be off by one
        if (customName(s) === 'name') continue;
        out.byte(0);
        out.u32(s.content.length);
        out.raw(s.content);
        break;
      case S.Type: emit(S.Type, typeSection(s.content, refillType)); break;
      case S.Import: emit(S.Import, importSection(s.content, refillType)); break;
      case S.Global: emit(S.Global, globalSection(s.content, shift, [FUEL_GLOBAL])); break;
      case S.Export: emit(S.Export, exportSection(s.content, shift, [[METER_FUEL, 0x03, fuel]])); break;
      case S.Start: {
        const o = new Out();
        o.u32(shift(new Reader(s.content).u32()));
        emit(S.Start, o);
        break;
      }
      case S.Element: emit(S.Element, elementSection(s.content, shift)); break;
      case S.Code: emit(S.Code, codeSection(s.content, shift, refill, fuel)); break;
      default:
        out.byte(s.id);
        out.u32(s.content.length);
        out.raw(s.content);
    }
  }
  addMissingBefore(null);
  return out.done();
}

function typeSection(content: Uint8Array | null, refillType: number): Out {
  const o = new Out();
  o.u32(refillType + 1);
  if (content) {
    const r = new Reader(content);
    r.u32();
    o.raw(content.subarray(r.pos));
  }
  // refill: () -> i32
  o.raw(new Uint8Array([0x60, 0x00, 0x01, 0x7f]));
  return o;
}

function importSection(content: Uint8Array | null, refillType: number): Out {
  const o = new Out();
  const r = content ? new Reader(content) : null;
  const n = r ? r.u32() : 0;
  o.u32(n + 1);
  if (content && r) o.raw(content.subarray(r.pos));
  o.name(METER_MODULE);
  o.name(METER_REFILL);
  o.byte(0x00);
  o.u32(refillType);
  return o;
}

/** The global section (or none) with its function indices shifted and `added` globals (encoded whole) after its own. */
export function globalSection(content: Uint8Array | null, shift: (f: number) => number, added: readonly Uint8Array[]): Out {
  const o = new Out();
  const r = content ? new Reader(content) : null;
  const n = r ? r.u32() : 0;
  o.u32(n + added.length);
  for (let i = 0; i < n && r; i++) {
    const t = r.pos;
    valType(r);
    r.u8();
    o.raw(r.bytes.subarray(t, r.pos));
    constExpr(r, o, shift);
  }
  for (const g of added) o.raw(g);
  return o;
}

/** The export section (or none) with its function indices shifted and `added` exports ([name, kind, index]) after its own. */
export function exportSection(content: Uint8Array | null, shift: (f: number) => number, added: readonly (readonly [string, number, number])[]): Out {
  const o = new Out();
  const r = content ? new Reader(content) : null;
  const n = r ? r.u32() : 0;
  o.u32(n + added.length);
  for (let i = 0; i < n && r; i++) {
    o.name(r.name());
    const kind = r.u8();
    const index = r.u32();
    o.byte(kind);
    o.u32(kind === 0x00 ? shift(index) : index);
  }
  for (const [name, kind, index] of added) {
    o.name(name);
    o.byte(kind);
    o.u32(index);
  }
  return o;
}

/** The fuel: a mutable i32, starting empty (the first checkpoint asks for a slice). */
const FUEL_GLOBAL = new Uint8Array([0x7f, 0x01, 0x41, 0x00, 0x0b]);

/** The element section with its function indices shifted. */
export function elementSection(content: Uint8Array, shift: (f: number) => number): Out {
  const r = new Reader(content);
  const o = new Out();
  const n = r.u32();
  o.u32(n);
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    o.u32(flags);
    if (flags > 7) throw new IsowasmError('UNSUPPORTED', `element segment form ${flags} can't be metered`);
    const explicitTable = (flags & 0x02) !== 0 && (flags & 0x01) === 0;
    const active = (flags & 0x01) === 0;
    const exprs = (flags & 0x04) !== 0;
    if (explicitTable) o.u32(r.u32());
    if (active) constExpr(r, o, shift);
    if (flags & 0x03) {
      // an element kind (0x00: funcref) or a reference type
      if (exprs) {
        const t = r.pos;
        valType(r);
        o.raw(r.bytes.subarray(t, r.pos));
      } else o.byte(r.u8());
    }
    const count = r.u32();
    o.u32(count);
    for (let j = 0; j < count; j++) {
      if (exprs) constExpr(r, o, shift);
      else o.u32(shift(r.u32()));
    }
  }
  return o;
}

/** The checkpoint: fuel -= 1; if it went below 0: fuel = refill(), trap on 0, then spend the unit. */
function checkpoint(refill: number, fuel: number): Uint8Array {
  const o = new Out();
  const get = (): void => { o.byte(0x23); o.u32(fuel); };
  const set = (): void => { o.byte(0x24); o.u32(fuel); };
  get(); o.raw(new Uint8Array([0x41, 0x01, 0x6b])); set();
  get(); o.raw(new Uint8Array([0x41, 0x00, 0x48, 0x04, 0x40]));
  o.byte(0x10); o.u32(refill); set();
  get(); o.raw(new Uint8Array([0x45, 0x04, 0x40, 0x00, 0x0b]));
  get(); o.raw(new Uint8Array([0x41, 0x01, 0x6b])); set();
  o.byte(0x0b);
  return o.done().slice();
}

function codeSection(content: Uint8Array, shift: (f: number) => number, refill: number, fuel: number): Out {
  const r = new Reader(content);
  const o = new Out(Math.ceil(content.length * 1.1) + 1024);
  const n = r.u32();
  o.u32(n);
  const spend = checkpoint(refill, fuel);
  const src = r.bytes;
  // one buffer for every body: the code is copied in runs between the places that change
  const f = new Out();
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const body = new Reader(src, r.pos, r.pos + size);
    r.pos += size;
    f.length = 0;
    const localsStart = body.pos;
    skipLocals(body);
    f.range(src, localsStart, body.pos);
    const entry = f.length;
    // a function that neither loops nor calls runs straight through, bounded by its size: its
    // entry spends nothing (most small functions of a real guest), which keeps calls cheap;
    // whether it does is known once its code has been read, so the entry's spend goes in last
    let spends = false;
    let run = body.pos;
    while (!body.done) {
      const op = readInstr(body);
      if (op === 0x03 || (op >= 0x10 && op <= 0x15)) spends = true;
      if (last.funcAt >= 0) {
        f.range(src, run, last.funcAt);
        f.u32(shift(last.func));
        run = body.pos;
      } else if (op === 0x03) {
        // a loop spends on each iteration: at its header, where a branch to it lands
        f.range(src, run, body.pos);
        f.raw(spend);
        run = body.pos;
      }
    }
    f.range(src, run, body.pos);
    if (spends) f.insert(entry, spend);
    o.u32(f.length);
    o.range(f.bytes, 0, f.length);
  }
  return o;
}
