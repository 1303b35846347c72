/**
 * The worker's side of `runInWorker`: it loads the component from the bytes the page sent,
 * instantiates it with the page's (cloneable) options, and calls exports by path. Replies are
 * data (`{ ok }` or `{ error }`), so errors keep their class and fields across the boundary, and
 * large byte results are marked to be transferred rather than copied.
 */
import { IsowasmError } from '../errors.js';
import type { Capabilities } from '../host/capabilities.js';
import type { InstanceLimits } from '../limits.js';
import { type SentError, sendError } from './errors.js';
import { type ExportShape, shapeOf } from './shape.js';

/** The instance options that cross to the worker: data only (no functions, no volumes, no sinks). */
export interface RunnerOptions {
  readonly capabilities?: Capabilities;
  readonly limits?: InstanceLimits;
  /** as in `instantiate`; exports that suspend (JSPI) are awaited in the worker */
  readonly async?: boolean;
}

export type Reply<T> = { readonly ok: T } | { readonly error: SentError };

/** What the page calls in the worker. */
export interface Runner {
  start(bytes: Uint8Array, options: RunnerOptions): Promise<Reply<ExportShape>>;
  call(path: readonly string[], args: unknown[]): Promise<Reply<unknown>>;
}

/** What the runner needs of a loaded component. */
export interface RunnerComponent {
  instantiate(options: Record<string, unknown>): Promise<{ exports: unknown }>;
}

/** Byte results at least this large are transferred (moved) to the page instead of copied. */
export const TRANSFER_MIN_BYTES = 64 * 1024;

/** Values nest at most this deep (lifted values are bounded by the type depth long before). */
const MAX_DEPTH = 1000;

/**
 * Checks that `value` crosses by structured clone as the same JS value (resources and other
 * class instances would lose their methods: `UNSUPPORTED`), and collects the buffers of large
 * byte arrays that own their whole buffer, to transfer.
 */
export function crossing(value: unknown, what: string): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const stack: [unknown, string, number][] = [[value, what, 0]];
  while (stack.length > 0) {
    const [v, at, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol') throw new IsowasmError('UNSUPPORTED', `${at} is a ${typeof v}, which can't cross from the worker to the page`);
      continue;
    }
    if (depth > MAX_DEPTH) throw new IsowasmError('UNSUPPORTED', `${at} nests deeper than ${MAX_DEPTH} levels`);
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (b instanceof ArrayBuffer && v.byteLength >= TRANSFER_MIN_BYTES && v.byteOffset === 0 && v.byteLength === b.byteLength) buffers.add(b);
      continue;
    }
    if (v instanceof ArrayBuffer) continue;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${at}[${i}]`, depth + 1]);
    } else if (proto === Object.prototype || proto === null) {
      for (const [k, x] of Object.entries(v)) stack.push([x, `${at}.${k}`, depth + 1]);
    } else {
      const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
      throw new IsowasmError('UNSUPPORTED', `${at} is a ${name} (a resource or another class instance), which can't cross from the worker to the page: resources stay in the worker's thread; return plain data instead`);
    }
  }
  return [...buffers];
}

/**
 * The runner a worker exposes. `mark(reply, buffers)` tells the transport to transfer `buffers`
 * with `reply` (comlink's `transfer`).
 *
 * @example
 * ```ts
 * Comlink.expose(createRunner((bytes) => loadComponent(bytes), Comlink.transfer));
 * ```
 */
export function createRunner(load: (bytes: Uint8Array) => Promise<RunnerComponent>, mark: <T>(reply: T, buffers: ArrayBuffer[]) => T): Runner {
  let exports: unknown = null;
  return {
    async start(bytes, options) {
      try {
        if (exports !== null) throw new IsowasmError('INTERNAL', 'the worker was started twice');
        const component = await load(bytes);
        const instance = await component.instantiate({ ...options });
        exports = instance.exports;
        return { ok: shapeOf(exports) };
      } catch (e) {
        return { error: sendError(e) };
      }
    },
    async call(path, args) {
      const name = path.join('.');
      try {
        let target: unknown = exports;
        for (const key of path) target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[key] : undefined;
        if (typeof target !== 'function') throw new IsowasmError('INTERNAL', `${name} is not an exported function of the instance in the worker`);
        const value = await (target as (...a: unknown[]) => unknown)(...args);
        const reply = { ok: value };
        return mark(reply, crossing(value, `the result of ${name}()`));
      } catch (e) {
        return { error: sendError(e) };
      }
    },
  };
}
