/**
 * The host's side of linking: finds each import the component declares in the user's import object
 * (by name, with or without version), checks its shape, and adapts JS functions and classes to the
 * component's types.
 */
import type { ComponentCall } from '../abi/functions.js';
import { isThenable } from '../abi/jspi.js';
import { describe } from '../abi/strings.js';
import { type FuncType, ResourceType, camelCase, pascalCase } from '../abi/types.js';
import type { ComponentModel, DeclScope, ImportDef } from '../binary/model.js';
import { IsowasmError } from '../errors.js';
import type { Instantiation } from './instantiate.js';
import type { FuncItem, InstanceItem, Item, TypeItem } from './items.js';
import { findImportKey, parseFuncName } from './names.js';
import { type DeclType, type RuntimeType, TypeEnv } from './type-env.js';

type AnyFn = (...args: unknown[]) => unknown;
type Ctor = abstract new (...args: never[]) => unknown;

const hostTypes = new WeakMap<object, ResourceType>();

/** The resource type of a host class: one per class, so every import that uses it agrees. */
export function hostResourceType(cls: object | null, name: string): ResourceType {
  if (!cls) return new ResourceType('host', name);
  let rt = hostTypes.get(cls);
  if (!rt) {
    rt = new ResourceType('host', name, typeof cls === 'function' ? (cls as Ctor) : null);
    hostTypes.set(cls, rt);
  }
  return rt;
}

/**
 * Adapts a function the host wrote in jco's conventions to a component function: a `result`
 * return type means "return the ok value, throw the error" on the host side.
 */
export function adaptHostFunction(fn: AnyFn, type: FuncType): ComponentCall {
  if (type.result?.kind !== 'result') return fn;
  const ok = (val: unknown) => ({ tag: 'ok', val });
  return (...args: unknown[]) => {
    let r: unknown;
    try {
      r = fn(...args);
    } catch (e) {
      return errOf(e);
    }
    // an async host function (JSPI): its rejection is the error case
    return isThenable(r) ? Promise.resolve(r).then(ok, errOf) : ok(r);
  };
}

/** jco's convention for a host's `result` error: a thrown `{ payload }`, or any thrown non-Error. */
function errOf(e: unknown): { tag: 'err'; val: unknown } {
  if (typeof e === 'object' && e !== null && 'payload' in e) return { tag: 'err', val: (e as { payload: unknown }).payload };
  if (!(e instanceof Error)) return { tag: 'err', val: e };
  throw e;
}

/**
 * The root component's imports, adapted from the host's import object on first use (in import
 * order, since later import types refer to earlier ones). `checkAll` adapts every one up front so
 * that all missing names are reported in one error.
 */
export class HostImports {
  private readonly cache = new Map<string, Item>();
  private inst: Instantiation | null = null;
  private problems: string[] = [];

  constructor(
    private readonly model: ComponentModel,
    private readonly imports: Record<string, unknown>,
    private readonly isAsync: (iface: string | null, func: string, fn: unknown) => boolean = () => false,
  ) {}

  bind(inst: Instantiation): void {
    this.inst = inst;
  }

  get(name: string): Item | undefined {
    const done = this.cache.get(name);
    if (done) return done;
    const def = this.model.imports.find((i) => i.name === name);
    if (!def) return undefined;
    const item = this.adapt(def);
    this.cache.set(name, item);
    return item;
  }

  has(name: string): boolean {
    return this.model.imports.some((i) => i.name === name);
  }

  /** Adapts every import; throws one `MISSING_IMPORTS` or `IMPORT_MISMATCH` listing every problem. */
  checkAll(): void {
    this.problems = [];
    for (const def of this.model.imports) this.get(def.name);
    const problems = this.problems;
    if (problems.length === 0) return;
    const missing = problems.filter((p) => !p.includes(': '));
    const wrong = problems.filter((p) => p.includes(': '));
    if (missing.length) {
      throw new IsowasmError(
        'MISSING_IMPORTS',
        `the component needs imports the host did not provide: ${missing.join(', ')}${wrong.length ? `; and some have the wrong shape: ${wrong.join('; ')}` : ''}. Pass them in instantiate({ imports: { ... } }) (keys may omit the @version).`,
        { details: { missing, mismatched: wrong } },
      );
    }
    throw new IsowasmError('IMPORT_MISMATCH', `some imports have the wrong shape: ${wrong.join('; ')}`, { details: { missing, mismatched: wrong } });
  }

