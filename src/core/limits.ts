/**
 * Limits of one instance (`instantiate({ limits })`): the budgets of the Canonical ABI, which
 * bound what one call can make the host allocate while values cross between JS and the guest, and
 * the cap of the guest's own memory; the limits DESIGN.md plans (timeoutMs, fuel,
 * tableElements) join them here.
 */

const MiB = 1024 * 1024;

/** The default budget is this multiple of the guest memory's size... */
export const BUDGET_MEMORY_MULTIPLE = 4;
/** ...but at least this (a small guest still passes some megabytes)... */
export const BUDGET_FLOOR = 64 * MiB;
/** ...and at most this (well below the ~4 GB a JS engine's heap holds). */
export const BUDGET_CAP = 1024 * MiB;

/**
 * Limits of one instance. Every field is optional; a limit that is left out takes its default.
 * A call that goes over a limit ends with an `IsowasmError` whose code is `MEMORY_LIMIT` and
 * whose message names the limit.
 *
 * Both budgets default to 4 times the size of the guest's memory at the time of the call, at
 * least 64 MiB and at most 1 GiB. Without aliasing, a guest's result is never larger than the
 * memory it comes from, and the JS values it becomes take about as much again: 4 times leaves
 * room for honest results (even lists of small records, which cost the host more than the guest)
 * while a guest can make the host allocate no more than a small multiple of what it holds; the
 * cap keeps any one call far from the host's heap limit. `Infinity` turns a budget off.
 *
 * @example
 * ```ts
 * // a guest that returns a few hundred megabytes on purpose
 * const { exports } = await component.instantiate({ limits: { liftBytes: 2 ** 30 } });
 * try {
 *   exports.render(doc);
 * } catch (e) {
 *   if (e instanceof IsowasmError && e.code === 'MEMORY_LIMIT') console.error(e.message);
 * }
 * ```
 */
export interface InstanceLimits {
  /**
   * The most one call may lift out of the guest, in bytes: an export's results, or the
   * arguments the guest passes to a host import. Counted before anything is allocated: every
   * string's and list's bytes each time they are read (a guest may point many list entries at
   * one block of its memory), and for a list that becomes a JS array, at least what each element
   * costs in JS (so 10 million one-byte records count hundreds of megabytes, as they cost the
   * host). Going over it ends the call with `MEMORY_LIMIT` and, like a trap, ends the instance:
   * later calls fail with `INSTANCE_POISONED`.
   */
  readonly liftBytes?: number;
  /**
   * The most one call may lower into the guest's memory, in bytes: an export's arguments, or
   * what a host import returns (every string's and list's bytes each time they are written, each
   * list element at least one byte). For an export's arguments, going over it is the caller's
   * error: the guest does not run and the instance stays usable. For a host import's result, the
   * guest is waiting inside the call, so the instance ends as if it trapped.
   */
  readonly lowerBytes?: number;
  /**
   * The largest each linear memory of the instance may grow to, in bytes (rounded down to whole
   * 64 KiB pages; default: what the component declares). The core modules are compiled with
   * their memories' declared maximum lowered to it (once per component and limit), so
   * `memory.grow` past it fails inside the guest, as the specification says: the guest's
   * allocator reports out-of-memory, which usually ends in a trap. A component whose memory
   * starts larger than the limit fails to instantiate with `MEMORY_LIMIT`.
   */
  readonly memoryBytes?: number;
  /**
   * The fuel the instance may spend, in all its calls: one unit per loop iteration and per call
   * of a function that loops or calls (straight-line functions spend nothing), the same count in
   * every engine for the same guest and input (`instance.fuelConsumed` says how much was spent).
   * Past it the call ends with `OUT_OF_FUEL` and the instance is dead. Setting `fuel` or
   * `timeoutMs` compiles the component's core modules with metering (once per component), which
   * costs some speed (up to 2x in the tightest loops; a JS guest's calls ~1.1-1.3x).
   */
  readonly fuel?: number;
  /**
   * The wall-clock limit of each call into the instance, in milliseconds, checked every 10,000
   * units of fuel (not a clock read per loop iteration; counted from the
   * call's first such check, so a short call reads no clock at all): a guest looping in its
   * own code is stopped in the thread it runs in, with `TIMEOUT`, and the instance is dead. Time
   * a JSPI call spends waiting for the host counts too, but the check comes when the guest runs.
   * A call of an export lifted `async` (component-model async) is also bounded as a whole, waits
   * included: a task that has not returned by then ends the instance with `TIMEOUT`, so a guest
   * waiting on something that never comes does not hold its caller forever.
   */
  readonly timeoutMs?: number;
  /**
   * The most elements each table of the instance may grow to (default: what the component
   * declares): the tables' declared maximum is lowered when the core modules are compiled, so
   * `table.grow` past it fails inside the guest. A table that starts larger fails to instantiate
   * with `MEMORY_LIMIT`.
   */
  readonly tableElements?: number;
}

