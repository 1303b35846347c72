/**
 * Component value types as the runtime sees them: structural, with resource types resolved to
 * their identity objects. The linker builds these from the binary model; the codecs in
 * `codec.ts` compile each one once into lift/lower functions.
 */

export type CoreValType = 'i32' | 'i64' | 'f32' | 'f64';

export type PrimKind =
  | 'bool' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64'
  | 'f32' | 'f64' | 'char' | 'string';

export interface PrimType { readonly kind: PrimKind }
export interface ListType { readonly kind: 'list'; readonly elem: ValType; readonly length: number | null }
export interface Field { readonly name: string; readonly key: string; readonly type: ValType }
export interface RecordType { readonly kind: 'record'; readonly fields: readonly Field[] }
export interface TupleType { readonly kind: 'tuple'; readonly types: readonly ValType[] }
export interface Case { readonly name: string; readonly type: ValType | null }
export interface VariantType { readonly kind: 'variant'; readonly cases: readonly Case[] }
export interface EnumType { readonly kind: 'enum'; readonly names: readonly string[] }
export interface OptionType { readonly kind: 'option'; readonly type: ValType }
export interface ResultType { readonly kind: 'result'; readonly ok: ValType | null; readonly err: ValType | null }
export interface FlagsType { readonly kind: 'flags'; readonly names: readonly string[]; readonly keys: readonly string[] }
export interface HandleType { readonly kind: 'own' | 'borrow'; readonly resource: ResourceType }
/** Types of the asynchronous ABI; recognised so they can be described and refused clearly. */
export interface AsyncValueType {
  readonly kind: 'stream' | 'future' | 'error-context' | 'map';
  readonly text: string;
  /** a stream's or future's element type (null: none, a unit stream or future) */
  readonly elem?: ValType | null;
}

export type ValType =
  | PrimType | ListType | RecordType | TupleType | VariantType | EnumType | OptionType
  | ResultType | FlagsType | HandleType | AsyncValueType;

export interface Param { readonly name: string; readonly type: ValType }

export interface FuncType {
  readonly kind: 'func';
  readonly params: readonly Param[];
  readonly result: ValType | null;
  readonly async: boolean;
}

/**
 * A resource type's identity. Guest resource types are made fresh by each instantiation of the
 * component that defines them; host resource types are one per host class.
 */
export class ResourceType {
  private static nextId = 1;
  readonly id = ResourceType.nextId++;
  readonly kind: 'guest' | 'host';
  /** the WIT name, kebab-case, for messages and class names (set when an import or export names it) */
  name: string;
  /** host: the JS class the host provided (lowered values must be its instances), if any */
  readonly hostClass: (abstract new (...args: never[]) => unknown) | null;
  /** guest: the instance that defines it and its destructor */
  impl: unknown = null;
  /** the destructor as called from another instance (enters `impl`, so re-entrance is checked) */
  dtor: ((rep: number) => void) | null = null;
  /** the destructor's core function itself, called when `impl` drops its own handle */
  coreDtor: ((rep: number) => void) | null = null;
  /** guest: the JS class whose instances stand for owned or borrowed handles of this type */
  jsClass: (new (...args: never[]) => object) | null = null;
  /** guest: what `new jsClass(...)` calls, the component's exported constructor (if it has one) */
  jsConstructor: ((...args: unknown[]) => unknown) | null = null;
  /** guest: the exports named it already (the first name JS sees it under stays) */
  exposed = false;

  constructor(kind: 'guest' | 'host', name: string, hostClass: ResourceType['hostClass'] = null) {
    this.kind = kind;
    this.name = name;
    this.hostClass = hostClass;
  }
}

/** Gives a resource type its WIT name the first time a name for it is seen. */
export function nameResource(rt: ResourceType, name: string): void {
  if (rt.name === 'resource' && /^[a-z][a-z0-9-]*$/.test(name)) rt.name = name;
}

const prims = new Map<PrimKind, PrimType>();
/** The shared object for a primitive type. */
export function prim(kind: PrimKind): PrimType {
  let t = prims.get(kind);
  if (!t) {
    t = Object.freeze({ kind });
    prims.set(kind, t);
  }
  return t;
}

/** kebab-case to camelCase, as jco names functions, fields and flags. */
export function camelCase(name: string): string {
  // a character scan, not a regex: this runs for every name on the cold path of a first call
  if (name.indexOf('-') === -1) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '-' && i + 1 < name.length && name[i + 1] !== '-') out += name[++i]!.toUpperCase();
    else out += c;
  }
  return out;
}

