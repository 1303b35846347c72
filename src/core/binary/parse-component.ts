/**
 * The component binary parser: sections to the typed `ComponentModel` (types, imports, exports,
 * core modules and instances, aliases, canonical functions, nested components), checking every
 * index, length and type reference as it reads; it never trusts its input.
 */
import { IsowasmError } from '../errors.js';
import { Reader } from './_reader.js';
import {
  LEAF, type LoaderLimits, type ResolvedLimits, type TypeInfo, checkTypeInfo, combine, limitError, resolveLimits,
} from './limits.js';
import type {
  CanonOptions, ComponentModel, ComponentSort, CoreSort, DeclScope, DefinedValType, ExternType,
  FuncTypeDef, InstanceEntry, PrimitiveName, Sort, TypeEntry, TypeScope, ValRef,
} from './model.js';

const MAX_NESTING = 64;
const MAX_FIXED_LIST = 4096;
/** Generous caps that keep a hostile binary from making us allocate absurd structures. */
const MAX_ITEMS = 1_000_000;

const PRIMITIVES: Record<number, PrimitiveName> = {
  0x7f: 'bool', 0x7e: 's8', 0x7d: 'u8', 0x7c: 's16', 0x7b: 'u16', 0x7a: 's32', 0x79: 'u32',
  0x78: 's64', 0x77: 'u64', 0x76: 'f32', 0x75: 'f64', 0x74: 'char', 0x73: 'string', 0x64: 'error-context',
};

const ASYNC_NEEDS_ASYNC_TYPE = 'the `async` canonical option requires an async function type (`async func`); lift or lower this function without `async`';

const CORE_SORTS: Record<number, CoreSort> = {
  0x00: 'func', 0x01: 'table', 0x02: 'memory', 0x03: 'global', 0x04: 'tag', 0x10: 'type', 0x11: 'module', 0x12: 'instance',
};

