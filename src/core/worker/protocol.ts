/**
 * The messages between a parent thread and the worker that runs its guest ('worker' strategy).
 *
 * - Host imports stay in the parent. A guest's import call posts `host` and blocks in
 *   `Atomics.wait`; the parent runs the host function (awaiting it if it returns a promise) and
 *   writes a `Reply` into the shared reply slot (wire.ts).
 * - Exports are called from the parent with `call`; the worker answers `return`.
 * - Resources never cross: host objects stay in the parent and guest resource objects stay in
 *   the worker. Each side keeps a table and sends handle tokens; the other side makes proxies.
 *   A side counts how often it sent a token and the receiver releases what it saw once its
 *   proxy is garbage collected, so neither table leaks and no id is freed while one is in flight.
 */
import type { LoaderLimits } from '../binary/limits.js';
import { ComponentError, ComponentExit, IsowasmError, type IsowasmErrorCode, exitCodeOf } from '../errors.js';
import type { AbiLimits } from '../limits.js';

/** What the worker needs to make the import object of a root import (see `describeImports`). */
export type ImportShape =
  | { readonly sort: 'instance'; readonly name: string; readonly ns: NamespaceShape }
  | { readonly sort: 'func'; readonly name: string; readonly fn: number; readonly result: boolean }
  /** a world-level resource type; cls -1: the host gave no class (any object is accepted) */
  | { readonly sort: 'resource'; readonly name: string; readonly cls: number }
  | { readonly sort: 'core-module'; readonly name: string; readonly module: WebAssembly.Module }
  | { readonly sort: 'none'; readonly name: string };

export interface NamespaceShape {
  /** component-level function name, index of the parent's function, whether it returns a `result` */
  readonly funcs: readonly (readonly [name: string, fn: number, result: boolean])[];
  /** resource type name, the parent's class index (-1: no class) */
  readonly resources: readonly (readonly [name: string, cls: number])[];
  readonly nested: readonly (readonly [name: string, ns: NamespaceShape])[];
}

/** How the exports object of the worker's instance looks, for the parent to mirror with proxies. */
export type ExportNode =
  | { readonly k: 'fn'; readonly fn: number; readonly name: string }
  | { readonly k: 'class'; readonly cls: GuestClassRef }
  /** a resource class the component re-exports from its imports: the host's own class */
  | { readonly k: 'host-class'; readonly c: number }
  | { readonly k: 'object'; readonly id: number; readonly entries: readonly (readonly [string, ExportNode])[] }
  | { readonly k: 'ref'; readonly id: number }
  | { readonly k: 'none' };

/** A guest resource class: its index, and (the first time it is sent) what it offers. */
export interface GuestClassRef {
  readonly c: number;
  readonly d?: { readonly name: string; readonly methods: readonly string[]; readonly statics: readonly string[] };
}

/** A host object the parent keeps (c: the class index the worker's proxy takes, -1: none). */
export interface HostToken { readonly $h: number; readonly c?: number }
/** A guest resource object the worker keeps. */
export interface GuestToken extends Partial<GuestClassRef> { readonly $g: number }

export function isHostToken(v: object): v is HostToken {
  return typeof (v as HostToken).$h === 'number';
}

export function isGuestToken(v: object): v is GuestToken {
  return typeof (v as GuestToken).$g === 'number';
}

export type CallOp =
  | { readonly k: 'fn'; readonly fn: number; readonly args: unknown[] }
  | { readonly k: 'new'; readonly c: number; readonly args: unknown[] }
  | { readonly k: 'static'; readonly c: number; readonly name: string; readonly args: unknown[] }
  | { readonly k: 'method'; readonly name: string; readonly self: unknown; readonly args: unknown[] }
  /** restore a resettable instance (`instance.reset()`) */
  | { readonly k: 'reset'; readonly args: unknown[] };

