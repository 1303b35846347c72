/**
 * A core module rewritten so its instance can be reset to the state right after instantiation
 * (`instantiate({ resettable: true })`, `instance.reset()`):
 *
 * - Every state the host must restore is exported under a reserved name: each memory the module
 *   defines (`isowasm:memory:<i>`), each mutable global it defines, exported or not
 *   (`isowasm:global:<i>`), and, when its code writes tables, each table it has
 *   (`isowasm:table:<i>`).
 * - A memory can't shrink, so its size is virtual: each defined memory gets a mutable global with
 *   its size in pages (`isowasm:vsize:<i>`); `memory.size` reads it, and `memory.grow` calls a
 *   function the rewrite adds, which grows the real memory only past what it already has. A reset
 *   sets the global back, and the pages past it are zero again. A module that sizes or grows a
 *   memory it imports (the WASI preview1 adapter grows its host's) calls host functions
 *   instead (`isowasm:reset` `size:<i>`/`grow:<i>`), which the linker binds to the memory's
 *   virtual size; the added imports shift every defined function's index, so calls, `ref.func`,
 *   elements, exports and start are renumbered and the `name` section is left out.
 *
 * What can't be undone is refused (`UNSUPPORTED`, naming it): `table.grow` (a table can't
 * shrink), `data.drop` and `elem.drop` (a dropped segment can't come back), 64-bit and shared
 * memories, and mutable `v128` globals (JavaScript can't read them). The one difference a guest
 * can see: after a reset, an access past `memory.size` but within what the memory grew to earlier
 * reads zeros instead of trapping.
 */
import { IsowasmError } from '../errors.js';
import { Reader } from '../binary/_reader.js';
import { lebBytes } from '../binary/_caps.js';
import { last, readInstr, skipConstExpr, skipLocals, valType } from '../meter/decode.js';
import { customName, elementSection, exportSection, globalSection, Out, sections } from '../meter/instrument.js';
import { RESET_GLOBAL, RESET_MEMORY, RESET_MODULE, RESET_TABLE, RESET_VSIZE } from './names.js';

export { RESET_GLOBAL, RESET_MEMORY, RESET_MODULE, RESET_TABLE, RESET_VSIZE };

const enum S { Custom = 0, Type = 1, Import = 2, Function = 3, Table = 4, Memory = 5, Global = 6, Export = 7, Start = 8, Element = 9, Code = 10, Data = 11, DataCount = 12, Tag = 13 }
const ORDER = [S.Type, S.Import, S.Function, S.Table, S.Memory, S.Tag, S.Global, S.Export, S.Start, S.Element, S.DataCount, S.Code, S.Data];

function refuse(where: string, what: string): never {
  throw new IsowasmError('UNSUPPORTED', `${where} ${what}, which a reset can't undo, so its instances can't be resettable; instantiate it without resettable (a fresh instance each time)`);
}

/** Reads a `limits` entry; returns [flags, min]. */
function limitsOf(r: Reader): [number, number] {
  const flags = r.u8();
  const min = r.u32();
  if (flags & 0x01) r.skipLeb();
  return [flags, min];
}

interface Shape {
  types: number;
  importedFuncs: number;
  importedTables: number;
  importedMems: number;
  importedGlobals: number;
  definedFuncs: number;
  definedTables: number;
  /** min pages of each defined memory */
  memoryMins: number[];
  definedGlobals: number;
  /** indices (global index space) of the defined mutable globals */
  mutableGlobals: number[];
  /** memories (index space) whose size or growth the code asks for */
  sized: Set<number>;
  grown: Set<number>;
  writesTables: boolean;
}