/** kebab-case to PascalCase, as jco names resource classes. */
export function pascalCase(name: string): string {
  const c = camelCase(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** Options of `witText`. */
export interface WitTextOptions {
  /** names of types (e.g. from WIT type exports): a named type is written by its name */
  readonly names?: ReadonlyMap<object, string>;
  /** spell out the outermost type even when it has a name (to describe the named type itself) */
  readonly spellOut?: boolean;
  /** the longest text to write; longer text ends in `…` (default 1000 characters) */
  readonly max?: number;
}

/**
 * Writes WIT text into a bounded buffer. A type that shares its parts (a tuple of two copies of
 * a tuple of two copies of ...) spells out exponentially, so writing stops at the bound and skips
 * whatever is left, in time linear in the bound.
 */
class WitWriter {
  private readonly parts: string[] = [];
  private left: number;
  truncated = false;

  constructor(max: number, private readonly names: ReadonlyMap<object, string> | undefined) {
    this.left = max;
  }

  get full(): boolean {
    return this.left <= 0;
  }

  put(s: string): void {
    if (this.left <= 0) {
      this.truncated = true;
      return;
    }
    if (s.length > this.left) {
      s = s.slice(0, this.left);
      this.truncated = true;
    }
    this.parts.push(s);
    this.left -= s.length;
  }

  /** Writes `items` separated by `, `, stopping once the buffer is full. */
  list<T>(items: readonly T[], write: (x: T) => void): void {
    for (let i = 0; i < items.length; i++) {
      if (this.full) {
        this.truncated = true;
        return;
      }
      if (i > 0) this.put(', ');
      write(items[i]!);
    }
  }

  type(t: ValType | null, spellOut = false): void {
    if (this.full) {
      this.truncated = true;
      return;
    }
    if (t === null) return this.put('_');
    const name = spellOut ? undefined : this.names?.get(t);
    if (name) return this.put(name);
    switch (t.kind) {
      case 'list':
        this.put('list<');
        this.type(t.elem);
        return this.put(t.length === null ? '>' : `, ${t.length}>`);
      case 'record':
        this.put('record { ');
        this.list(t.fields, (f) => { this.put(`${f.name}: `); this.type(f.type); });
        return this.put(' }');
      case 'tuple':
        this.put('tuple<');
        this.list(t.types, (x) => this.type(x));
        return this.put('>');
      case 'variant':
        this.put('variant { ');
        this.list(t.cases, (c) => {
          this.put(c.name);
          if (c.type) { this.put('('); this.type(c.type); this.put(')'); }
        });
        return this.put(' }');
      case 'enum':
        this.put('enum { ');
        this.list(t.names, (n) => this.put(n));
        return this.put(' }');
      case 'option':
        this.put('option<');
        this.type(t.type);
        return this.put('>');
      case 'result':
        if (!t.ok && !t.err) return this.put('result');
        this.put('result<');
        this.type(t.ok);
        if (t.err) { this.put(', '); this.type(t.err); }
        return this.put('>');
      case 'flags':
        this.put('flags { ');
        this.list(t.names, (n) => this.put(n));
        return this.put(' }');
      case 'own': return this.put(t.resource.name);
      case 'borrow': return this.put(`borrow<${t.resource.name}>`);
      case 'stream': case 'future':
        // the element spelled out (the type's `text` names only its kind)
        if (!t.elem) return this.put(t.kind);
        this.put(`${t.kind}<`);
        this.type(t.elem);
        return this.put('>');
      case 'error-context': case 'map': return this.put(t.text);
      default: return this.put(t.kind);
    }
  }

  func(f: FuncType): void {
    this.put(f.async ? 'async func(' : 'func(');
    this.list(f.params, (p) => { this.put(`${p.name}: `); this.type(p.type); });
    this.put(')');
    if (f.result) { this.put(' -> '); this.type(f.result); }
  }

  text(): string {
    const s = this.parts.join('');
    return this.truncated ? `${s}…` : s;
  }
}

const DEFAULT_WIT_TEXT = 1000;

/**
 * WIT text of a value type, for descriptions and error messages: `list<tuple<u32, string>>`.
 * Named types are written by name (`options.names`); text beyond `options.max` characters is cut
 * off with `…`, so a hostile type can't make it huge.
 *
 * @example
 * ```ts
 * witText({ kind: 'option', type: prim('u32') }); // 'option<u32>'
 * ```
 */
export function witText(t: ValType | null, options: WitTextOptions = {}): string {
  const w = new WitWriter(options.max ?? DEFAULT_WIT_TEXT, options.names);
  w.type(t, options.spellOut);
  return w.text();
}

/**
 * WIT text of a function type: `func(a: u32, b: u32) -> u32`, bounded like `witText`.
 *
 * @example
 * ```ts
 * witFuncText({ kind: 'func', params: [{ name: 'a', type: prim('u32') }], result: null, async: false }); // 'func(a: u32)'
 * ```
 */
export function witFuncText(f: FuncType, options: WitTextOptions = {}): string {
  const w = new WitWriter(options.max ?? DEFAULT_WIT_TEXT, options.names);
  w.func(f);
  return w.text();
}
