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
export interface AsyncValueType { readonly kind: 'stream' | 'future' | 'error-context' | 'map'; readonly text: string }

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

  constructor(kind: 'guest' | 'host', name: string, hostClass: ResourceType['hostClass'] = null) {
    this.kind = kind;
    this.name = name;
    this.hostClass = hostClass;
  }
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

/** WIT text of a value type, for descriptions and error messages. */
export function witText(t: ValType | null): string {
  if (t === null) return '_';
  switch (t.kind) {
    case 'list': return t.length === null ? `list<${witText(t.elem)}>` : `list<${witText(t.elem)}, ${t.length}>`;
    case 'record': return `record { ${t.fields.map((f) => `${f.name}: ${witText(f.type)}`).join(', ')} }`;
    case 'tuple': return `tuple<${t.types.map(witText).join(', ')}>`;
    case 'variant': return `variant { ${t.cases.map((c) => (c.type ? `${c.name}(${witText(c.type)})` : c.name)).join(', ')} }`;
    case 'enum': return `enum { ${t.names.join(', ')} }`;
    case 'option': return `option<${witText(t.type)}>`;
    case 'result': {
      if (!t.ok && !t.err) return 'result';
      if (!t.err) return `result<${witText(t.ok)}>`;
      return `result<${witText(t.ok)}, ${witText(t.err)}>`;
    }
    case 'flags': return `flags { ${t.names.join(', ')} }`;
    case 'own': return t.resource.name;
    case 'borrow': return `borrow<${t.resource.name}>`;
    case 'stream': case 'future': case 'error-context': case 'map': return t.text;
    default: return t.kind;
  }
}

/** WIT text of a function type: `func(a: u32, b: u32) -> u32`. */
export function witFuncText(f: FuncType): string {
  const params = f.params.map((p) => `${p.name}: ${witText(p.type)}`).join(', ');
  const prefix = f.async ? 'async func' : 'func';
  return f.result ? `${prefix}(${params}) -> ${witText(f.result)}` : `${prefix}(${params})`;
}
