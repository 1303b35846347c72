/**
 * A small assertion library that behaves the same in Node and in browsers (node:assert is not
 * available in browsers). Deep equality knows typed arrays, bigint, NaN, Map and missing vs
 * undefined keys.
 */

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return `${x}n`;
      if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
      if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return `${x.constructor.name}[${Array.from(x as unknown as ArrayLike<unknown>, (e) => (typeof e === 'bigint' ? `${e}n` : String(e))).join(',')}]`;
      if (x === undefined) return '<undefined>';
      return x;
    }) ?? String(v);
  } catch {
    return String(v);
  }
}

export function ok(v: unknown, message?: string): asserts v {
  if (!v) throw new AssertionError(message ?? `expected a truthy value, got ${show(v)}`);
}

export function equal(actual: unknown, expected: unknown, message?: string): void {
  if (!Object.is(actual, expected)) throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
}

function deepEq(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== typeof b) return `${path}: ${show(a)} is not ${show(b)}`;
  if (typeof a !== 'object' || a === null || b === null) return `${path}: ${show(a)} is not ${show(b)}`;
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b as object);
  if (pa !== pb) return `${path}: ${(a as object).constructor?.name} is not ${(b as object).constructor?.name}`;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}: length ${x.length} is not ${y.length}`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${path}[${i}]: ${show(x[i])} is not ${show(y[i])}`;
    return null;
  }
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return `${path}: map size ${a.size} is not ${m.size}`;
    for (const [k, v] of a) {
      if (!m.has(k)) return `${path}: key ${show(k)} missing`;
      const d = deepEq(v, m.get(k), `${path}.get(${show(k)})`);
      if (d) return d;
    }
    return null;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return `${path}: length ${a.length} is not ${(b as unknown[]).length}`;
  for (const k of kb) if (!ka.includes(k)) return `${path}.${k}: missing (expected ${show((b as Record<string, unknown>)[k])})`;
  for (const k of ka) if (!kb.includes(k)) return `${path}.${k}: unexpected key with ${show((a as Record<string, unknown>)[k])}`;
  for (const k of ka) {
    const d = deepEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

/** Strict structural equality (prototypes, keys, typed array classes and contents). */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  const d = deepEq(actual, expected, 'value');
  if (d) throw new AssertionError(`${message ? `${message}: ` : ''}${d}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
}

type Matcher = { code?: string; name?: string; message?: RegExp | string; instanceOf?: abstract new (...a: never[]) => unknown } | ((e: unknown) => boolean);

function matches(e: unknown, m: Matcher | undefined): string | null {
  if (!m) return null;
  if (typeof m === 'function') return m(e) ? null : `the error did not match: ${show(String(e))}`;
  const err = e as { code?: unknown; name?: unknown; message?: unknown };
  if (m.instanceOf && !(e instanceof m.instanceOf)) return `expected an instance of ${m.instanceOf.name}, got ${String(e)}`;
  if (m.code !== undefined && err?.code !== m.code) return `expected code ${m.code}, got ${String(err?.code)} (${String(err?.message)})`;
  if (m.name !== undefined && err?.name !== m.name) return `expected ${m.name}, got ${String(err?.name)}: ${String(err?.message)}`;
  if (m.message !== undefined) {
    const msg = String(err?.message);
    if (typeof m.message === 'string' ? !msg.includes(m.message) : !m.message.test(msg)) return `message ${show(msg)} does not match ${String(m.message)}`;
  }
  return null;
}

/** Asserts `fn` throws an error matching `m`; returns the error. */
export function throws(fn: () => unknown, m?: Matcher): unknown {
  try {
    fn();
  } catch (e) {
    const d = matches(e, m);
    if (d) throw new AssertionError(d);
    return e;
  }
  throw new AssertionError('expected the call to throw, but it returned');
}

/** Asserts the promise rejects with an error matching `m`; returns the error. */
export async function rejects(p: Promise<unknown> | (() => Promise<unknown>), m?: Matcher): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    const d = matches(e, m);
    if (d) throw new AssertionError(d);
    return e;
  }
  throw new AssertionError('expected the promise to reject, but it resolved');
}