function readShape(all: readonly { id: number; content: Uint8Array }[], where: string): Shape {
  const sh: Shape = {
    types: 0, importedFuncs: 0, importedTables: 0, importedMems: 0, importedGlobals: 0, definedFuncs: 0,
    definedTables: 0, memoryMins: [], definedGlobals: 0, mutableGlobals: [], sized: new Set(), grown: new Set(), writesTables: false,
  };
  for (const s of all) {
    const r = new Reader(s.content);
    switch (s.id) {
      case S.Type: {
        sh.types = r.count('types');
        for (let i = 0; i < sh.types; i++) {
          const form = r.u8();
          if (form !== 0x60) throw new IsowasmError('UNSUPPORTED', `${where} has type form 0x${form.toString(16)} (garbage collection types), which resettable instances don't support yet`);
          for (let j = r.u32(); j > 0; j--) valType(r);
          for (let j = r.u32(); j > 0; j--) valType(r);
        }
        break;
      }
      case S.Import: {
        for (let n = r.count('imports'); n > 0; n--) {
          r.name();
          r.name();
          const kind = r.u8();
          if (kind === 0x00) {
            sh.importedFuncs++;
            r.u32();
          } else if (kind === 0x01) {
            sh.importedTables++;
            valType(r);
            limitsOf(r);
          } else if (kind === 0x02) {
            sh.importedMems++;
            const [flags] = limitsOf(r);
            if (flags & 0x06) refuse(where, `imports a ${flags & 0x04 ? '64-bit' : 'shared'} memory`);
          } else if (kind === 0x03) {
            sh.importedGlobals++;
            valType(r);
            r.u8();
          } else if (kind === 0x04) {
            r.u8();
            r.u32();
          } else throw new IsowasmError('UNSUPPORTED', `${where} has import kind ${kind}, which resettable instances don't support`);
        }
        break;
      }
      case S.Function: sh.definedFuncs = r.count('functions'); break;
      case S.Table: sh.definedTables = r.count('tables'); break;
      case S.Memory: {
        for (let n = r.count('memories'); n > 0; n--) {
          const [flags, min] = limitsOf(r);
          if (flags & 0x06) refuse(where, `defines a ${flags & 0x04 ? '64-bit' : 'shared'} memory`);
          sh.memoryMins.push(min);
        }
        break;
      }
      case S.Global: {
        sh.definedGlobals = r.count('globals');
        for (let i = 0; i < sh.definedGlobals; i++) {
          const type = r.peek();
          valType(r);
          if (r.u8() === 1) {
            if (type === 0x7b) refuse(where, 'has a mutable v128 global');
            sh.mutableGlobals.push(sh.importedGlobals + i);
          }
          skipConstExpr(r);
        }
        break;
      }
      case S.Code: scanCode(s.content, sh, where); break;
    }
  }
  return sh;
}

/** The immediate (a memory index, an LEB128) right after the opcode at `at`. */
function memoryIndexAt(bytes: Uint8Array, at: number): number {
  return new Reader(bytes, at + 1).u32();
}

function scanCode(content: Uint8Array, sh: Shape, where: string): void {
  const r = new Reader(content);
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    const body = new Reader(content, r.pos, r.pos + size);
    r.pos += size;
    skipLocals(body);
    while (!body.done) {
      const at = body.pos;
      const op = readInstr(body);
      if (op === 0x3f) sh.sized.add(memoryIndexAt(content, at));
      else if (op === 0x40) sh.grown.add(memoryIndexAt(content, at));
      else if (op === 0x26) sh.writesTables = true;
      else if (op === 0xfc) {
        const sub = new Reader(content, at + 1).u32();
        if (sub === 9) refuse(where, 'drops a data segment (data.drop)');
        if (sub === 13) refuse(where, 'drops an element segment (elem.drop)');
        if (sub === 15) refuse(where, 'grows a table (table.grow)');
        if (sub === 12 || sub === 14 || sub === 17) sh.writesTables = true;
      }
    }
  }
}

/** A LEB128 u32 as bytes. */
function leb(n: number): number[] {
  return lebBytes(BigInt(n));
}

/**
 * The body of the added `grow` of defined memory `mem` (virtual size in global `vs`):
 * (param $d i32) (result i32) (local $old i32) (local $new i32).
 */
function growBody(mem: number, vs: number): Uint8Array {
  const m = leb(mem);
  const g = leb(vs);
  return new Uint8Array([
    0x01, 0x02, 0x7f, // two i32 locals: $old (1), $new (2)
    0x23, ...g, 0x21, 0x01, // old = vsize
    // past 4 GiB (65536 pages) fails, as memory.grow does, before old + d can wrap
    0x20, 0x00, 0x41, ...sleb(65536), 0x20, 0x01, 0x6b, 0x4b, 0x04, 0x40, 0x41, 0x7f, 0x0f, 0x0b,
    0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x02, // new = old + d
    // grow the real memory only past the pages it has already
    0x20, 0x02, 0x3f, ...m, 0x4b, 0x04, 0x40,
    0x20, 0x02, 0x3f, ...m, 0x6b, 0x40, ...m, 0x41, 0x7f, 0x46, 0x04, 0x40, 0x41, 0x7f, 0x0f, 0x0b,
    0x0b,
    0x20, 0x02, 0x24, ...g, // vsize = new
    0x20, 0x01, // the old size
    0x0b,
  ]);
}

