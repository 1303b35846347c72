/**
 * The loader's limits (`LoaderLimits` and their defaults): how many instances, core instances and
 * how large and deep types a binary may ask for, measured while parsing.
 */
import { IsowasmError } from '../errors.js';

/**
 * Bounds on the work a component binary can ask of the loader. A few hundred hostile bytes can
 * describe an exponential amount of work (components that each instantiate the previous one
 * twice; types that use an earlier type twice, level after level), so the loader measures it
 * before doing it and refuses with an `IsowasmError` `UNSUPPORTED` naming the limit. The defaults
 * are far above what real toolchains emit; raise a limit only for a component you trust.
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm';
 * // a trusted composition of many components
 * const component = await loadComponent(bytes, { limits: { maxInstances: 5000 } });
 * ```
 */
export interface LoaderLimits {
  /**
   * Component instances one instantiation creates, counting every nested instantiation (a
   * component instantiated twice counts its own nested instances twice). Default 1000.
   */
  readonly maxInstances?: number;
  /** Core module instances one instantiation creates, across all nesting. Default 10000. */
  readonly maxCoreInstances?: number;
  /**
   * How deeply types nest: value types (`option<option<u8>>` is 3 levels deep), function types
   * and instance types, and instances nested in instances' exports. Default 100; at most 500,
   * since each level takes about 1 KB of the JavaScript stack (of about 1 MB) in the walks over
   * types (codecs, descriptions, lifting).
   */
  readonly maxTypeDepth?: number;
  /**
   * The effective size of a type: a primitive, enum, flags or handle counts 1, anything else 1
   * plus its parts, each part as often as it is used (a fixed-length list counts its element
   * `length` times), as wasm-tools measures it. It bounds types, function signatures and the
   * exports of an instance. Default 1000000 (wasm-tools' own limit).
   */
  readonly maxTypeSize?: number;
}

/** Every limit, resolved. */
export type ResolvedLimits = Readonly<Required<LoaderLimits>>;

/**
 * The limits a component is loaded with unless `limits` says otherwise. The largest component in
 * our conformance corpus makes 16 component instances and 12 core instances, and its largest
 * type has size 452 and depth 10.
 *
 * @example
 * ```ts
 * import { DEFAULT_LOADER_LIMITS, loadComponent } from 'isowasm';
 * await loadComponent(bytes, { limits: { maxInstances: 4 * DEFAULT_LOADER_LIMITS.maxInstances } });
 * ```
 */
export const DEFAULT_LOADER_LIMITS: ResolvedLimits = Object.freeze({
  maxInstances: 1000,
  maxCoreInstances: 10_000,
  maxTypeDepth: 100,
  maxTypeSize: 1_000_000,
});

/** Deeper types would overflow the stack of the recursive walks (codecs, lifting) over them. */
export const MAX_TYPE_DEPTH_CAP = 500;

/** Fills in defaults and checks the given limits (a `TypeError` for a limit that is not a positive integer). */
export function resolveLimits(limits?: LoaderLimits): ResolvedLimits {
  if (limits === undefined) return DEFAULT_LOADER_LIMITS;
  if (typeof limits !== 'object' || limits === null) throw new TypeError('limits must be an object such as { maxInstances: 1000 }');
  const out: Record<string, number> = { ...DEFAULT_LOADER_LIMITS };
  for (const [k, v] of Object.entries(limits)) {
    if (!(k in DEFAULT_LOADER_LIMITS)) throw new TypeError(`unknown loader limit "${k}" (known: ${Object.keys(DEFAULT_LOADER_LIMITS).join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new TypeError(`limits.${k} must be a positive integer, not ${String(v)}`);
    out[k] = v;
  }
  if (out.maxTypeDepth! > MAX_TYPE_DEPTH_CAP) throw new TypeError(`limits.maxTypeDepth can be at most ${MAX_TYPE_DEPTH_CAP} (deeper types would overflow the JavaScript stack)`);
  return Object.freeze(out as Required<LoaderLimits>);
}

/**
 * The error for work beyond a limit. `what` says what was too big; the message says how to raise
 * the limit for a trusted component.
 */
export function limitError(limit: keyof LoaderLimits, max: number, what: string): IsowasmError {
  return new IsowasmError(
    'UNSUPPORTED',
    `${what}, beyond the loader limit ${limit} = ${max}; real toolchains stay far below it, so the component is likely hostile (if you trust it, raise the limit: loadComponent(source, { limits: { ${limit}: ... } }))`,
    { details: { limit, max } },
  );
}

/** The effective size and depth of a type (or an instance's exports), as the limits measure them. */
export interface TypeInfo {
  readonly size: number;
  readonly depth: number;
}

/** A primitive, enum, flags, handle or anything unknown until run time. */
export const LEAF: TypeInfo = Object.freeze({ size: 1, depth: 1 });

/**
 * The info of a node made of `parts` (null parts are absent, e.g. `result<_, E>`), each part
 * counted `times` times. Sizes saturate: past 2^53 they are all "too big" anyway.
 */
export function combine(parts: readonly (TypeInfo | null)[], times = 1): TypeInfo {
  let size = 0;
  let depth = 0;
  for (const p of parts) {
    if (!p) continue;
    size += p.size;
    if (p.depth > depth) depth = p.depth;
  }
  return { size: Math.min(1 + size * times, Number.MAX_SAFE_INTEGER), depth: depth + 1 };
}

/** Throws the limit error when `info` is beyond the size or depth limit; `what` names the type. */
export function checkTypeInfo(info: TypeInfo, limits: ResolvedLimits, what: string): void {
  if (info.depth > limits.maxTypeDepth) throw limitError('maxTypeDepth', limits.maxTypeDepth, `${what} is nested ${info.depth} levels deep`);
  if (info.size > limits.maxTypeSize) throw limitError('maxTypeSize', limits.maxTypeSize, `${what} has an effective size of ${info.size >= Number.MAX_SAFE_INTEGER ? 'over 2^53' : info.size}`);
}