/** Tells a component binary from a core module by its preamble. */
export function binaryKind(bytes: Uint8Array): 'component' | 'module' | 'unknown' {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return 'unknown';
  if (bytes[6] === 1 && bytes[7] === 0) return 'component';
  if (bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return 'module';
  return 'unknown';
}

/**
 * Parses a component binary into a `ComponentModel`, checking every index, length and type
 * reference, and measuring the work it asks for against `limits` (see `LoaderLimits`): the
 * instances it makes across all nesting, and the size and depth of its types. Throws
 * `IsowasmError` (`INVALID_BINARY` or `UNSUPPORTED`) on bad input. `onModule` is told of each core
 * module as soon as its bytes are read, before the rest is parsed (`Component.compile` starts
 * compiling it there, on the engine's background threads, while the parse goes on).
 *
 * @example
 * ```ts
 * import { parseComponent } from 'isowasm';
 * const model = parseComponent(bytes, { maxTypeDepth: 50 });
 * console.log(model.imports.map((i) => i.name));
 * ```
 */
export function parseComponent(bytes: Uint8Array, limits?: LoaderLimits, onModule?: (module: { readonly bytes: Uint8Array; readonly id: number }) => void): ComponentModel {
  const state: ParseState = { nextModuleId: 0, limits: resolveLimits(limits), onModule: onModule ?? null };
  const all: { bytes: Uint8Array; id: number }[] = [];
  const model = parseComponentAt(new Reader(bytes), null, 0, state, all);
  model.allModules = all;
  const cost = costOf(model);
  const { maxInstances, maxCoreInstances } = state.limits;
  if (cost.instances > maxInstances) throw limitError('maxInstances', maxInstances, `instantiating this component makes ${countText(cost.instances)} component instances (nested components instantiating nested components)`);
  if (cost.core > maxCoreInstances) throw limitError('maxCoreInstances', maxCoreInstances, `instantiating this component makes ${countText(cost.core)} core module instances`);
  return model;
}

interface ParseState {
  nextModuleId: number;
  readonly limits: ResolvedLimits;
  /** told of each core module as soon as its bytes are read (so compiling it overlaps the rest of the parse) */
  readonly onModule: ((module: { readonly bytes: Uint8Array; readonly id: number }) => void) | null;
}

function countText(n: number): string {
  return n >= Number.MAX_SAFE_INTEGER ? 'over 2^53' : String(n);
}

function parseComponentAt(
  r: Reader, parent: ComponentModel | null, depth: number, state: ParseState,
  all: { bytes: Uint8Array; id: number }[],
): ComponentModel {
  if (depth > MAX_NESTING) r.fail(`components nested deeper than ${MAX_NESTING} levels`);
  readPreamble(r);
  const m: ComponentModel = {
    parent, limits: state.limits, coreModules: [], coreInstances: [], coreFuncs: [], coreTables: [], coreMemories: [],
    coreGlobals: [], coreTags: [], coreTypeCount: 0, funcs: [], types: [], instances: [], components: [],
    valueCount: 0, imports: [], exports: [], steps: [], allModules: [],
  };
  const p = new ComponentParser(m, depth, state, all);
  while (!r.done) {
    const at = r.pos;
    const id = r.u8();
    const size = r.u32();
    const s = r.sub(size);
    p.section(id, s, at);
    if (!s.done) s.fail(`section ${id} has ${s.end - s.pos} trailing bytes`);
  }
  // every component it can instantiate is complete by now (indices point backwards)
  costOf(m);
  return m;
}

/** Instances one instantiation of a model makes, nested ones included (saturating). */
interface Cost {
  readonly instances: number;
  readonly core: number;
}

const costs = new WeakMap<ComponentModel, Cost>();

/**
 * What instantiating `m` makes, counted without making it: each `instantiate` of a component
 * whose definition is known here (defined, or aliased from an enclosing component) adds that
 * component's own cost, so a tree that doubles at every level is measured in time linear in its
 * bytes. Components reached through imports or instance exports count one instance each here;
 * the linker counts those as it goes.
 */
function costOf(m: ComponentModel): Cost {
  const known = costs.get(m);
  if (known) return known;
  let instances = 0;
  let core = 0;
  for (const c of m.coreInstances) if (c.kind === 'instantiate') core++;
  for (const inst of m.instances) {
    if (inst.kind !== 'instantiate') continue;
    instances++;
    const target = definitionOf(m, inst.component);
    // the target was parsed before `m` was finished, so its cost is memoized: no deep recursion
    const sub = target ? costs.get(target) ?? costOf(target) : null;
    if (sub) {
      instances = Math.min(instances + sub.instances, Number.MAX_SAFE_INTEGER);
      core = Math.min(core + sub.core, Number.MAX_SAFE_INTEGER);
    }
  }
  const cost = { instances, core };
  costs.set(m, cost);
  return cost;
}

/** The model a component index of `m` names, when that is known before linking. */
function definitionOf(m: ComponentModel, index: number): ComponentModel | null {
  // refs are collapsed when made and outer aliases only reach enclosing components: short walks
  for (let guard = 0; guard < 10_000; guard++) {
    const e = m.components[index];
    if (!e) return null;
    switch (e.kind) {
      case 'defined': return e.model;
      case 'ref': index = e.index; continue;
      case 'outer': m = e.model; index = e.index; continue;
      default: return null;
    }
  }
  return null;
}

function readPreamble(r: Reader): void {
  const start = r.pos;
  const head = r.end - r.pos >= 8 ? r.take(8) : r.fail('too short to be a WebAssembly binary');
  if (head[0] !== 0 || head[1] !== 0x61 || head[2] !== 0x73 || head[3] !== 0x6d) {
    r.fail('wrong magic number (expected \\0asm)', start);
  }
  if (head[6] === 0 && head[7] === 0) {
    throw new IsowasmError('INVALID_BINARY', 'this is a core WebAssembly module, not a component; wrap it with `jco new` (wasm-tools component new) first');
  }
  if (head[6] !== 1 || head[7] !== 0) r.fail(`unknown layer ${head[6]}`, start + 6);
  if (head[4] !== 0x0d || head[5] !== 0) {
    throw new IsowasmError('UNSUPPORTED', `component binary version 0x${head[4]!.toString(16)} is not supported (this runtime reads version 0x0d)`);
  }
}

function check(r: Reader, index: number, length: number, what: string): number {
  if (index >= length) r.fail(`${what} index ${index} out of range (only ${length} defined)`);
  return index;
}

/** Reads `name` with the discriminator byte of `nameattributes`, ignoring attributes. */
function readExternName(r: Reader): string {
  const b = r.u8();
  if (b === 0x00 || b === 0x01) return r.name();
  if (b === 0x02) {
    const n = r.name();
    const count = r.count('name attribute');
    for (let i = 0; i < count; i++) {
      const k = r.u8();
      if (k > 2) r.fail(`unknown name attribute ${k}`);
      r.name();
    }
    return n;
  }
  return r.fail(`unknown extern name form 0x${b.toString(16)}`);
}

function readSort(r: Reader): Sort {
  const b = r.u8();
  switch (b) {
    case 0x00: {
      const c = CORE_SORTS[r.u8()];
      if (!c) r.fail('unknown core sort');
      return { core: c };
    }
    case 0x01: return 'func';
    case 0x02: return 'value';
    case 0x03: return 'type';
    case 0x04: return 'component';
    case 0x05: return 'instance';
    default: return r.fail(`unknown sort 0x${b.toString(16)}`);
  }
}

function readCoreSort(r: Reader): CoreSort {
  const c = CORE_SORTS[r.u8()];
  if (!c) r.fail('unknown core sort');
  return c;
}

/** Skips a core value type (numeric, vector or reference type). */
function skipCoreValType(r: Reader): void {
  const b = r.u8();
  if ((b >= 0x7b && b <= 0x7f) || (b >= 0x69 && b <= 0x74)) return; // numeric, v128, abstract refs
  if (b === 0x63 || b === 0x64) {
    skipHeapType(r);
    return;
  }
  r.fail(`unknown core value type 0x${b.toString(16)}`, r.pos - 1);
}

function skipHeapType(r: Reader): void {
  const b = r.peek();
  if (b >= 0x69 && b <= 0x74) {
    r.u8();
    return;
  }
  r.s33();
}

function skipLimits(r: Reader): void {
  const flags = r.u8();
  if (flags > 0x0f) r.fail('bad limits flags');
  r.skipLeb();
  if (flags & 1) r.skipLeb();
}

function skipCoreExternType(r: Reader): void {
  const k = r.u8();
  switch (k) {
    case 0x00: r.u32(); return;
    case 0x01: skipCoreValType(r); skipLimits(r); return;
    case 0x02: skipLimits(r); return;
    case 0x03: skipCoreValType(r); r.u8(); return;
    case 0x04: r.u8(); r.u32(); return;
    default: r.fail(`unknown core extern type 0x${k.toString(16)}`);
  }
}

function skipCompositeType(r: Reader): void {
  const b = r.u8();
  switch (b) {
    case 0x60: {
      for (let j = 0; j < 2; j++) {
        const n = r.count('core value type');
        for (let i = 0; i < n; i++) skipCoreValType(r);
      }
      return;
    }
    case 0x5f: {
      const n = r.count('struct field');
      for (let i = 0; i < n; i++) { skipStorageType(r); r.u8(); }
      return;
    }
    case 0x5e: skipStorageType(r); r.u8(); return;
    default: r.fail(`unknown core composite type 0x${b.toString(16)}`, r.pos - 1);
  }
}

function skipStorageType(r: Reader): void {
  const b = r.peek();
  if (b === 0x78 || b === 0x77) { r.u8(); return; }
  skipCoreValType(r);
}

function skipSubType(r: Reader): void {
  const b = r.peek();
  if (b === 0x50 || b === 0x4f) {
    r.u8();
    const n = r.count('supertype');
    for (let i = 0; i < n; i++) r.u32();
  }
  skipCompositeType(r);
}

/** Skips one `core:type`: a rec group, a non-final sub type, or a module type. */
function skipCoreType(r: Reader, depth: number): void {
  const b = r.peek();
  if (b === 0x50) {
    r.u8();
    const n = r.count('module type declaration');
    for (let i = 0; i < n; i++) {
      const d = r.u8();
      switch (d) {
        case 0x00: r.name(); r.name(); skipCoreExternType(r); break;
        case 0x01:
          if (depth > 0) r.fail('module types may not nest');
          skipCoreType(r, depth + 1);
          break;
        case 0x02:
          if (r.u8() !== 0x10 || r.u8() !== 0x01) r.fail('bad outer alias in module type');
          r.u32(); r.u32();
          break;
        case 0x03: r.name(); skipCoreExternType(r); break;
        default: r.fail(`unknown module type declaration 0x${d.toString(16)}`);
      }
    }
    return;
  }
  if (b === 0x00) {
    r.u8();
    if (r.peek() !== 0x50) r.fail('expected a non-final sub type');
    skipSubType(r);
    return;
  }
  if (b === 0x4e) {
    r.u8();
    const n = r.count('rec group member');
    for (let i = 0; i < n; i++) skipSubType(r);
    return;
  }
  skipSubType(r);
}

/** Index-space bookkeeping shared by components and type declarators. */
interface ScopeCounts {
  types: TypeEntry[];
  coreTypeCount: number;
}

function readValRef(r: Reader, scope: ScopeCounts): ValRef {
  const b = r.peek();
  const prim = PRIMITIVES[b];
  if (prim) {
    r.u8();
    return prim;
  }
  const at = r.pos;
  const idx = r.s33();
  if (idx < 0) r.fail(`unknown value type 0x${b.toString(16)}`, at);
  return check(r, idx, scope.types.length, 'type');
}

/** Whether `t` is `char`, directly or through a defined type of this scope that names it. */
function isChar(t: ValRef | null, scope: ScopeCounts): boolean {
  if (t === 'char') return true;
  if (typeof t !== 'number') return false;
  const e = scope.types[t];
  return e?.kind === 'defined' && e.def.kind === 'primitive' && e.def.name === 'char';
}

function readOptValRef(r: Reader, scope: ScopeCounts): ValRef | null {
  const b = r.u8();
  if (b === 0x00) return null;
  if (b === 0x01) return readValRef(r, scope);
  return r.fail(`bad option flag 0x${b.toString(16)}`);
}

function readLabels(r: Reader, what: string): string[] {
  const n = r.count(what);
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const l = r.name();
    if (seen.has(l)) r.fail(`duplicate ${what} "${l}"`);
    seen.add(l);
    out.push(l);
  }
  return out;
}

