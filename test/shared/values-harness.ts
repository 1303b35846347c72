/**
 * Helpers of the value-type suites (values*.test.ts): one instance of a `values-*` fixture in
 * isowasm and one in jco's bindings, each with its own recording host, and comparisons that stay
 * fast and readable for megabyte-sized values.
 */
import { type Component, ComponentError, loadComponent } from '../../src/core/index.js';
import { AssertionError, show } from '../harness/assert.js';
import { jcoInstantiate, readFixture } from '../harness/fixtures.js';

/** One call of a host import: the camelCase function name and the arguments it received. */
export interface HostCall {
  fn: string;
  args: unknown[];
}

type Impl = (...args: any[]) => unknown;

/** The world's interfaces that are both imported and exported, by fixture. */
export const INTERFACES: Record<string, readonly string[]> = {
  'values-utf8': ['scalars', 'strings', 'lists', 'compound'],
  'values-utf16': ['strings'],
  'values-latin1': ['strings'],
};

/**
 * The host's side of a `result<T, E>` import in jco's convention: return the ok value, throw
 * `{ payload }` for the error.
 */
export function resultImpl(x: { tag: string; val?: unknown }): unknown {
  if (x.tag === 'ok') return x.val;
  throw { payload: x.val };
}

/** Host functions by camelCase name; any other function returns its first argument. */
const defaultImpls: Record<string, Impl> = {
  resultNone: resultImpl,
  resultOk: resultImpl,
  resultErr: resultImpl,
  resultBoth: resultImpl,
  spill: (...args: unknown[]) => args,
  sixteen: (...args: number[]) => weightedSum(args),
  seventeen: (...args: number[]) => weightedSum(args),
};

/** sum of (i + 1) * args[i], modulo 2^32: changes if any argument is lost or moved */
export function weightedSum(args: readonly number[]): number {
  let s = 0;
  args.forEach((v, i) => { s = (s + v * (i + 1)) % 2 ** 32; });
  return s;
}

/** An import object whose interfaces log every call into `log` before answering it. */
export function recordingHost(interfaces: readonly string[], log: HostCall[], impls: Record<string, Impl> = {}): Record<string, unknown> {
  const imports: Record<string, unknown> = {};
  for (const iface of interfaces) {
    const fns = new Map<string, Impl>();
    imports[`test:values/${iface}`] = new Proxy({}, {
      get(_t, key) {
        if (typeof key !== 'string') return undefined;
        let f = fns.get(key);
        if (!f) {
          const impl = impls[key] ?? defaultImpls[key] ?? ((x: unknown) => x);
          f = (...args: unknown[]) => {
            log.push({ fn: key, args });
            return impl(...args);
          };
          fns.set(key, f);
        }
        return f;
      },
      has: (_t, key) => typeof key === 'string',
    });
  }
  return imports;
}

type Exports = Record<string, any>;

/** A fresh isowasm instance and a fresh jco instance (or null) of one fixture, with their logs. */
export interface Pair {
  fixture: string;
  ours: Exports;
  ref: Exports | null;
  oursLog: HostCall[];
  refLog: HostCall[];
}

const components = new Map<string, Promise<Component>>();

/** Loads (once) the isowasm component of a fixture. */
export function component(fixture: string): Promise<Component> {
  let c = components.get(fixture);
  if (!c) {
    c = readFixture(fixture).then((bytes) => loadComponent(bytes));
    components.set(fixture, c);
  }
  return c;
}

/**
 * Instantiates `fixture` in isowasm and, when `withJco`, in jco's bindings; `impls` replaces host
 * functions (by camelCase name).
 */
export async function pair(fixture: string, withJco = true, impls: Record<string, Impl> = {}): Promise<Pair> {
  const ifaces = INTERFACES[fixture]!;
  const oursLog: HostCall[] = [];
  const refLog: HostCall[] = [];
  const ours = (await (await component(fixture)).instantiate({ imports: recordingHost(ifaces, oursLog, impls) })).exports;
  const ref = withJco ? await jcoInstantiate(`fixtures/${fixture}`, recordingHost(ifaces, refLog, impls)) : null;
  return { fixture, ours, ref, oursLog, refLog };
}

/** The function `fn` of interface `iface` in an exports object (full interface name). */
export function fnOf(exports: Exports, iface: string, fn: string): (...args: unknown[]) => unknown {
  const obj = exports[`test:values/${iface}`] as Record<string, unknown> | undefined;
  const f = obj?.[fn];
  if (typeof f !== 'function') throw new AssertionError(`test:values/${iface} has no exported function ${fn} (it has ${Object.keys(obj ?? {}).join(', ')})`);
  return f as (...args: unknown[]) => unknown;
}