  private env(): TypeEnv {
    if (!this.inst) throw new IsowasmError('INTERNAL', 'host imports used before binding');
    return this.inst.env;
  }

  private lookup(name: string): unknown {
    const key = findImportKey(this.imports, name);
    return key === null ? undefined : this.imports[key];
  }

  private adapt(def: ImportDef): Item {
    const t = def.type;
    const name = def.name;
    const value = this.lookup(name);
    switch (t.sort) {
      case 'instance': {
        const decl = this.env().decl(t.type, 'instance');
        if (value === undefined) this.problems.push(name);
        else if (typeof value !== 'object' || value === null) this.problems.push(`${name}: expected an object of functions, got ${describe(value)}`);
        return this.adaptInstance((value ?? {}) as Record<string, unknown>, decl, name, value !== undefined && typeof value === 'object' && value !== null);
      }
      case 'func': {
        const env = this.env();
        return this.adaptFunc(name, () => env.func(t.type), (n) => worldMember(this.imports, n, this.lookup.bind(this)), name, true, null);
      }
      case 'type': {
        if (t.bound !== 'sub-resource') return { sort: 'type', type: this.env().get(t.bound.eq) };
        const cls = worldClass(this.imports, name, this.lookup.bind(this));
        return { sort: 'type', type: hostResourceType(cls, name) };
      }
      case 'core-module': {
        if (value instanceof WebAssembly.Module) return { sort: 'core-module', module: value };
        this.problems.push(value === undefined ? name : `${name}: expected a WebAssembly.Module, got ${describe(value)}`);
        return { sort: 'type', type: new ResourceType('host', name) };
      }
      default:
        throw new IsowasmError('UNSUPPORTED', `imports of a ${t.sort} ("${name}") are not supported`);
    }
  }

  private adaptInstance(obj: Record<string, unknown>, decl: DeclType, path: string, present: boolean): InstanceItem {
    const scope: DeclScope = decl.decl;
    const env = new TypeEnv(scope, decl.env, (entry) => {
      if (entry.kind === 'abstract') {
        const cls = obj[pascalCase(entry.name)] ?? obj[entry.name];
        return hostResourceType(typeof cls === 'function' ? cls : null, entry.name);
      }
      throw new IsowasmError('UNSUPPORTED', `instance type of "${path}" uses a form of type declaration this runtime does not support`);
    });
    const exports = new Map<string, Item>();
    const typeIndexOf = new Map<string, number>();
    scope.types.forEach((e, i) => { if (e.kind === 'abstract') typeIndexOf.set(e.name, i); });
    for (const e of scope.exports) {
      const t = e.type;
      switch (t.sort) {
        case 'func':
          exports.set(e.name, this.adaptFunc(e.name, () => env.func(t.type), (n) => obj[n], `${path}#${e.name}`, present, path));
          break;
        case 'type': {
          const index = typeIndexOf.get(e.name)!;
          // a resource is the host's class, needed to bind later imports; a type equal to another
          // (a record, an enum ...) is only made if something reads it
          exports.set(e.name, t.bound === 'sub-resource' ? { sort: 'type', type: env.get(index) } : new LazyType(() => env.get(index)));
          break;
        }
        case 'instance': {
          const inner = obj[camelCase(e.name)] ?? obj[e.name];
          exports.set(e.name, this.adaptInstance((inner ?? {}) as Record<string, unknown>, env.decl(t.type, 'instance'), `${path}/${e.name}`, present));
          break;
        }
        default:
          throw new IsowasmError('UNSUPPORTED', `"${path}" exports a ${t.sort}, which host imports can't provide`);
      }
    }
    return { sort: 'instance', exports };
  }