/** The limits an instance runs with: numbers, or null where the default applies. */
export interface AbiLimits {
  readonly liftBytes: number | null;
  readonly lowerBytes: number | null;
  /** the cap of each linear memory, in bytes (null: as declared) */
  readonly memoryBytes: number | null;
  /** the fuel budget (null: none) */
  readonly fuel: number | null;
  /** each call's wall-clock limit in ms (null: none) */
  readonly timeoutMs: number | null;
  /** the cap of each table, in elements (null: as declared) */
  readonly tableElements: number | null;
}

export const DEFAULT_LIMITS: AbiLimits = Object.freeze({ liftBytes: null, lowerBytes: null, memoryBytes: null, fuel: null, timeoutMs: null, tableElements: null });

const KNOWN = ['liftBytes', 'lowerBytes', 'memoryBytes', 'fuel', 'timeoutMs', 'tableElements'] as const;

/** Checks `instantiate`'s `limits` option (a TypeError names what is wrong) and fills in the defaults. */
export function resolveLimits(given: unknown): AbiLimits {
  if (given === undefined) return DEFAULT_LIMITS;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new TypeError(`instantiate(): options.limits must be an object such as { liftBytes: ${BUDGET_CAP} }, got ${given === null ? 'null' : Array.isArray(given) ? 'an array' : typeof given}`);
  }
  const o = given as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    // a limit we don't enforce must not look enforced
    if (!(KNOWN as readonly string[]).includes(k)) {
      throw new TypeError(`instantiate(): options.limits.${k} is not a limit isowasm knows; the limits are ${KNOWN.join(', ')}`);
    }
  }
  const timeoutMs = o.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new TypeError(`instantiate(): options.limits.timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  const fuel = o.fuel;
  if (fuel !== undefined && !(typeof fuel === 'number' && fuel >= 1 && (Number.isSafeInteger(fuel) || fuel === Infinity))) {
    throw new TypeError(`instantiate(): options.limits.fuel must be a whole number of at least 1, got ${String(fuel)}`);
  }
  return {
    liftBytes: bytes(o, 'liftBytes'), lowerBytes: bytes(o, 'lowerBytes'), memoryBytes: bytes(o, 'memoryBytes'),
    fuel: fuel === undefined || fuel === Infinity ? null : fuel, timeoutMs: timeoutMs === undefined || timeoutMs === Infinity ? null : timeoutMs,
    tableElements: bytes(o, 'tableElements'),
  };
}

function bytes(o: Record<string, unknown>, key: (typeof KNOWN)[number]): number | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'number' || !(v >= 0) || (!Number.isSafeInteger(v) && v !== Infinity)) {
    throw new TypeError(`instantiate(): options.limits.${key} must be a whole number${key === 'tableElements' ? ' of elements' : ' of bytes'} (or Infinity for no limit), got ${typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v}`);
  }
  return v;
}

/** The default budget of a call into or out of a guest whose memory is `memoryBytes` long. */
export function defaultBudget(memoryBytes: number): number {
  return Math.min(BUDGET_CAP, Math.max(BUDGET_FLOOR, BUDGET_MEMORY_MULTIPLE * memoryBytes));
}

/** `n` bytes for messages: in MiB or GiB when that is exact enough to read. */
export function formatBytes(n: number): string {
  if (n === Infinity) return 'no limit';
  if (n >= 1024 * MiB && n % (64 * MiB) === 0) return `${n / (1024 * MiB)} GiB`;
  if (n >= MiB && n % (MiB / 4) === 0) return `${n / MiB} MiB`;
  return `${n} bytes`;
}