/** What a call did: returned a value, threw a ComponentError (with its `payload`), or threw something else. */
export type Outcome = { ok: unknown } | { err: unknown } | { threw: string };

/** isowasm's ComponentError */
export const isOurComponentError = (e: unknown): boolean => e instanceof ComponentError;
/** jco's ComponentError: an Error with an own `payload` property (its name stays 'Error') */
export const isJcoComponentError = (e: unknown): boolean => e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload');

export function outcome(f: () => unknown, isComponentError: (e: unknown) => boolean = isOurComponentError): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (isComponentError(e)) return { err: (e as { payload: unknown }).payload };
    return { threw: `${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** A short description of a value for messages (megabyte strings and arrays abbreviated). */
export function brief(v: unknown): string {
  if (Object.is(v, -0)) return '-0';
  if (typeof v === 'string' && v.length > 300) return `<string of ${v.length} code units starting ${JSON.stringify(v.slice(0, 16))}>`;
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<unknown>).length > 64) return `<${v.constructor.name} of ${(v as unknown as ArrayLike<unknown>).length}>`;
  if (Array.isArray(v) && v.length > 64) return `<array of ${v.length}>`;
  if (Array.isArray(v)) return `[${v.map(brief).join(', ')}]`;
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
    return `{${Object.entries(v).map(([k, x]) => `${k}: ${brief(x)}`).join(', ')}}`;
  }
  const s = show(v);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

function strDiff(a: string, b: string, path: string): string {
  let i = 0;
  while (i < a.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (a.length <= 64 && b.length <= 64) return `${path}: ${show(a)} is not ${show(b)}`;
  return `${path}: strings of ${a.length} and ${b.length} code units differ at index ${i}: ${show(a.slice(i, i + 8))} vs ${show(b.slice(i, i + 8))}`;
}

/** Where `a` and `b` differ (the rules of assert.deepEqual, in linear time), or null. */
function diff(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a === 'string' && typeof b === 'string') return strDiff(a, b, path);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path}: ${brief(a)} is not ${brief(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: ${a.constructor?.name ?? 'null-prototype object'} ${brief(a)} is not ${b.constructor?.name ?? 'null-prototype object'} ${brief(b)}`;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}: length ${x.length} is not ${y.length} (${brief(a)} vs ${brief(b)})`;
    for (let i = 0; i < x.length; i++) {
      const d = diff(x[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const ka = Object.keys(a);
  const kb = new Set(Object.keys(b));
  for (const k of ka) if (!kb.has(k)) return `${path}.${k}: unexpected key with ${brief((a as Record<string, unknown>)[k])}`;
  for (const k of kb) if (!ka.includes(k)) return `${path}.${k}: missing (expected ${brief((b as Record<string, unknown>)[k])})`;
  for (const k of ka) {
    const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

/**
 * Deep equality with the rules of assert.deepEqual (prototypes, typed array classes, NaN, -0,
 * missing vs undefined keys), linear in the size of the values and with short messages.
 */
export function same(actual: unknown, expected: unknown, message: string): void {
  const d = diff(actual, expected, 'value');
  if (d) throw new AssertionError(`${message}: ${d}\n  actual:   ${brief(actual)}\n  expected: ${brief(expected)}`);
}

/**
 * Calls `fn` of `iface` with `args` in isowasm and (when there is one) in jco, and checks that
 * each call's outcome is `expected` and that the host import was called once with `received`.
 */
export function roundtrip(p: Pair, iface: string, fn: string, args: unknown[], expected: Outcome, received: unknown[] = args): void {
  const label = `${p.fixture} ${iface}.${fn}(${args.map(brief).join(', ')})`;
  p.oursLog.length = 0;
  p.refLog.length = 0;
  const ours = outcome(() => fnOf(p.ours, iface, fn)(...args));
  same(ours, expected, `isowasm: ${label}`);
  same(p.oursLog, [{ fn, args: received }], `isowasm: host import received, ${label}`);
  if (p.ref) {
    const ref = outcome(() => fnOf(p.ref!, iface, fn)(...args), isJcoComponentError);
    same(ref, expected, `jco: ${label}`);
    same(p.refLog, [{ fn, args: received }], `jco: host import received, ${label}`);
    same(ours, ref, `isowasm vs jco: ${label}`);
  }
}

/** `roundtrip` of an echo function: the value comes back as `out` and the host sees `out`. */
export function echo(p: Pair, iface: string, fn: string, value: unknown, out: unknown = value): void {
  roundtrip(p, iface, fn, [value], { ok: out }, [out]);
}
