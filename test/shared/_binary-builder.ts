/**
 * A tiny byte-level builder for component (and core module) binaries, so each hostile-binary case
 * is written out exactly: LEB128 encoders, names, vectors, sections and preambles. Byte arrays
 * are plain `number[]` until `bytes()` packs them.
 *
 * Encodings follow design/mvp/Binary.md of the component model (preamble 00 61 73 6d 0d 00 01 00).
 */

export type Bytes = readonly number[];

export const MAGIC: Bytes = [0x00, 0x61, 0x73, 0x6d];
export const COMPONENT_PREAMBLE: Bytes = [...MAGIC, 0x0d, 0x00, 0x01, 0x00];
export const MODULE_PREAMBLE: Bytes = [...MAGIC, 0x01, 0x00, 0x00, 0x00];

/** Component section ids. */
export const SECTION = {
  custom: 0, coreModule: 1, coreInstance: 2, coreType: 3, component: 4, instance: 5, alias: 6,
  type: 7, canon: 8, start: 9, import: 10, export: 11, value: 12,
} as const;

/** `sort` encodings (a core sort is 0x00 followed by its `core:sort` byte). */
export const SORT = {
  coreFunc: [0x00, 0x00], coreTable: [0x00, 0x01], coreMemory: [0x00, 0x02], coreGlobal: [0x00, 0x03],
  coreType: [0x00, 0x10], coreModule: [0x00, 0x11], coreInstance: [0x00, 0x12],
  func: [0x01], value: [0x02], type: [0x03], component: [0x04], instance: [0x05],
} as const satisfies Record<string, Bytes>;

/** Primitive value type bytes. */
export const VAL = {
  bool: 0x7f, s8: 0x7e, u8: 0x7d, s16: 0x7c, u16: 0x7b, s32: 0x7a, u32: 0x79, s64: 0x78, u64: 0x77,
  f32: 0x76, f64: 0x75, char: 0x74, string: 0x73,
} as const;

/** Unsigned LEB128 of any size (number or bigint), in its shortest form. */
export function uleb(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) throw new RangeError('uleb: negative');
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

/** Unsigned LEB128 of a u32. */
export function u32(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`u32: ${n}`);
  return uleb(n);
}

/** Signed LEB128. */
export function sleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** `n` padded to `width` bytes with redundant continuation bytes (valid up to 5 bytes for a u32). */
export function paddedU32(n: number, width: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  for (let i = 0; i < width; i++) {
    const last = i === width - 1;
    out.push((v & 0x7f) | (last ? 0 : 0x80));
    v = Math.floor(v / 128);
  }
  return out;
}

/** An index: a number in its shortest u32 LEB128 form, or raw bytes written as given. */
export type Index = number | Bytes;

