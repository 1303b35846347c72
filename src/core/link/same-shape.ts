/**
 * Whether two component types give JS values of the same shape (structure, names, resources):
 * `componentTypes` takes the type an export ascribes to a function only when it does.
 */
import type { FuncType, ValType } from '../abi/types.js';

/**
 * Whether the function types `a` and `b` give JS values of the same shape.
 *
 * @example
 * ```ts
 * sameShape(ascribed, actual); // true for wit-component's ascriptions of its own exports
 * ```
 */
export function sameShape(a: FuncType, b: FuncType): boolean {
  return same(a, b, new Set(), 0);
}

/**
 * Whether two types give JS values of the same shape: the same structure, names and resources.
 * Pairs already compared are skipped (types share their parts), and depth is bounded by the
 * loader's type depth, which both types were measured against when they were made.
 */
function same(a: ValType | FuncType | null, b: ValType | FuncType | null, seen: Set<string>, depth: number): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.kind !== b.kind || depth > 500) return false;
  const key = `${ids(a)},${ids(b)}`;
  if (seen.has(key)) return true;
  seen.add(key);
  const d = depth + 1;
  const all = <T>(xs: readonly T[], ys: readonly T[], eq: (x: T, y: T) => boolean): boolean => xs.length === ys.length && xs.every((x, i) => eq(x, ys[i]!));
  switch (a.kind) {
    case 'func': { const y = b as FuncType; return a.async === y.async && all(a.params, y.params, (p, q) => p.name === q.name && same(p.type, q.type, seen, d)) && same(a.result, y.result, seen, d); }
    case 'record': { const y = b as typeof a; return all(a.fields, y.fields, (f, g) => f.name === g.name && same(f.type, g.type, seen, d)); }
    case 'variant': { const y = b as typeof a; return all(a.cases, y.cases, (f, g) => f.name === g.name && same(f.type, g.type, seen, d)); }
    case 'list': { const y = b as typeof a; return a.length === y.length && same(a.elem, y.elem, seen, d); }
    case 'tuple': { const y = b as typeof a; return all(a.types, y.types, (f, g) => same(f, g, seen, d)); }
    case 'flags': case 'enum': { const y = b as typeof a; return all(a.names, y.names, (f, g) => f === g); }
    case 'option': return same(a.type, (b as typeof a).type, seen, d);
    case 'result': { const y = b as typeof a; return same(a.ok, y.ok, seen, d) && same(a.err, y.err, seen, d); }
    case 'own': case 'borrow': return a.resource === (b as typeof a).resource;
    case 'stream': case 'future': return same(a.elem ?? null, (b as typeof a).elem ?? null, seen, d);
    case 'error-context': case 'map': return a.text === (b as typeof a).text;
    default: return true; // the same primitive kind
  }
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
function ids(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}