function readDefinedValType(r: Reader, b: number, scope: ScopeCounts): DefinedValType {
  switch (b) {
    case 0x72: {
      const n = r.count('record field');
      if (n === 0) r.fail('record with no fields');
      const fields = [];
      for (let i = 0; i < n; i++) fields.push({ name: r.name(), type: readValRef(r, scope) });
      return { kind: 'record', fields };
    }
    case 0x71: {
      const n = r.count('variant case');
      if (n === 0) r.fail('variant with no cases');
      const cases = [];
      for (let i = 0; i < n; i++) {
        const name = r.name();
        const type = readOptValRef(r, scope);
        const refines = r.u8();
        if (refines === 0x01) r.u32(); // an old encoding's `refines` index: ignored
        else if (refines !== 0x00) r.fail('bad variant case terminator');
        cases.push({ name, type });
      }
      return { kind: 'variant', cases };
    }
    case 0x70: return { kind: 'list', elem: readValRef(r, scope), length: null };
    case 0x67: {
      const elem = readValRef(r, scope);
      const length = r.u32();
      if (length === 0) r.fail('fixed-length list of length 0');
      // the spec caps every type at 2^28 bytes; beyond a few thousand elements we refuse
      if (length > MAX_FIXED_LIST) throw new IsowasmError('UNSUPPORTED', `fixed-length lists longer than ${MAX_FIXED_LIST} elements are not supported (this one has ${length})`);
      return { kind: 'list', elem, length };
    }
    case 0x6f: {
      const n = r.count('tuple element');
      if (n === 0) r.fail('tuple with no elements');
      const types: ValRef[] = [];
      for (let i = 0; i < n; i++) types.push(readValRef(r, scope));
      return { kind: 'tuple', types };
    }
    case 0x6e: {
      const names = readLabels(r, 'flag');
      if (names.length === 0 || names.length > 32) r.fail(`flags must have 1 to 32 labels, not ${names.length}`);
      return { kind: 'flags', names };
    }
    case 0x6d: {
      const names = readLabels(r, 'enum case');
      if (names.length === 0) r.fail('enum with no cases');
      return { kind: 'enum', names };
    }
    case 0x6b: return { kind: 'option', type: readValRef(r, scope) };
    case 0x6a: return { kind: 'result', ok: readOptValRef(r, scope), err: readOptValRef(r, scope) };
    case 0x69: return { kind: 'own', resource: check(r, r.u32(), scope.types.length, 'type') };
    case 0x68: return { kind: 'borrow', resource: check(r, r.u32(), scope.types.length, 'type') };
    case 0x66: {
      const at = r.pos;
      const type = readOptValRef(r, scope);
      // the specification's validation (component-model#607): a stream of chars is not valid yet
      if (isChar(type, scope)) r.fail('`stream<char>` is not valid (a stream of chars is reserved; use stream<u8> or stream<string>)', at);
      return { kind: 'stream', type };
    }
    case 0x65: return { kind: 'future', type: readOptValRef(r, scope) };
    case 0x63: return { kind: 'map', key: readValRef(r, scope), value: readValRef(r, scope) };
    default: return r.fail(`unknown type constructor 0x${b.toString(16)}`, r.pos - 1);
  }
}

function readFuncType(r: Reader, scope: ScopeCounts, async: boolean): FuncTypeDef {
  const n = r.count('parameter');
  const params = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = r.name();
    if (seen.has(name)) r.fail(`duplicate parameter "${name}"`);
    seen.add(name);
    params.push({ name, type: readValRef(r, scope) });
  }
  const k = r.u8();
  if (k === 0x00) return { params, result: readValRef(r, scope), namedResults: null, async };
  if (k !== 0x01) r.fail('bad result list');
  const m = r.count('result');
  if (m === 0) return { params, result: null, namedResults: null, async };
  const named = [];
  for (let i = 0; i < m; i++) named.push({ name: r.name(), type: readValRef(r, scope) });
  return { params, result: null, namedResults: named, async };
}

function readTypeBound(r: Reader, scope: ScopeCounts): { eq: number } | 'sub-resource' {
  const b = r.u8();
  if (b === 0x00) return { eq: check(r, r.u32(), scope.types.length, 'type') };
  if (b === 0x01) return 'sub-resource';
  return r.fail(`bad type bound 0x${b.toString(16)}`);
}

interface ExternScope extends ScopeCounts {
  funcCount(): number;
  instanceCount(): number;
  componentCount(): number;
  coreModuleCount(): number;
}