export type ToWorker =
  | { readonly t: 'init'; readonly bytes: Uint8Array; readonly loaderLimits: LoaderLimits; readonly modules: readonly (readonly [number, WebAssembly.Module])[]; readonly sab: SharedArrayBuffer; readonly imports: readonly ImportShape[]; readonly limits: AbiLimits; readonly resettable: boolean }
  | { readonly t: 'call'; readonly seq: number; readonly op: CallOp }
  /** the parent disposed of a guest resource object (`obj[Symbol.dispose]()`) */
  | { readonly t: 'dispose'; readonly self: unknown }
  /** pairs of (guest id, how many tokens of it the parent saw) whose proxies were collected */
  | { readonly t: 'release'; readonly list: readonly number[] };

export type ToParent =
  | { readonly t: 'ready'; readonly exports: ExportNode }
  | { readonly t: 'failed'; readonly error: WireError }
  | { readonly t: 'return'; readonly seq: number; readonly ok: boolean; readonly value?: unknown; readonly error?: WireError }
  | { readonly t: 'host'; readonly fn: number; readonly args: unknown[] }
  /** the guest dropped an owned handle of a host object: the parent runs its `Symbol.dispose` */
  | { readonly t: 'dispose'; readonly id: number }
  | { readonly t: 'release'; readonly list: readonly number[] };

/** A host call's outcome, written into the reply slot. */
export interface Reply {
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: WireError;
}

/** An error as it crosses threads: the kinds isowasm's callers tell apart survive with their fields. */
export type WireError =
  | { readonly k: 'exit'; readonly code: number }
  | { readonly k: 'component'; readonly payload: unknown }
  | { readonly k: 'isowasm'; readonly code: string; readonly message: string; readonly details: unknown; readonly cause?: WireError }
  | { readonly k: 'error'; readonly name: string; readonly message: string; readonly cause?: WireError }
  /** a thrown value that is not an Error (jco's `{ payload }`, a variant case) */
  | { readonly k: 'value'; readonly value: unknown };

/** `Object.prototype` or null: a record, flags or variant object rather than a resource. */
export function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** A copy of `v` that structured clone and the wire accept: data only, no functions or class instances. */
export function plainData(v: unknown, depth = 0): unknown {
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (typeof v !== 'object' || v === null || depth > 20) return typeof v === 'object' && v !== null ? undefined : v;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  if (Array.isArray(v)) return v.map((x) => plainData(x, depth + 1));
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = plainData((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

/** Serializes a thrown value; `value` turns resources inside payloads into tokens. */
export function errorOut(e: unknown, value: (v: unknown) => unknown, depth = 0): WireError {
  const code = exitCodeOf(e);
  if (code !== null) return { k: 'exit', code };
  if (e instanceof ComponentError) return { k: 'component', payload: value(e.payload) };
  const cause = depth < 4 && e instanceof Error && e.cause !== undefined ? errorOut(e.cause, value, depth + 1) : undefined;
  if (e instanceof IsowasmError) {
    return { k: 'isowasm', code: e.code, message: e.message, details: plainData(e.details), ...(cause ? { cause } : {}) };
  }
  if (e instanceof Error) return { k: 'error', name: e.name, message: e.message, ...(cause ? { cause } : {}) };
  return { k: 'value', value: value(e) };
}

const errorClasses: Record<string, new (message: string) => Error> = {
  TypeError, RangeError, SyntaxError, ReferenceError,
  RuntimeError: WebAssembly.RuntimeError, LinkError: WebAssembly.LinkError, CompileError: WebAssembly.CompileError,
};

/** Rebuilds a thrown value on this side of the bridge: same class, code, exit code or payload. */
export function errorIn(w: WireError, value: (v: unknown) => unknown): unknown {
  switch (w.k) {
    case 'exit': return new ComponentExit(w.code);
    case 'component': return new ComponentError(value(w.payload));
    case 'value': return value(w.value);
    case 'isowasm': {
      const cause = w.cause ? errorIn(w.cause, value) : undefined;
      return new IsowasmError(w.code as IsowasmErrorCode, w.message, { details: w.details, ...(cause !== undefined ? { cause } : {}) });
    }
    case 'error': {
      const C = errorClasses[w.name] ?? Error;
      const e = new C(w.message);
      if (w.cause) Object.defineProperty(e, 'cause', { value: errorIn(w.cause, value), configurable: true, writable: true });
      if (e.name !== w.name) Object.defineProperty(e, 'name', { value: w.name, configurable: true, writable: true });
      return e;
    }
  }
}
