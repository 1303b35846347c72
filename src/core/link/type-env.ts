/**
 * Type scopes while linking: binds a component's type indices to runtime types (value types,
 * function types, resource types), across nested components and outer aliases.
 */
import {
  type FuncType, type ValType, camelCase, prim, ResourceType, witText,
} from '../abi/types.js';
import { LEAF, type ResolvedLimits, type TypeInfo, checkTypeInfo, combine, limitError } from '../binary/limits.js';
import type { ComponentModel, DeclScope, TypeEntry, TypeScope, ValRef } from '../binary/model.js';
import { IsowasmError } from '../errors.js';
import { ObjectMemo } from '../abi/memo.js';

/** The type of an instance or component import/export: a declarator with the env it closes over. */
export interface DeclType {
  readonly kind: 'instance-type' | 'component-type';
  readonly decl: DeclScope;
  readonly env: TypeEnv;
}

/** What a type index stands for at run time. */
export type RuntimeType = ValType | FuncType | ResourceType | DeclType;

/**
 * Supplies the entries a scope can't resolve by itself: resource definitions (fresh per
 * instance), imported types and types aliased from instances.
 */
export type Binder = (entry: TypeEntry & { kind: 'resource' | 'abstract' | 'alias-export' }, index: number, env: TypeEnv) => RuntimeType;

const staticCache = new WeakMap<TypeEntry, RuntimeType>();
const staticness = new WeakMap<TypeEntry, boolean>();
const interned = new Map<string, ValType | FuncType>();
const MAX_INTERNED = 20_000;

/**
 * The effective size and depth of each runtime value and function type, measured when it is made
 * from its parts. The parser measured each definition in its own scope; types reached through
 * instance exports and type imports are only known here, so they are measured again.
 */
const typeInfos = new ObjectMemo<object, TypeInfo>('typeInfo');

/** How many value and function types are being resolved inside one another right now (all envs). */
let resolvingDepth = 0;

/** The limits of the component a scope belongs to. */
function limitsOf(scope: TypeScope): ResolvedLimits {
  let s: TypeScope | null = scope;
  while (s && !('limits' in s)) s = s.parent;
  if (!s) throw new IsowasmError('INVALID_BINARY', 'a type scope outside any component');
  return (s as ComponentModel).limits;
}

/**
 * Resolves the type indices of one scope (a component instance, or a declarator bound for one
 * import) to runtime types. Entries that depend on nothing per-instance are resolved once per
 * process and shared, so their compiled codecs are shared too.
 */
export class TypeEnv {
  private readonly resolved: (RuntimeType | undefined)[] = [];
  private readonly resolving = new Set<number>();
  readonly limits: ResolvedLimits;
  /**
   * Whether structurally equal types share one object (the default, so that codecs are shared).
   * A description that names types turns it off (for the root env; inner envs inherit it): each
   * definition is then its own object, so two WIT types of the same shape keep their own names.
   */
  readonly shared: boolean;

  constructor(
    readonly scope: TypeScope,
    readonly parent: TypeEnv | null,
    private readonly binder: Binder,
    shared = true,
  ) {
    this.limits = parent?.limits ?? limitsOf(scope);
    this.shared = parent ? parent.shared : shared;
  }

  get(index: number): RuntimeType {
    const done = this.resolved[index];
    if (done) return done;
    // aliases (export refs, outer aliases, type imports bound to a type) are followed in a loop:
    // a chain of them is as long as the binary makes it, far beyond what recursion survives
    const path: [TypeEnv, number][] = [];
    let env: TypeEnv = this;
    let i = index;
    let t: RuntimeType | undefined;
    for (;;) {
      t = env.resolved[i];
      if (t) break;
      const entry = env.scope.types[i];
      if (!entry) throw new IsowasmError('INVALID_BINARY', `type index ${i} is out of range`);
      const alias = entry.kind === 'ref' || entry.kind === 'outer' || (entry.kind === 'abstract' && entry.bound !== 'sub-resource');
      if (!alias) {
        t = env.resolve(entry, i);
        break;
      }
      path.push([env, i]);
      // every alias points to an earlier index or to an enclosing scope: the loop ends
      if (entry.kind === 'ref') i = entry.index;
      else if (entry.kind === 'abstract' && entry.bound !== 'sub-resource') i = entry.bound.eq;
      else if (entry.kind === 'outer') {
        let outer: TypeEnv | null = env;
        while (outer && outer.scope !== entry.scope) outer = outer.parent;
        if (!outer) throw new IsowasmError('INVALID_BINARY', 'an outer type alias reaches a scope that is not enclosing');
        env = outer;
        i = entry.index;
      }
    }
    for (const [e, j] of path) e.resolved[j] = t;
    return t;
  }