function readExternType(r: Reader, scope: ExternScope): ExternType {
  const k = r.u8();
  switch (k) {
    case 0x00: {
      if (r.u8() !== 0x11) r.fail('core extern type must be a module');
      return { sort: 'core-module', coreType: check(r, r.u32(), scope.coreTypeCount, 'core type') };
    }
    case 0x01: return { sort: 'func', type: expectType(r, scope, 'func') };
    case 0x02: {
      const b = r.u8();
      if (b === 0x00) { r.u32(); return { sort: 'value', type: null }; }
      if (b === 0x01) return { sort: 'value', type: readValRef(r, scope) };
      return r.fail('bad value bound');
    }
    case 0x03: return { sort: 'type', bound: readTypeBound(r, scope) };
    case 0x04: return { sort: 'component', type: expectType(r, scope, 'component') };
    case 0x05: return { sort: 'instance', type: expectType(r, scope, 'instance') };
    default: return r.fail(`unknown extern type 0x${k.toString(16)}`);
  }
}

/** Reads a type index and checks it names a type of the given kind where that is known statically. */
function expectType(r: Reader, scope: ScopeCounts, kind: 'func' | 'instance' | 'component'): number {
  const at = r.pos;
  const idx = check(r, r.u32(), scope.types.length, 'type');
  const found = staticKind({ types: scope.types, parent: null }, idx);
  if (found !== null && found !== kind) r.fail(`type ${idx} is a ${found} type, expected a ${kind} type`, at);
  return idx;
}

/** The function type `idx` names when it can be known without instantiating, else null. */
function staticFuncType(scope: TypeScope, idx: number): FuncTypeDef | null {
  const t = staticEntry(scope, idx);
  return t?.kind === 'func' ? t.def : null;
}

/** The function type of function `idx` of `m` when it is known without instantiating (an import's or a lift's), else null. */
function staticFuncTypeOf(m: ComponentModel, idx: number): FuncTypeDef | null {
  for (let guard = 0; guard < 1000; guard++) {
    const f = m.funcs[idx];
    if (!f) return null;
    switch (f.kind) {
      case 'import': case 'lift': return staticFuncType({ types: m.types, parent: null }, f.type);
      case 'ref': idx = f.index; continue;
      default: return null;
    }
  }
  return null;
}

/**
 * The type entry `idx` stands for when it can be known without instantiating (outer aliases,
 * references and `eq` bounds followed), else null.
 */
function staticEntry(scope: TypeScope, idx: number): TypeEntry | null {
  for (let guard = 0; guard < 1000; guard++) {
    const t = scope.types[idx];
    if (!t) return null;
    switch (t.kind) {
      case 'outer': scope = t.scope; idx = t.index; continue;
      case 'ref': idx = t.index; continue;
      case 'abstract':
        if (t.bound === 'sub-resource') return t;
        idx = t.bound.eq;
        continue;
      default: return t;
    }
  }
  return null;
}

/** The kind of a type entry when it can be known without instantiating, else null. */
export function staticKind(scope: TypeScope, idx: number): string | null {
  const t = staticEntry(scope, idx);
  switch (t?.kind) {
    case 'defined': return 'value';
    case 'func': case 'instance': case 'component': case 'resource': return t.kind;
    case 'abstract': return 'resource';
    default: return null;
  }
}

/** The effective size and depth of every type entry measured so far (see `LoaderLimits`). */
const typeInfos = new WeakMap<TypeEntry, TypeInfo>();

/**
 * The size and depth of type `index` of `scope`. Definitions are measured when they are read
 * (their parts, which come earlier, already were), so this only follows aliases, in a loop:
 * nothing here recurses, whatever the binary.
 */
function typeInfoAt(scope: TypeScope, index: number): TypeInfo {
  const chain: TypeEntry[] = [];
  let info: TypeInfo = LEAF;
  for (;;) {
    const e = scope.types[index];
    if (!e) break;
    const known = typeInfos.get(e);
    if (known) {
      info = known;
      break;
    }
    // every alias points to an earlier index or to an enclosing scope: the loop ends
    if (e.kind === 'ref') index = e.index;
    else if (e.kind === 'outer') { scope = e.scope; index = e.index; }
    else if (e.kind === 'abstract' && e.bound !== 'sub-resource') index = e.bound.eq;
    else break; // resources, type imports and types of instances: leaves until linked
    chain.push(e);
  }
  for (const e of chain) typeInfos.set(e, info);
  return info;
}

function refInfo(scope: TypeScope, ref: ValRef | null): TypeInfo | null {
  if (ref === null) return null;
  return typeof ref === 'string' ? LEAF : typeInfoAt(scope, ref);
}

function definedInfo(scope: TypeScope, d: DefinedValType): TypeInfo {
  const ref = (x: ValRef | null): TypeInfo | null => refInfo(scope, x);
  switch (d.kind) {
    case 'primitive': case 'flags': case 'enum': case 'own': case 'borrow': return LEAF;
    case 'record': return combine(d.fields.map((f) => ref(f.type)));
    case 'variant': return combine(d.cases.map((c) => ref(c.type)));
    case 'list': return combine([ref(d.elem)], d.length ?? 1);
    case 'tuple': return combine(d.types.map(ref));
    case 'option': return combine([ref(d.type)]);
    case 'result': return combine([ref(d.ok), ref(d.err)]);
    case 'stream': case 'future': return combine([ref(d.type)]);
    case 'map': return combine([ref(d.key), ref(d.value)]);
  }
}

function externInfo(scope: TypeScope, t: ExternType): TypeInfo {
  switch (t.sort) {
    case 'func': case 'instance': case 'component': return typeInfoAt(scope, t.type);
    case 'type': return t.bound === 'sub-resource' ? LEAF : typeInfoAt(scope, t.bound.eq);
    case 'value': return refInfo(scope, t.type) ?? LEAF;
    case 'core-module': return LEAF;
  }
}

/** Measures a type definition read at byte `at` of `scope` and refuses it beyond the limits. */
function measure(entry: TypeEntry, scope: TypeScope, limits: ResolvedLimits, at: number): TypeEntry {
  let info: TypeInfo;
  switch (entry.kind) {
    case 'defined': info = definedInfo(scope, entry.def); break;
    case 'func': {
      const d = entry.def;
      info = combine([...d.params.map((p) => refInfo(scope, p.type)), refInfo(scope, d.result), ...(d.namedResults ?? []).map((x) => refInfo(scope, x.type))]);
      break;
    }
    case 'instance': case 'component': {
      const d = entry.decl;
      info = combine([...d.imports, ...d.exports].map((x) => externInfo(d, x.type)));
      break;
    }
    default: return entry;
  }
  checkTypeInfo(info, limits, `type ${scope.types.length} (at byte ${at})`);
  typeInfos.set(entry, info);
  return entry;
}