/** A signed LEB128 of a non-negative i32 (i32.const's immediate). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * The module rewritten for resettable instances (the same bytes when it has no state to reset),
 * or `UNSUPPORTED` when it does something a reset can't undo.
 *
 * @example
 * ```ts
 * const module = await WebAssembly.compile(resettableModule(bytes, 'core module 0'));
 * ```
 */
export function resettableModule(given: Uint8Array, where: string): Uint8Array {
  // a plain view: a Buffer's subarray (Node's readFile gives one) costs far more
  const bytes = given.constructor === Uint8Array ? given : new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
  const all = sections(bytes);
  const sh = readShape(all, where);
  const importedSized = [...sh.sized].filter((m) => m < sh.importedMems).sort((a, b) => a - b);
  const importedGrown = [...sh.grown].filter((m) => m < sh.importedMems).sort((a, b) => a - b);
  const definedMems = sh.memoryMins.length;
  // the very bytes given: Component reuses the module compiled already when they are its own
  if (definedMems === 0 && importedSized.length === 0 && importedGrown.length === 0 && sh.mutableGlobals.length === 0 && !sh.writesTables) return given;

  // new types: () -> i32 and (i32) -> i32
  const sizeType = sh.types;
  const growType = sh.types + 1;
  // new function imports, after the module's own
  const added: { name: string; type: number; mem: number }[] = [
    ...importedSized.map((m) => ({ name: `size:${m}`, type: sizeType, mem: m })),
    ...importedGrown.map((m) => ({ name: `grow:${m}`, type: growType, mem: m })),
  ];
  const shiftBy = added.length;
  const shift = (f: number): number => (f >= sh.importedFuncs ? f + shiftBy : f);
  const importFn = (kind: 'size' | 'grow', mem: number): number => sh.importedFuncs + added.findIndex((a) => a.name === `${kind}:${mem}`);
  // a virtual size global per defined memory, after the module's globals
  const vsize = (mem: number): number => sh.importedGlobals + sh.definedGlobals + (mem - sh.importedMems);
  // a grow function per defined memory the code grows, after the module's functions
  const grownDefined = [...sh.grown].filter((m) => m >= sh.importedMems).sort((a, b) => a - b);
  const growFn = (mem: number): number => sh.importedFuncs + shiftBy + sh.definedFuncs + grownDefined.indexOf(mem);

  const replaced = new Map<number, Out>();
  const section = (id: number, content: Uint8Array | undefined, build: (r: Reader | null, o: Out) => void): void => {
    const o = new Out(content ? content.length + 64 : 64);
    build(content ? new Reader(content) : null, o);
    replaced.set(id, o);
  };
  const contentOf = (id: number): Uint8Array | undefined => all.find((s) => s.id === id)?.content;

  section(S.Type, contentOf(S.Type), (r, o) => {
    o.u32(sh.types + 2);
    if (r) {
      r.u32();
      o.raw(r.bytes.subarray(r.pos));
    }
    o.raw(new Uint8Array([0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f]));
  });
  if (shiftBy > 0) {
    section(S.Import, contentOf(S.Import), (r, o) => {
      const n = r ? r.u32() : 0;
      o.u32(n + shiftBy);
      if (r) o.raw(r.bytes.subarray(r.pos));
      for (const a of added) {
        o.name(RESET_MODULE);
        o.name(a.name);
        o.byte(0x00);
        o.u32(a.type);
      }
    });
  }
  if (grownDefined.length > 0) {
    section(S.Function, contentOf(S.Function), (r, o) => {
      const n = r ? r.u32() : 0;
      o.u32(n + grownDefined.length);
      if (r) o.raw(r.bytes.subarray(r.pos));
      for (let i = 0; i < grownDefined.length; i++) o.u32(growType);
    });
  }
  if (definedMems > 0 || shiftBy > 0) {
    // each defined memory's virtual size starts at its declared minimum, the size it is created with
    replaced.set(S.Global, globalSection(contentOf(S.Global) ?? null, shift, sh.memoryMins.map((min) => new Uint8Array([0x7f, 0x01, 0x41, ...sleb(min), 0x0b]))));
  }
  const exports: [string, number, number][] = [];
  for (let i = 0; i < definedMems; i++) {
    exports.push([`${RESET_MEMORY}${sh.importedMems + i}`, 0x02, sh.importedMems + i]);
    exports.push([`${RESET_VSIZE}${sh.importedMems + i}`, 0x03, vsize(sh.importedMems + i)]);
  }
  for (const g of sh.mutableGlobals) exports.push([`${RESET_GLOBAL}${g}`, 0x03, g]);
  if (sh.writesTables) for (let t = 0; t < sh.importedTables + sh.definedTables; t++) exports.push([`${RESET_TABLE}${t}`, 0x01, t]);
  replaced.set(S.Export, exportSection(contentOf(S.Export) ?? null, shift, exports));
  if (shiftBy > 0) {
    const start = contentOf(S.Start);
    if (start) section(S.Start, start, (r, o) => { o.u32(shift(r!.u32())); });
    const elements = contentOf(S.Element);
    if (elements) replaced.set(S.Element, elementSection(elements, shift));
  }
  const code = contentOf(S.Code);
  if (code || grownDefined.length > 0) {
    section(S.Code, code, (r, o) => codeSection(r, o, {
      shift, shiftBy, extra: grownDefined.map((m) => growBody(m, vsize(m))),
      size: (m) => (m < sh.importedMems ? [0x10, ...leb(importFn('size', m))] : [0x23, ...leb(vsize(m))]),
      grow: (m) => [0x10, ...leb(m < sh.importedMems ? importFn('grow', m) : growFn(m))],
    }));
  }

  const out = new Out(bytes.length + 1024);
  out.raw(bytes.subarray(0, 8));
  const emit = (id: number, content: Uint8Array): void => {
    out.byte(id);
    out.u32(content.length);
    out.raw(content);
  };
  const pending = ORDER.filter((id) => replaced.has(id) && !all.some((s) => s.id === id));
  const addBefore = (id: number | null): void => {
    while (pending.length > 0 && (id === null || ORDER.indexOf(pending[0]!) < ORDER.indexOf(id))) {
      const id2 = pending.shift()!;
      emit(id2, replaced.get(id2)!.done());
    }
  };
  for (const s of all) {
    if (s.id !== S.Custom) addBefore(s.id);
    // the name section's function indices would be off once imports are added
    if (s.id === S.Custom && shiftBy > 0 && customName(s) === 'name') continue;
    const r = replaced.get(s.id);
    emit(s.id, s.id !== S.Custom && r ? r.done() : s.content);
  }
  addBefore(null);
  return out.done();
}