  /** Resolves a definition (not an alias) of this scope. */
  private resolve(entry: TypeEntry, index: number): RuntimeType {
    const statik = this.shared && isStatic(this.scope, index);
    if (statik) {
      const s = staticCache.get(entry);
      if (s) return (this.resolved[index] = s);
    }
    if (this.resolving.has(index)) throw new IsowasmError('INVALID_BINARY', `type ${index} refers to itself`);
    // value and function types resolve their parts first: stop before the stack does
    const nests = entry.kind === 'defined' || entry.kind === 'func';
    if (nests && resolvingDepth >= this.limits.maxTypeDepth) {
      throw limitError('maxTypeDepth', this.limits.maxTypeDepth, `type ${index} is nested more than ${this.limits.maxTypeDepth} levels deep`);
    }
    this.resolving.add(index);
    if (nests) resolvingDepth++;
    try {
      const t = this.compute(entry, index);
      if (nests) measure(t as ValType | FuncType, this.limits, `type ${index}`);
      this.resolved[index] = t;
      if (statik) staticCache.set(entry, t);
      return t;
    } finally {
      this.resolving.delete(index);
      if (nests) resolvingDepth--;
    }
  }

  /** A value type reference (primitive or index) as a value type. */
  val(ref: ValRef): ValType {
    if (typeof ref === 'string') {
      if (ref === 'error-context') return { kind: 'error-context', text: 'error-context' };
      return prim(ref);
    }
    const t = this.get(ref);
    if (t instanceof ResourceType || t.kind === 'func' || t.kind === 'instance-type' || t.kind === 'component-type') {
      throw new IsowasmError('INVALID_BINARY', `type ${ref} is used as a value type but is a ${describeKind(t)}`);
    }
    return t as ValType;
  }

  resource(index: number): ResourceType {
    const t = this.get(index);
    if (!(t instanceof ResourceType)) throw new IsowasmError('INVALID_BINARY', `type ${index} is used as a resource but is a ${describeKind(t)}`);
    return t;
  }

  func(index: number): FuncType {
    const t = this.get(index);
    if (t instanceof ResourceType || t.kind !== 'func') throw new IsowasmError('INVALID_BINARY', `type ${index} is used as a function type but is a ${describeKind(t)}`);
    return t;
  }

  decl(index: number, kind: 'instance' | 'component'): DeclType {
    const t = this.get(index);
    if (t instanceof ResourceType || t.kind !== `${kind}-type`) throw new IsowasmError('INVALID_BINARY', `type ${index} is used as a ${kind} type but is a ${describeKind(t)}`);
    return t as DeclType;
  }

  private compute(entry: TypeEntry, index: number): RuntimeType {
    switch (entry.kind) {
      case 'defined': return this.defined(entry.def);
      case 'func': {
        const d = entry.def;
        let result: ValType | null = d.result === null ? null : this.val(d.result);
        if (d.namedResults) {
          result = d.namedResults.length === 1
            ? this.val(d.namedResults[0]!.type)
            : this.intern({ kind: 'record', fields: d.namedResults.map((r) => ({ name: r.name, key: camelCase(r.name), type: this.val(r.type) })) });
        }
        return this.intern({ kind: 'func', params: d.params.map((p) => ({ name: p.name, type: this.val(p.type) })), result, async: d.async });
      }
      case 'instance': return { kind: 'instance-type', decl: entry.decl, env: this };
      case 'component': return { kind: 'component-type', decl: entry.decl, env: this };
      case 'outer': case 'ref': throw new Error('unreachable: get() follows aliases itself');
      case 'abstract':
        if (entry.bound !== 'sub-resource') return this.get(entry.bound.eq);
        return this.binder(entry, index, this);
      case 'resource':
      case 'alias-export':
        return this.binder(entry, index, this);
    }
  }