/** Parses a `componenttype` or `instancetype` body into a declarator scope. */
function readDeclScope(r: Reader, kind: 'instance' | 'component', parent: TypeScope, depth: number, limits: ResolvedLimits): DeclScope {
  if (depth > MAX_NESTING) r.fail(`types nested deeper than ${MAX_NESTING} levels`);
  const d: DeclScope = {
    kind, types: [], parent, imports: [], exports: [], coreTypeCount: 0, funcCount: 0,
    componentCount: 0, declInstances: [],
  };
  let coreModules = 0;
  const scope: ExternScope = {
    types: d.types,
    get coreTypeCount() { return d.coreTypeCount; },
    funcCount: () => d.funcCount,
    instanceCount: () => d.declInstances.length,
    componentCount: () => d.componentCount,
    coreModuleCount: () => coreModules,
  };
  const names = new Set<string>();
  const n = r.count('declaration');
  for (let i = 0; i < n; i++) {
    const tag = r.u8();
    switch (tag) {
      case 0x00: skipCoreType(r, 0); d.coreTypeCount++; break;
      case 0x01: d.types.push(readTypeDef(r, d, depth + 1, limits)); break;
      case 0x02: {
        const sort = readSort(r);
        const how = r.u8();
        if (how === 0x00) {
          const inst = check(r, r.u32(), d.declInstances.length, 'instance');
          const name = r.name();
          if (sort === 'type') d.types.push({ kind: 'alias-export', instance: inst, name });
          else if (sort === 'instance') d.declInstances.push({ type: -1, name: `${inst}:${name}` });
          else r.fail('declarators may alias only types and instances from instances');
        } else if (how === 0x02) {
          const count = r.u32();
          const idx = r.u32();
          let target: TypeScope = d;
          for (let c = 0; c < count; c++) {
            const p = target.parent;
            if (!p) r.fail(`outer alias count ${count} exceeds the enclosing scopes`);
            target = p;
          }
          if (sort === 'type') d.types.push({ kind: 'outer', scope: target, index: check(r, idx, target.types.length, 'outer type') });
          else if (typeof sort === 'object' && sort.core === 'type') d.coreTypeCount++;
          else r.fail('declarators may alias only types from outer scopes');
        } else r.fail('declarators may not alias core instance exports');
        break;
      }
      case 0x03:
      case 0x04: {
        if (tag === 0x03 && kind !== 'component') r.fail('instance types may not contain imports');
        const name = readExternName(r);
        const type = readExternType(r, scope);
        const key = `${tag}:${name}`;
        if (names.has(key)) r.fail(`duplicate ${tag === 3 ? 'import' : 'export'} "${name}" in a type`);
        names.add(key);
        (tag === 0x03 ? d.imports : d.exports).push({ name, type });
        switch (type.sort) {
          case 'type': d.types.push({ kind: 'abstract', name, bound: type.bound }); break;
          case 'func': d.funcCount++; break;
          case 'instance': d.declInstances.push({ type: type.type, name }); break;
          case 'component': d.componentCount++; break;
          case 'core-module': coreModules++; break;
          case 'value': break;
        }
        break;
      }
      default: r.fail(`unknown ${kind} type declaration 0x${tag.toString(16)}`);
    }
  }
  return d;
}

function readTypeDef(r: Reader, scope: TypeScope & ScopeCounts, depth: number, limits: ResolvedLimits): TypeEntry {
  const at = r.pos;
  return measure(readTypeDefBody(r, scope, depth, limits), scope, limits, at);
}

function readTypeDefBody(r: Reader, scope: TypeScope & ScopeCounts, depth: number, limits: ResolvedLimits): TypeEntry {
  const b = r.u8();
  switch (b) {
    case 0x40: return { kind: 'func', def: readFuncType(r, scope, false) };
    case 0x43: return { kind: 'func', def: readFuncType(r, scope, true) };
    case 0x41: return { kind: 'component', decl: readDeclScope(r, 'component', scope, depth, limits) };
    case 0x42: return { kind: 'instance', decl: readDeclScope(r, 'instance', scope, depth, limits) };
    case 0x3f:
    case 0x3e: {
      const rep = r.u8();
      if (rep !== 0x7f && rep !== 0x7e) r.fail('resource representation must be i32 or i64');
      const hasDtor = r.u8();
      let dtor: number | null = null;
      if (!('coreFuncs' in scope)) r.fail('resource types can only be defined in a component, not inside a type');
      if (hasDtor === 0x01) dtor = check(r, r.u32(), (scope as ComponentModel).coreFuncs.length, 'destructor core func');
      else if (hasDtor !== 0x00) r.fail('bad resource destructor flag');
      if (b === 0x3e && r.u8() === 0x01) r.u32(); // async resource callback
      return { kind: 'resource', rep: rep === 0x7f ? 'i32' : 'i64', dtor, async: b === 0x3e };
    }
    default: {
      const prim = PRIMITIVES[b];
      if (prim) return { kind: 'defined', def: { kind: 'primitive', name: prim } };
      return { kind: 'defined', def: readDefinedValType(r, b, scope) };
    }
  }
}

class ComponentParser {
  private readonly names = { imports: new Set<string>(), exports: new Set<string>() };
  /** the measure of each instance, in step with `m.instances` */
  private readonly instInfo: TypeInfo[] = [];

  constructor(
    private readonly m: ComponentModel,
    private readonly depth: number,
    private readonly state: ParseState,
    private readonly all: { bytes: Uint8Array; id: number }[],
  ) {}

  private get scope(): ExternScope {
    const m = this.m;
    return {
      types: m.types,
      get coreTypeCount() { return m.coreTypeCount; },
      funcCount: () => m.funcs.length,
      instanceCount: () => m.instances.length,
      componentCount: () => m.components.length,
      coreModuleCount: () => m.coreModules.length,
    };
  }