  /**
   * Finds the host's function for an import by the conventions of its kind of name, reporting a
   * missing or wrong one; its component type, and the adapter that depends on it, are made on
   * first use (a component lowers a few of the functions of the interfaces it imports).
   */
  private adaptFunc(name: string, typeOf: () => FuncType, get: (key: string) => unknown, label: string, report: boolean, iface: string | null): FuncItem {
    const f = funcNames(name);
    let make: ((type: FuncType) => ComponentCall) | null = null;
    let target: unknown = null;
    if (f.kind === 'plain') {
      const fn = get(f.camelMember) ?? get(f.member);
      target = fn;
      if (typeof fn === 'function') make = (type) => adaptHostFunction(fn as AnyFn, type);
      else if (report) this.problems.push(fn === undefined ? label : `${label}: expected a function, got ${describe(fn)}`);
    } else {
      const clsName = f.className;
      const cls = get(clsName) ?? get(f.resource);
      const klass = (typeof cls === 'object' && cls !== null && typeof (cls as { default?: unknown }).default === 'function')
        ? (cls as { default: unknown }).default
        : cls;
      if (typeof klass !== 'function') {
        if (report) this.problems.push(klass === undefined ? `${label} (class ${clsName})` : `${label}: expected class ${clsName}, got ${describe(klass)}`);
      } else if (f.kind === 'constructor') {
        target = klass;
        const C = klass as new (...a: unknown[]) => unknown;
        make = (type) => adaptHostFunction((...a: unknown[]) => new C(...a), type);
      } else if (f.kind === 'static') {
        // looked up at call time, like methods: hosts that never see the call need not define it
        const m = f.camelMember;
        target = (klass as unknown as Record<string, unknown>)[m];
        make = (type) => adaptHostFunction((...a: unknown[]) => {
          const fn = (klass as unknown as Record<string, unknown>)[m];
          if (typeof fn !== 'function') throw new TypeError(`class ${clsName} has no static method ${m}`);
          return (fn as AnyFn).apply(klass, a);
        }, type);
      } else {
        const m = f.camelMember;
        // methods are looked up on the object at call time: hosts may define them per instance
        target = (klass as { prototype?: Record<string, unknown> }).prototype?.[m];
        make = (type) => adaptHostFunction((self: unknown, ...a: unknown[]) => {
          if ((typeof self !== 'object' && typeof self !== 'function') || self === null) {
            throw new TypeError(`${label}: expected a ${clsName} object as self, got ${describe(self)}`);
          }
          const fn = (self as Record<string, unknown>)[m];
          if (typeof fn !== 'function') throw new TypeError(`${label}: the ${clsName} object has no method ${m}`);
          return (fn as AnyFn).apply(self, a);
        }, type);
      }
    }
    const missing = (): ComponentCall => () => { throw new IsowasmError('MISSING_IMPORTS', `the host did not provide ${label}`); };
    return new HostFunc(typeOf, make ?? missing, this.isAsync(iface, name, target));
  }
}

/** A function name as the host's conventions spell it. */
interface FuncNames extends ReturnType<typeof parseFuncName> {
  readonly camelMember: string;
  readonly className: string;
}

/**
 * Spellings by import name, shared by every instance (each instance looks up every function of
 * the interfaces it imports); bounded, since the names come from binaries.
 */
const namesCache = new Map<string, FuncNames>();
const MAX_CACHED_NAMES = 20_000;

function funcNames(name: string): FuncNames {
  let n = namesCache.get(name);
  if (!n) {
    const f = parseFuncName(name);
    n = { ...f, camelMember: camelCase(f.member), className: f.kind === 'plain' ? '' : pascalCase(f.resource) };
    if (namesCache.size < MAX_CACHED_NAMES) namesCache.set(name, n);
  }
  return n;
}

/** A type of a host import's interface, made when the linker first reads it. */
class LazyType implements TypeItem {
  readonly sort = 'type';
  #type: RuntimeType | null = null;

  constructor(private readonly make: () => RuntimeType) {}

  get type(): RuntimeType {
    return (this.#type ??= this.make());
  }
}

/** A host function whose type and adapter are made when the linker first reads them. */
class HostFunc implements FuncItem {
  readonly sort = 'func';
  #type: FuncType | null = null;
  #call: ComponentCall | null = null;

  constructor(private readonly typeOf: () => FuncType, private readonly make: (type: FuncType) => ComponentCall, readonly async: boolean) {}

  get type(): FuncType {
    return (this.#type ??= this.typeOf());
  }

  get call(): ComponentCall {
    return (this.#call ??= this.make(this.type));
  }
}

/** World-level names: jco reads `imports[name].default` or a function at `imports[name]`. */
function worldMember(imports: Record<string, unknown>, key: string, lookup: (n: string) => unknown): unknown {
  const v = lookup(key);
  if (typeof v === 'function') return v;
  if (typeof v === 'object' && v !== null && 'default' in v) return (v as { default: unknown }).default;
  return v ?? imports[key];
}

function worldClass(imports: Record<string, unknown>, name: string, lookup: (n: string) => unknown): object | null {
  const v = worldMember(imports, name, lookup) ?? imports[pascalCase(name)];
  return typeof v === 'function' ? v : null;
}