  private intern<T extends ValType | FuncType>(t: T): T {
    return this.shared ? intern(t) : t;
  }

  private defined(d: import('../binary/model.js').DefinedValType): ValType {
    switch (d.kind) {
      case 'primitive': return this.val(d.name);
      case 'record': return this.intern({ kind: 'record', fields: d.fields.map((f) => ({ name: f.name, key: camelCase(f.name), type: this.val(f.type) })) });
      case 'variant': return this.intern({ kind: 'variant', cases: d.cases.map((c) => ({ name: c.name, type: c.type === null ? null : this.val(c.type) })) });
      case 'list': return this.intern({ kind: 'list', elem: this.val(d.elem), length: d.length });
      case 'tuple': return this.intern({ kind: 'tuple', types: d.types.map((t) => this.val(t)) });
      case 'flags': return this.intern({ kind: 'flags', names: d.names, keys: d.names.map(camelCase) });
      case 'enum': return this.intern({ kind: 'enum', names: d.names });
      case 'option': return this.intern({ kind: 'option', type: this.val(d.type) });
      case 'result': return this.intern({ kind: 'result', ok: d.ok === null ? null : this.val(d.ok), err: d.err === null ? null : this.val(d.err) });
      case 'own': case 'borrow': return { kind: d.kind, resource: this.resource(d.resource) };
      case 'stream': case 'future': {
        const inner = d.type === null ? null : this.val(d.type);
        if (d.kind === 'stream' && inner?.kind === 'char') throw new IsowasmError('INVALID_BINARY', '`stream<char>` is not valid (the specification does not allow streams of char yet)');
        return { kind: d.kind, text: inner ? `${d.kind}<${witText(inner, { max: 200 })}>` : d.kind, elem: inner };
      }
      case 'map': return { kind: 'map', text: 'map' };
    }
  }
}

/** The size and depth of a runtime type, from those of its parts (measured when they were made). */
function infoOf(t: ValType | null): TypeInfo | null {
  if (t === null) return null;
  return typeInfos.get(t) ?? LEAF;
}

/** Measures a type made from parts already measured, and refuses it beyond the limits. */
function measure(t: ValType | FuncType, limits: ResolvedLimits, what: string): void {
  if (typeInfos.has(t)) {
    checkTypeInfo(typeInfos.get(t)!, limits, what);
    return;
  }
  let info: TypeInfo;
  switch (t.kind) {
    case 'record': info = combine(t.fields.map((f) => infoOf(f.type))); break;
    case 'variant': info = combine(t.cases.map((c) => infoOf(c.type))); break;
    case 'list': info = combine([infoOf(t.elem)], t.length ?? 1); break;
    case 'tuple': info = combine(t.types.map(infoOf)); break;
    case 'option': info = combine([infoOf(t.type)]); break;
    case 'result': info = combine([infoOf(t.ok), infoOf(t.err)]); break;
    case 'func': info = combine([...t.params.map((p) => infoOf(p.type)), infoOf(t.result)]); break;
    default: info = LEAF;
  }
  checkTypeInfo(info, limits, what);
  typeInfos.set(t, info);
}

function describeKind(t: RuntimeType): string {
  if (t instanceof ResourceType) return 'resource type';
  switch (t.kind) {
    case 'func': return 'function type';
    case 'instance-type': return 'instance type';
    case 'component-type': return 'component type';
    default: return 'value type';
  }
}

