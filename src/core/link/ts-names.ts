/**
 * Names and literals for generated TypeScript declarations: the names a component binary holds
 * (which may be anything) made into valid identifiers, unique where they must be, quoted
 * property keys and string literals, and text safe inside a comment.
 */
import { camelCase, pascalCase } from '../abi/types.js';

/** Words an identifier (a parameter, a class member declared as a method) can't be. */
const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null',
  'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval',
  // type names a declaration can't take
  'any', 'unknown', 'never', 'string', 'number', 'boolean', 'bigint', 'symbol', 'object', 'undefined',
]);

/**
 * The global names the generated declarations refer to: a declaration of the same name would
 * hide them (a WIT type `uint8-array` must not become `Uint8Array`).
 */
export const GLOBAL_NAMES: readonly string[] = [
  'Array', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'BigUint64Array',
  'BigInt64Array', 'Float32Array', 'Float64Array', 'Symbol', 'SymbolConstructor', 'WebAssembly', 'NonNullable',
];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Whether `s` can be written as it is where a property name goes. */
export function isIdentifier(s: string): boolean {
  return IDENT.test(s);
}

/**
 * The longest identifier made from a name (a type or parameter name is written wherever it is
 * used, so a hostile megabyte-long name must not be); `unique` tells cut names apart.
 */
export const MAX_IDENTIFIER = 80;

/** `s` with every character an identifier can't hold replaced by `_` (and never empty, starting with a digit or too long). */
function sanitize(s: string): string {
  let out = s.slice(0, MAX_IDENTIFIER).replace(/[^A-Za-z0-9_$]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** A PascalCase identifier for a type, namespace or class named `name` in the binary (`error-code` → `ErrorCode`). */
export function typeIdentifier(name: string): string {
  const id = sanitize(pascalCase(name));
  return RESERVED.has(id) ? `${id}_` : id;
}

/** A camelCase identifier for a parameter named `name` (`in` → `in_`). */
export function paramIdentifier(name: string): string {
  const id = sanitize(camelCase(name));
  return RESERVED.has(id) ? `${id}_` : id;
}

/** `name`, or `name` with the first free numeric suffix: a name not in `taken`, which it is added to. */
export function unique(name: string, taken: Set<string>): string {
  let out = name;
  for (let i = 2; taken.has(out); i++) out = `${name}${i}`;
  taken.add(out);
  return out;
}

/** A TypeScript string literal for any string: `'a\'b'`. */
export function quote(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27 || c === 0x5c) out += `\\${s[i]}`;
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}'`;
}

/**
 * A property key: the name itself where it is an identifier, else a string literal. `new` is
 * quoted too, since `new(...)` in a type literal declares a constructor, not a method.
 */
export function propertyKey(key: string): string {
  return isIdentifier(key) && key !== 'new' ? key : quote(key);
}

/** Text that can go in a `/** ... *\/` comment: no `*\/`, no line breaks, at most `max` characters. */
export function commentText(s: string, max = 1000): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').replace(/\*\//g, '* /');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