  section(id: number, r: Reader, at: number): void {
    switch (id) {
      case 0: r.name(); r.pos = r.end; return; // custom section
      case 1: return this.coreModule(r);
      case 2: return this.vec(r, 'core instance', () => this.coreInstance(r));
      case 3: return this.vec(r, 'core type', () => { skipCoreType(r, 0); this.m.coreTypeCount++; });
      case 4: {
        const nested = parseComponentAt(r, this.m, this.depth + 1, this.state, this.all);
        this.m.components.push({ kind: 'defined', model: nested });
        return;
      }
      case 5: return this.vec(r, 'instance', () => this.instance(r));
      case 6: return this.vec(r, 'alias', () => this.alias(r));
      case 7: return this.vec(r, 'type', () => { this.m.types.push(readTypeDef(r, this.m, 0, this.state.limits)); });
      case 8: return this.vec(r, 'canon', () => this.canon(r));
      case 9: return this.start(r);
      case 10: return this.vec(r, 'import', () => this.import(r));
      case 11: return this.vec(r, 'export', () => this.export(r));
      case 12: throw new IsowasmError('UNSUPPORTED', 'component value definitions (section 12) are not supported');
      default: r.fail(`unknown section id ${id}`, at);
    }
  }

  /** Adds an instance with its measure (see `LoaderLimits`); returns its index. */
  private pushInstance(e: InstanceEntry, info: TypeInfo, r: Reader): number {
    checkTypeInfo(info, this.state.limits, `instance ${this.m.instances.length} (at byte ${r.pos})`);
    this.instInfo.push(info);
    return this.m.instances.push(e) - 1;
  }

  /** The measure of an item an instance exports: its type's for functions, types and instances. */
  private itemInfo(sort: Sort, index: number): TypeInfo {
    const m = this.m;
    if (sort === 'instance') return this.instInfo[index]!;
    if (sort === 'type') return typeInfoAt(m, index);
    if (sort === 'func') {
      let f = m.funcs[index];
      if (f?.kind === 'ref') f = m.funcs[f.index];
      if (f?.kind === 'lift' || f?.kind === 'import') return typeInfoAt(m, f.type);
    }
    return LEAF;
  }

  private vec(r: Reader, what: string, item: () => void): void {
    const n = r.count(what);
    if (n > MAX_ITEMS) r.fail(`too many ${what} entries (${n})`);
    for (let i = 0; i < n; i++) item();
  }