/** Whether a type entry resolves the same way in every instance (no resources, no imports). */
function isStatic(scope: TypeScope, index: number, depth = 0): boolean {
  const e = scope.types[index];
  if (!e) return false;
  const known = staticness.get(e);
  if (known !== undefined) return known;
  if (depth > 200) return false;
  const ref = (r: ValRef | null): boolean => r === null || typeof r === 'string' || isStatic(scope, r, depth + 1);
  let s: boolean;
  switch (e.kind) {
    case 'defined': {
      const d = e.def;
      switch (d.kind) {
        case 'primitive': s = true; break;
        case 'record': s = d.fields.every((f) => ref(f.type)); break;
        case 'variant': s = d.cases.every((c) => ref(c.type)); break;
        case 'list': s = ref(d.elem); break;
        case 'tuple': s = d.types.every(ref); break;
        case 'flags': case 'enum': s = true; break;
        case 'option': s = ref(d.type); break;
        case 'result': s = ref(d.ok) && ref(d.err); break;
        case 'stream': case 'future': s = ref(d.type); break;
        case 'map': s = ref(d.key) && ref(d.value); break;
        default: s = false;
      }
      break;
    }
    case 'func': s = e.def.params.every((p) => ref(p.type)) && ref(e.def.result) && (e.def.namedResults ?? []).every((r) => ref(r.type)); break;
    case 'outer': s = isStatic(e.scope, e.index, depth + 1); break;
    case 'ref': s = isStatic(scope, e.index, depth + 1); break;
    case 'abstract': s = e.bound !== 'sub-resource' && isStatic(scope, e.bound.eq, depth + 1); break;
    default: s = false;
  }
  staticness.set(e, s);
  return s;
}

/**
 * Returns one shared object per structurally equal type, so compiled codecs are shared between
 * instances. Types are built bottom-up from interned parts, so a node's key names its parts by
 * their ids (hash-consing) instead of spelling out the whole tree again. Types holding a guest
 * resource (new in every instance) are not interned.
 */
function intern<T extends ValType | FuncType>(t: T): T {
  const key = keyOf(t);
  if (key === null) return t;
  const found = interned.get(key);
  if (found) return found as T;
  // host classes made per instance (a class defined in a request handler) would grow the table
  // without end: past a bound, start afresh; only sharing is lost, never correctness
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(key, t);
  ids.set(t, nextId++);
  return t;
}

const ids = new ObjectMemo<object, number>('internId');
let nextId = 1;

/** The id of an interned type or the name of a primitive; null when it can't be shared. */
function idOf(t: ValType | null): string | null {
  if (t === null) return '_';
  if (!('kind' in t)) return null;
  switch (t.kind) {
    case 'bool': case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64':
    case 'f32': case 'f64': case 'char': case 'string':
      return t.kind;
    case 'own': case 'borrow':
      // host resource types are one per host class, the same in every instance
      return t.resource.kind === 'host' ? `${t.kind}#${t.resource.id}` : null;
    default: {
      const id = ids.get(t);
      return id === undefined ? null : `#${id}`;
    }
  }
}

function keyOf(t: ValType | FuncType): string | null {
  const all = (xs: (string | null)[]): string | null => (xs.some((x) => x === null) ? null : xs.join(','));
  switch (t.kind) {
    case 'list': { const e = idOf(t.elem); return e === null ? null : `list<${e};${t.length}>`; }
    case 'record': { const f = all(t.fields.map((x) => { const v = idOf(x.type); return v === null ? null : `${x.name}:${v}`; })); return f === null ? null : `record{${f}}`; }
    case 'tuple': { const f = all(t.types.map(idOf)); return f === null ? null : `tuple<${f}>`; }
    case 'variant': { const f = all(t.cases.map((c) => { const v = c.type ? idOf(c.type) : '_'; return v === null ? null : `${c.name}(${v})`; })); return f === null ? null : `variant{${f}}`; }
    case 'enum': return `enum{${t.names.join(',')}}`;
    case 'flags': return `flags{${t.names.join(',')}}`;
    case 'option': { const v = idOf(t.type); return v === null ? null : `option<${v}>`; }
    case 'result': { const a = idOf(t.ok); const b = idOf(t.err); return a === null || b === null ? null : `result<${a},${b}>`; }
    case 'func': {
      const ps = all(t.params.map((p) => { const v = idOf(p.type); return v === null ? null : `${p.name}:${v}`; }));
      const r = idOf(t.result);
      return ps === null || r === null ? null : `${t.async ? 'async ' : ''}func(${ps})->${r}`;
    }
    default: return null;
  }
}
