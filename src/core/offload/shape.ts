/**
 * What crosses from a worker to the page about an instance's exports: their shape (functions,
 * interfaces of functions, resource classes), from which the page builds an object of async
 * functions with the same names. The values themselves cross by structured clone.
 */
import { IsowasmError } from '../errors.js';

/** The shape of an export: a function, an interface (an object of exports), or a resource class. */
export type ExportShape =
  | { readonly kind: 'function' }
  | { readonly kind: 'class' }
  | { readonly kind: 'interface'; readonly members: Readonly<Record<string, ExportShape>> };

/** Exports nest one interface deep (`exports['ns:pkg/iface'].fn`); deeper is refused as malformed. */
const MAX_DEPTH = 4;

/**
 * The shape of an instance's exports object.
 *
 * @example
 * ```ts
 * shapeOf({ greet() {}, 'acme:kv/store': { get() {} } });
 * // { kind: 'interface', members: { greet: { kind: 'function' }, 'acme:kv/store': { kind: 'interface', members: { get: ... } } } }
 * ```
 */
export function shapeOf(value: unknown, depth = 0): ExportShape {
  if (typeof value === 'function') {
    // resource classes are constructors with a prototype of methods; plain export functions are not
    const proto = (value as { prototype?: unknown }).prototype;
    const isClass = /^class\b/.test(Function.prototype.toString.call(value)) || (typeof proto === 'object' && proto !== null && Object.getOwnPropertyNames(proto).length > 1);
    return { kind: isClass ? 'class' : 'function' };
  }
  if (typeof value === 'object' && value !== null && depth < MAX_DEPTH) {
    const members: Record<string, ExportShape> = {};
    for (const key of Object.keys(value)) members[key] = shapeOf((value as Record<string, unknown>)[key], depth + 1);
    return { kind: 'interface', members };
  }
  throw new IsowasmError('INTERNAL', `an export of unexpected kind (${typeof value}) can't be offered from a worker`);
}

/**
 * The page's side of `shape`: the same names, every function async and forwarded to `call` with
 * its path; resource classes throw `UNSUPPORTED` (resources can't cross between threads yet).
 *
 * @example
 * ```ts
 * const exports = remoteExports(shape, (path, args) => runner.call(path, args));
 * await exports.greet('you');
 * ```
 */
export function remoteExports(shape: ExportShape, call: (path: readonly string[], args: unknown[]) => Promise<unknown>, path: readonly string[] = []): unknown {
  const name = path.join('.') || 'exports';
  if (shape.kind === 'function') {
    const f = (...args: unknown[]): Promise<unknown> => call(path, args);
    Object.defineProperty(f, 'name', { value: path.at(-1) ?? 'call' });
    return f;
  }
  if (shape.kind === 'class') {
    return function unsupported(): never {
      throw new IsowasmError('UNSUPPORTED', `${name} is a resource class: resources can't cross between a worker and the page yet; call functions that take and return plain data, or instantiate the component in this thread`);
    };
  }
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(shape.members)) out[key] = remoteExports(member, call, [...path, key]);
  return Object.freeze(out);
}