  private coreModule(r: Reader): void {
    const bytes = r.take(r.end - r.pos);
    if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) {
      r.fail('embedded core module has a bad header', r.pos - bytes.length);
    }
    const id = this.state.nextModuleId++;
    this.m.coreModules.push({ kind: 'defined', bytes, id });
    this.all.push({ bytes, id });
    this.state.onModule?.({ bytes, id });
  }

  private coreInstance(r: Reader): void {
    const m = this.m;
    const k = r.u8();
    if (k === 0x00) {
      const module = check(r, r.u32(), m.coreModules.length, 'core module');
      const n = r.count('instantiate argument');
      const args = [];
      for (let i = 0; i < n; i++) {
        const name = r.name();
        if (r.u8() !== 0x12) r.fail('core instantiate arguments must be instances');
        args.push({ name, instance: check(r, r.u32(), m.coreInstances.length, 'core instance') });
      }
      m.coreInstances.push({ kind: 'instantiate', module, args });
      m.steps.push({ space: 'core-instance', index: m.coreInstances.length - 1 });
    } else if (k === 0x01) {
      const n = r.count('inline export');
      const items = [];
      for (let i = 0; i < n; i++) {
        const name = r.name();
        const sort = readCoreSort(r);
        items.push({ name, sort, index: this.checkCore(r, sort, r.u32()) });
      }
      m.coreInstances.push({ kind: 'exports', items });
    } else r.fail(`unknown core instance form 0x${k.toString(16)}`);
  }

  private checkCore(r: Reader, sort: CoreSort, idx: number): number {
    const m = this.m;
    const len: Record<CoreSort, number> = {
      func: m.coreFuncs.length, table: m.coreTables.length, memory: m.coreMemories.length,
      global: m.coreGlobals.length, tag: m.coreTags.length, type: m.coreTypeCount,
      module: m.coreModules.length, instance: m.coreInstances.length,
    };
    return check(r, idx, len[sort], `core ${sort}`);
  }

  private checkSort(r: Reader, sort: Sort, idx: number): number {
    if (typeof sort === 'object') return this.checkCore(r, sort.core, idx);
    const m = this.m;
    const len: Record<ComponentSort, number> = {
      func: m.funcs.length, value: m.valueCount, type: m.types.length,
      component: m.components.length, instance: m.instances.length,
    };
    return check(r, idx, len[sort], sort);
  }

  private instance(r: Reader): void {
    const m = this.m;
    const k = r.u8();
    if (k === 0x00) {
      const component = check(r, r.u32(), m.components.length, 'component');
      const n = r.count('instantiate argument');
      const args = [];
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const name = r.name();
        if (seen.has(name)) r.fail(`duplicate instantiate argument "${name}"`);
        seen.add(name);
        const sort = readSort(r);
        args.push({ name, sort, index: this.checkSort(r, sort, r.u32()) });
      }
      this.pushInstance({ kind: 'instantiate', component, args }, LEAF, r);
      m.steps.push({ space: 'instance', index: m.instances.length - 1 });
    } else if (k === 0x01) {
      const n = r.count('inline export');
      const items = [];
      for (let i = 0; i < n; i++) {
        const name = readExternName(r);
        const sort = readSort(r);
        items.push({ name, sort, index: this.checkSort(r, sort, r.u32()) });
      }
      // an instance's exports are spelled out for JS and descriptions: measured like a type
      this.pushInstance({ kind: 'exports', items }, combine(items.map((x) => this.itemInfo(x.sort, x.index))), r);
    } else r.fail(`unknown instance form 0x${k.toString(16)}`);
  }

  private alias(r: Reader): void {
    const m = this.m;
    const sort = readSort(r);
    const how = r.u8();
    if (how === 0x00) {
      const instance = check(r, r.u32(), m.instances.length, 'instance');
      const name = r.name();
      this.pushAliasExport(r, sort, instance, name);
    } else if (how === 0x01) {
      if (typeof sort !== 'object') r.fail('core export aliases need a core sort');
      const instance = check(r, r.u32(), m.coreInstances.length, 'core instance');
      const name = r.name();
      const e = { kind: 'export' as const, instance, name };
      switch (sort.core) {
        case 'func': m.coreFuncs.push(e); break;
        case 'table': m.coreTables.push(e); break;
        case 'memory': m.coreMemories.push(e); break;
        case 'global': m.coreGlobals.push(e); break;
        case 'tag': m.coreTags.push(e); break;
        default: r.fail(`core instances can't export a ${sort.core}`);
      }
    } else if (how === 0x02) {
      const count = r.u32();
      const index = r.u32();
      let target: ComponentModel = m;
      for (let c = 0; c < count; c++) {
        if (!target.parent) r.fail(`outer alias count ${count} exceeds the enclosing components`);
        target = target.parent;
      }
      if (sort === 'type') {
        m.types.push({ kind: 'outer', scope: target, index: check(r, index, target.types.length, 'outer type') });
      } else if (sort === 'component') {
        m.components.push({ kind: 'outer', model: target, index: check(r, index, target.components.length, 'outer component') });
      } else if (typeof sort === 'object' && sort.core === 'module') {
        m.coreModules.push({ kind: 'outer', model: target, index: check(r, index, target.coreModules.length, 'outer core module') });
      } else if (typeof sort === 'object' && sort.core === 'type') {
        check(r, index, target.coreTypeCount, 'outer core type');
        m.coreTypeCount++;
      } else r.fail('outer aliases may only name types, components and core modules');
    } else r.fail(`unknown alias target 0x${how.toString(16)}`);
  }

  private pushAliasExport(r: Reader, sort: Sort, instance: number, name: string): void {
    const m = this.m;
    const e = { kind: 'alias-export' as const, instance, name };
    if (typeof sort === 'object') {
      if (sort.core === 'module') m.coreModules.push(e);
      else r.fail(`component instances can't export a core ${sort.core}`);
      return;
    }
    switch (sort) {
      case 'func': m.funcs.push(e); break;
      case 'type': m.types.push(e); break;
      // linking resolves an alias by resolving its instance first: count that chain as depth
      case 'instance': this.pushInstance(e, { size: 1, depth: this.instInfo[instance]!.depth + 1 }, r); break;
      case 'component': m.components.push(e); break;
      case 'value': m.valueCount++; break;
    }
  }

  private readOptions(r: Reader): CanonOptions {
    const m = this.m;
    const o: CanonOptions = { encoding: 'utf8', memory: null, realloc: null, postReturn: null, async: false, callback: null };
    const n = r.count('canon option');
    let sawEncoding = false;
    for (let i = 0; i < n; i++) {
      const k = r.u8();
      const dup = (what: string): never => r.fail(`duplicate canon option ${what}`);
      switch (k) {
        case 0x00: case 0x01: case 0x02:
          if (sawEncoding) dup('string-encoding');
          sawEncoding = true;
          o.encoding = k === 0 ? 'utf8' : k === 1 ? 'utf16' : 'latin1+utf16';
          break;
        case 0x03: if (o.memory !== null) dup('memory'); o.memory = check(r, r.u32(), m.coreMemories.length, 'core memory'); break;
        case 0x04: if (o.realloc !== null) dup('realloc'); o.realloc = check(r, r.u32(), m.coreFuncs.length, 'core func'); break;
        case 0x05: if (o.postReturn !== null) dup('post-return'); o.postReturn = check(r, r.u32(), m.coreFuncs.length, 'core func'); break;
        case 0x06: o.async = true; break;
        case 0x07: if (o.callback !== null) dup('callback'); o.callback = check(r, r.u32(), m.coreFuncs.length, 'core func'); break;
        default: r.fail(`unknown canon option 0x${k.toString(16)}`);
      }
    }
    return o;
  }

  private canon(r: Reader): void {
    const m = this.m;
    const op = r.u8();
    const builtin = (name: string): void => { m.coreFuncs.push({ kind: 'builtin', name }); };
    const typeIdx = (): number => check(r, r.u32(), m.types.length, 'type');
    const flagValue = (): boolean => { const b = r.u8(); if (b > 1) r.fail('bad flag'); return b === 1; };
    const flag = (): void => { flagValue(); };
    switch (op) {
      case 0x00: {
        if (r.u8() !== 0x00) r.fail('canon lift must lift a core func');
        const coreFunc = check(r, r.u32(), m.coreFuncs.length, 'core func');
        const options = this.readOptions(r);
        const at = r.pos;
        const type = expectType(r, m, 'func');
        // the specification's validation: only an async function type is lifted or lowered async
        if (options.async && staticFuncType({ types: m.types, parent: null }, type)?.async === false) r.fail(ASYNC_NEEDS_ASYNC_TYPE, at);
        m.funcs.push({ kind: 'lift', coreFunc, options, type });
        return;
      }
      case 0x01: {
        if (r.u8() !== 0x00) r.fail('canon lower must lower a func');
        const at = r.pos;
        const func = check(r, r.u32(), m.funcs.length, 'func');
        const options = this.readOptions(r);
        if (options.async && staticFuncTypeOf(m, func)?.async === false) r.fail(ASYNC_NEEDS_ASYNC_TYPE, at);
        m.coreFuncs.push({ kind: 'lower', func, options });
        return;
      }
      case 0x02: m.coreFuncs.push({ kind: 'resource.new', type: typeIdx() }); return;
      case 0x03: m.coreFuncs.push({ kind: 'resource.drop', type: typeIdx() }); return;
      case 0x04: m.coreFuncs.push({ kind: 'resource.rep', type: typeIdx() }); return;
      case 0x07: typeIdx(); builtin('resource.drop async'); return;
      case 0x08: builtin('backpressure.set'); return;
      case 0x24: builtin('backpressure.inc'); return;
      case 0x25: builtin('backpressure.dec'); return;
      case 0x09: {
        const k = r.u8();
        let result: ValRef | null = null;
        if (k === 0x00) result = readValRef(r, m);
        else if (k === 0x01) {
          // the older form: a list of named results, of which only the empty one is still valid
          const n = r.count('result');
          if (n > 0) r.fail('task.return with named results (an older encoding) is not supported');
        } else r.fail('bad result list');
        m.coreFuncs.push({ kind: 'builtin', name: 'task.return', result, options: this.readOptions(r) });
        return;
      }
      case 0x05: builtin('task.cancel'); return;
      case 0x0a: case 0x0b: {
        // the slot's type (i32 is the only one) and its index
        if (r.u8() !== 0x7f) r.fail(`${op === 0x0a ? 'context.get' : 'context.set'} of a type other than i32`);
        const index = r.u32();
        m.coreFuncs.push({ kind: 'builtin', name: op === 0x0a ? 'context.get' : 'context.set', index });
        return;
      }
      case 0x06: m.coreFuncs.push({ kind: 'builtin', name: 'subtask.cancel', async: flagValue() }); return;
      case 0x0d: builtin('subtask.drop'); return;
      case 0x0e: case 0x15: m.coreFuncs.push({ kind: 'builtin', name: op === 0x0e ? 'stream.new' : 'future.new', type: typeIdx() }); return;
      case 0x0f: case 0x10: case 0x16: case 0x17: {
        const type = typeIdx();
        const name = ({ 0x0f: 'stream.read', 0x10: 'stream.write', 0x16: 'future.read', 0x17: 'future.write' } as Record<number, string>)[op]!;
        m.coreFuncs.push({ kind: 'builtin', name, type, options: this.readOptions(r) });
        return;
      }
      case 0x11: case 0x12: case 0x18: case 0x19: {
        const type = typeIdx();
        const async = flagValue();
        const name = ({ 0x11: 'stream.cancel-read', 0x12: 'stream.cancel-write', 0x18: 'future.cancel-read', 0x19: 'future.cancel-write' } as Record<number, string>)[op]!;
        m.coreFuncs.push({ kind: 'builtin', name, type, async });
        return;
      }
      case 0x13: case 0x14: case 0x1a: case 0x1b: {
        const name = ({ 0x13: 'stream.drop-readable', 0x14: 'stream.drop-writable', 0x1a: 'future.drop-readable', 0x1b: 'future.drop-writable' } as Record<number, string>)[op]!;
        m.coreFuncs.push({ kind: 'builtin', name, type: typeIdx() });
        return;
      }
      case 0x1c: case 0x1d:
        m.coreFuncs.push({ kind: 'builtin', name: op === 0x1c ? 'error-context.new' : 'error-context.debug-message', options: this.readOptions(r) });
        return;
      case 0x1e: builtin('error-context.drop'); return;
      case 0x1f: builtin('waitable-set.new'); return;
      case 0x20: case 0x21: {
        // `async` here is the `cancellable` flag
        const cancellable = flagValue();
        const memory = check(r, r.u32(), m.coreMemories.length, 'core memory');
        m.coreFuncs.push({ kind: 'builtin', name: op === 0x20 ? 'waitable-set.wait' : 'waitable-set.poll', index: memory, async: cancellable });
        return;
      }
      case 0x22: builtin('waitable-set.drop'); return;
      case 0x23: builtin('waitable.join'); return;
      case 0x26: builtin('thread.index'); return;
      case 0x27: r.u32(); check(r, r.u32(), m.coreTables.length, 'core table'); builtin('thread.new-indirect'); return;
      case 0x28: builtin('thread.resume-later'); return;
      case 0x0c: m.coreFuncs.push({ kind: 'builtin', name: 'thread.yield', async: flagValue() }); return;
      case 0x29: m.coreFuncs.push({ kind: 'builtin', name: 'thread.suspend', async: flagValue() }); return;
      case 0x2a: case 0x2b: case 0x2c: case 0x2d: flag(); builtin('thread.switch'); return;
      case 0x40: flag(); r.u32(); builtin('thread.spawn-ref'); return;
      case 0x41: flag(); r.u32(); check(r, r.u32(), m.coreTables.length, 'core table'); builtin('thread.spawn-indirect'); return;
      case 0x42: flag(); builtin('thread.available-parallelism'); return;
      default: r.fail(`unknown canon opcode 0x${op.toString(16)}`);
    }
  }

  private start(r: Reader): void {
    const func = check(r, r.u32(), this.m.funcs.length, 'func');
    const n = r.count('start argument');
    for (let i = 0; i < n; i++) check(r, r.u32(), this.m.valueCount, 'value');
    const results = r.u32();
    this.m.valueCount += results;
    this.m.steps.push({ space: 'start', func });
  }

  private import(r: Reader): void {
    const m = this.m;
    const name = readExternName(r);
    if (this.names.imports.has(name)) r.fail(`duplicate import "${name}"`);
    this.names.imports.add(name);
    const type = readExternType(r, this.scope);
    let index: number;
    switch (type.sort) {
      case 'func': index = m.funcs.push({ kind: 'import', name, type: type.type }) - 1; break;
      case 'instance': index = this.pushInstance({ kind: 'import', name, type: type.type }, typeInfoAt(m, type.type), r); break;
      case 'component': index = m.components.push({ kind: 'import', name, type: type.type }) - 1; break;
      case 'type': index = m.types.push({ kind: 'abstract', name, bound: type.bound }) - 1; break;
      case 'core-module': index = m.coreModules.push({ kind: 'import', name }) - 1; break;
      case 'value': index = m.valueCount++; break;
    }
    m.imports.push({ name, type, index });
  }

  private export(r: Reader): void {
    const m = this.m;
    const name = readExternName(r);
    if (this.names.exports.has(name)) r.fail(`duplicate export "${name}"`);
    this.names.exports.add(name);
    const sort = readSort(r);
    const index = this.checkSort(r, sort, r.u32());
    const b = r.u8();
    let type: ExternType | null = null;
    if (b === 0x01) type = readExternType(r, this.scope);
    else if (b !== 0x00) r.fail('bad export type flag');
    m.exports.push({ name, sort, index, type });
    // an export adds a new index for the exported item; a ref to a ref names the first item, so
    // that resolving one never walks a chain of them
    const target = (entries: { kind: string; index?: number }[]): number => {
      const e = entries[index];
      return e?.kind === 'ref' ? e.index! : index;
    };
    const ref = (entries: { kind: string; index?: number }[]) => ({ kind: 'ref' as const, index: target(entries) });
    if (typeof sort === 'object') {
      if (sort.core === 'module') m.coreModules.push(ref(m.coreModules));
      else r.fail(`components can't export a core ${sort.core}`);
      return;
    }
    switch (sort) {
      case 'func': m.funcs.push(ref(m.funcs)); break;
      case 'type': m.types.push(ref(m.types)); break;
      case 'instance': this.pushInstance(ref(m.instances), this.instInfo[index]!, r); break;
      case 'component': m.components.push(ref(m.components)); break;
      case 'value': m.valueCount++; break;
    }
  }
}
