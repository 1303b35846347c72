/**
 * Component value types as TypeScript type text, in isowasm's JS conventions (those of jco's
 * bindings, README "JS values"): records as objects with camelCase fields, variants as
 * `{ tag, val }`, enums as string unions, flags as objects of booleans, `option<T>` as
 * `T | undefined` (the outer level of `option<option<T>>` as `{ tag, val }`), tuples as arrays,
 * numeric lists as typed arrays, 64-bit integers as `bigint`, resources by their class.
 *
 * Named types are written by name. A type the component leaves anonymous is spelled out where it
 * is used, unless its text is long: then it gets a name of its own, once. So a type that uses an
 * anonymous part twice, level after level (a few hostile bytes), costs text linear in its parts.
 */
import type { FuncType, PrimKind, ResourceType, ValType } from '../abi/types.js';
import { propertyKey, quote } from './ts-names.js';

/** What the writer asks of the declarations around it. */
export interface TypeNaming {
  /** the name of a named type (a declaration of the component's), as written at the top level */
  named(t: ValType): string | undefined;
  /** the name of a resource type's class or interface, as written at the top level */
  resource(rt: ResourceType): string;
  /** declares `text` under a new top-level name for the anonymous type `t`, and returns the name */
  anonymous(t: ValType, text: string): string;
}

/** Anonymous types whose text is longer get a name of their own. */
export const MAX_INLINE = 400;

/** The typed array each numeric list lifts to (abi/codec.ts: `typedArrays`). */
const TYPED_ARRAYS: Partial<Record<PrimKind, string>> = {
  u8: 'Uint8Array', s8: 'Int8Array', u16: 'Uint16Array', s16: 'Int16Array', u32: 'Uint32Array', s32: 'Int32Array',
  u64: 'BigUint64Array', s64: 'BigInt64Array', f32: 'Float32Array', f64: 'Float64Array',
};

/**
 * Writes TypeScript type text for value types, memoized per type object (types share their parts
 * by object, so the text of each is made once).
 *
 * @example
 * ```ts
 * const w = new TsTypeWriter(naming);
 * w.type({ kind: 'option', type: prim('u64') }); // 'bigint | undefined'
 * ```
 */
export class TsTypeWriter {
  private readonly memo = new Map<object, string>();

  constructor(private readonly naming: TypeNaming) {}

  /** The text that stands for `t` where it is used: its name, or its spelled-out text. */
  type(t: ValType): string {
    const name = this.naming.named(t);
    if (name !== undefined) return name;
    const known = this.memo.get(t);
    if (known !== undefined) return known;
    let text = this.spell(t);
    if (text.length > MAX_INLINE) text = this.naming.anonymous(t, text);
    this.memo.set(t, text);
    return text;
  }

  /** The text of `t` itself, one level spelled out (what a declaration named `t` says). */
  spell(t: ValType): string {
    switch (t.kind) {
      case 'bool': return 'boolean';
      case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 'f32': case 'f64': return 'number';
      case 's64': case 'u64': return 'bigint';
      case 'char': case 'string': return 'string';
      case 'list': {
        const typed = t.length === null ? TYPED_ARRAYS[t.elem.kind as PrimKind] : undefined;
        return typed ?? `Array<${this.type(t.elem)}>`;
      }
      case 'record': return this.object(t.fields.map((f) => [f.key, this.type(f.type)]));
      case 'tuple': return `[${t.types.map((x) => this.type(x)).join(', ')}]`;
      case 'flags': return this.object(t.keys.map((k) => [k, 'boolean']), true);
      case 'enum': return t.names.length === 0 ? 'never' : t.names.map(quote).join(' | ');
      case 'variant':
        if (t.cases.length === 0) return 'never';
        return t.cases.map((c) => (c.type ? `{ tag: ${quote(c.name)}; val: ${this.type(c.type)} }` : `{ tag: ${quote(c.name)} }`)).join(' | ');
      case 'option':
        // abi/codec.ts: only an option directly inside an option is a { tag, val } object
        if (t.type.kind === 'option') return `{ tag: 'none' } | { tag: 'some'; val: ${this.type(t.type)} }`;
        return `${this.type(t.type)} | undefined`;
      case 'result': return `${this.resultCase('ok', t.ok)} | ${this.resultCase('err', t.err)}`;
      case 'own': case 'borrow': return this.naming.resource(t.resource);
      // the component-model async ABI: no JS values for these yet
      case 'stream': case 'future': case 'error-context': case 'map': return 'unknown';
    }
  }

  /** The return type of a function in JS: `result<T, E>` returns `T` (and throws for `E`). */
  returns(f: FuncType): string {
    const r = f.result;
    if (r === null) return 'void';
    // link/exports.ts and host-imports.ts unwrap any result, named or not
    if (r.kind === 'result') return r.ok ? this.type(r.ok) : 'void';
    return this.type(r);
  }

  /** The type of the payload a call's `result` error carries, or null when it does not return a result. */
  thrown(f: FuncType): string | null {
    const r = f.result;
    if (r?.kind !== 'result') return null;
    return r.err ? this.type(r.err) : 'undefined';
  }

  private resultCase(tag: 'ok' | 'err', t: ValType | null): string {
    // the lifted value always has `val`, undefined for no payload; lowering ignores it then
    return t ? `{ tag: '${tag}'; val: ${this.type(t)} }` : `{ tag: '${tag}'; val?: undefined }`;
  }

  /** An object type; keys seen before in the same object are left out (only a hostile binary repeats one). */
  private object(entries: [string, string][], optional = false): string {
    if (entries.length === 0) return '{}';
    const seen = new Set<string>();
    const parts: string[] = [];
    for (const [k, v] of entries) {
      if (seen.has(k)) continue;
      seen.add(k);
      parts.push(`${propertyKey(k)}${optional ? '?' : ''}: ${v}`);
    }
    return `{ ${parts.join('; ')} }`;
  }
}