interface CodeRewrite {
  shift: (f: number) => number;
  shiftBy: number;
  /** bodies of the added functions */
  extra: Uint8Array[];
  /** what replaces `memory.size m` and `memory.grow m` */
  size: (mem: number) => number[];
  grow: (mem: number) => number[];
}

function codeSection(r: Reader | null, o: Out, c: CodeRewrite): void {
  const n = r ? r.u32() : 0;
  o.u32(n + c.extra.length);
  const f = new Out();
  for (let i = 0; i < n && r; i++) {
    const size = r.u32();
    const src = r.bytes;
    const body = new Reader(src, r.pos, r.pos + size);
    r.pos += size;
    f.length = 0;
    let run = body.pos;
    skipLocals(body);
    while (!body.done) {
      const at = body.pos;
      const op = readInstr(body);
      if (op === 0x3f || op === 0x40) {
        f.range(src, run, at);
        const mem = memoryIndexAt(src, at);
        f.raw(new Uint8Array(op === 0x3f ? c.size(mem) : c.grow(mem)));
        run = body.pos;
      } else if (last.funcAt >= 0 && c.shiftBy > 0) {
        f.range(src, run, last.funcAt);
        f.u32(c.shift(last.func));
        run = body.pos;
      }
    }
    f.range(src, run, body.pos);
    o.u32(f.length);
    o.range(f.bytes, 0, f.length);
  }
  for (const b of c.extra) {
    o.u32(b.length);
    o.raw(b);
  }
}