export function idx(i: Index): number[] {
  return typeof i === 'number' ? u32(i) : [...i];
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

/** `name ::= len:<u32> bytes` */
export function name(s: string): number[] {
  const b = utf8(s);
  return [...u32(b.length), ...b];
}

/** `exportname' / importname' ::= 0x00 len:<u32> bytes` (a plain kebab-case or interface name) */
export function externName(s: string): number[] {
  return [0x00, ...name(s)];
}

/** `vec(x) ::= n:<u32> x^n` */
export function vec(items: readonly Bytes[]): number[] {
  return [...u32(items.length), ...items.flat()];
}

/** `section_N(body) ::= N size:<u32> body` with the true size. */
export function section(id: number, body: Bytes): number[] {
  return [id, ...u32(body.length), ...body];
}

/** A section whose size field is written as given (which may lie). */
export function sectionWithSize(id: number, size: Bytes, body: Bytes): number[] {
  return [id, ...size, ...body];
}

/** Packs byte arrays (or Uint8Arrays) into one Uint8Array. */
export function bytes(...parts: (Bytes | Uint8Array)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** A component binary: the preamble followed by the given (already encoded) sections. */
export function component(...sections: Bytes[]): Uint8Array {
  return bytes(COMPONENT_PREAMBLE, ...sections);
}

/** A core module binary: its preamble followed by the given sections. */
export function coreModule(...sections: Bytes[]): Uint8Array {
  return bytes(MODULE_PREAMBLE, ...sections);
}

/** A core module that exports `f: () -> i32` returning `value`. */
export function answerModule(value = 42, exportName = 'f'): Uint8Array {
  const body = [0x00, 0x41, ...sleb(value), 0x0b]; // no locals; i32.const value; end
  return coreModule(
    section(1, vec([[0x60, 0x00, 0x01, 0x7f]])), // type 0: func () -> i32
    section(3, vec([[0x00]])), // func 0: type 0
    section(7, vec([[...name(exportName), 0x00, 0x00]])), // export "f" func 0
    section(10, vec([[...u32(body.length), ...body]])), // code
  );
}

/** `canon lift (core func f) opts (type t)` */
export function canonLift(coreFunc: Index, type: Index, options: readonly Bytes[] = []): number[] {
  return [0x00, 0x00, ...idx(coreFunc), ...vec(options), ...idx(type)];
}

/** `canon lower (func f) opts` */
export function canonLower(func: Index, options: readonly Bytes[] = []): number[] {
  return [0x01, 0x00, ...idx(func), ...vec(options)];
}

/** Canonical options. */
export const OPT = {
  utf8: [0x00] as Bytes,
  memory: (i: number): number[] => [0x03, ...u32(i)],
  realloc: (i: number): number[] => [0x04, ...u32(i)],
  postReturn: (i: number): number[] => [0x05, ...u32(i)],
};

/** `functype ::= 0x40 params:vec(name valtype) result` with one unnamed result (or none). */
export function funcType(params: readonly [string, Bytes | number][], result: Bytes | number | null): number[] {
  const ps = params.map(([n, t]) => [...name(n), ...(typeof t === 'number' ? [t] : t)]);
  const rs = result === null ? [0x01, 0x00] : [0x00, ...(typeof result === 'number' ? [result] : result)];
  return [0x40, ...vec(ps), ...rs];
}

/** `core:instance ::= 0x00 m:<moduleidx> args:vec(name 0x12 instanceidx)` */
export function coreInstantiate(module: Index, args: readonly [string, Index][] = []): number[] {
  return [0x00, ...idx(module), ...vec(args.map(([n, i]) => [...name(n), 0x12, ...idx(i)]))];
}

/** `alias ::= sort 0x01 i:<core:instanceidx> n:<name>` (a core export alias). */
export function aliasCoreExport(sort: Bytes, instance: Index, exportName: string): number[] {
  return [...sort, 0x01, ...idx(instance), ...name(exportName)];
}

/** `alias ::= sort 0x00 i:<instanceidx> n:<name>` (an export of a component instance). */
export function aliasExport(sort: Bytes, instance: Index, exportName: string): number[] {
  return [...sort, 0x00, ...idx(instance), ...name(exportName)];
}

/** `alias ::= sort 0x02 ct:<u32> idx:<u32>` */
export function aliasOuter(sort: Bytes, count: number, index: number): number[] {
  return [...sort, 0x02, ...u32(count), ...u32(index)];
}

/** `export ::= exportname' sortidx 0x00` (no type ascription). */
export function exportItem(exportName: string, sort: Bytes, index: Index): number[] {
  return [...externName(exportName), ...sort, ...idx(index), 0x00];
}

/** Knobs of `answerComponent`: each index defaults to the one that makes the component valid. */
export interface AnswerOptions {
  /** the core module's bytes (default: `answerModule()`) */
  module?: Uint8Array;
  /** module index of the core instantiate */
  moduleIndex?: Index;
  /** core instance index of the `alias core export` */
  aliasInstance?: Index;
  /** name of the aliased core export */
  aliasName?: string;
  /** core func index of `canon lift` */
  liftCoreFunc?: Index;
  /** type index of `canon lift` */
  liftType?: Index;
  /** the type definitions (default: one `func() -> u32`) */
  types?: readonly Bytes[];
  /** func index of the export */
  exportIndex?: Index;
  /** the export's sort (default func) */
  exportSort?: Bytes;
  /** extra sections appended at the end */
  extra?: readonly Bytes[];
}

/**
 * The smallest useful component, one index of each kind: a core module exporting `f` (returns
 * 42), its instance, a `func() -> u32` type, an alias of `f`, a `canon lift` and an export named
 * `answer`. With default options it is valid and `answer()` returns 42.
 *
 * ```wat
 * (component
 *   (core module $m (func (export "f") (result i32) i32.const 42))
 *   (core instance $i (instantiate $m))
 *   (type $t (func (result u32)))
 *   (alias core export $i "f" (core func $f))
 *   (func $answer (type $t) (canon lift (core func $f)))
 *   (export "answer" (func $answer)))
 * ```
 */
export function answerComponent(o: AnswerOptions = {}): Uint8Array {
  const mod = o.module ?? answerModule();
  return component(
    section(SECTION.coreModule, [...mod]),
    section(SECTION.coreInstance, vec([coreInstantiate(o.moduleIndex ?? 0)])),
    section(SECTION.type, vec(o.types ?? [funcType([], VAL.u32)])),
    section(SECTION.alias, vec([aliasCoreExport(SORT.coreFunc, o.aliasInstance ?? 0, o.aliasName ?? 'f')])),
    section(SECTION.canon, vec([canonLift(o.liftCoreFunc ?? 0, o.liftType ?? 0)])),
    section(SECTION.export, vec([exportItem('answer', o.exportSort ?? SORT.func, o.exportIndex ?? 0)])),
    ...(o.extra ?? []),
  );
}

/** Top-level sections of a component or module as [id, start of the section, end] triples. */
export function sections(b: Uint8Array): { id: number; start: number; bodyStart: number; end: number }[] {
  const out: { id: number; start: number; bodyStart: number; end: number }[] = [];
  let pos = 8;
  while (pos < b.length) {
    const start = pos;
    const id = b[pos++]!;
    let size = 0;
    let shift = 0;
    for (;;) {
      const x = b[pos++]!;
      size += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if ((x & 0x80) === 0) break;
    }
    out.push({ id, start, bodyStart: pos, end: pos + size });
    pos += size;
  }
  return out;
}
