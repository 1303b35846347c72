/**
 * Host imports made anew on each reset: the WASI host keeps an instance's state (stdin's
 * position, the denials already reported, random's seed) in the functions it makes for that
 * instance, which the core instances are linked to for good. So each function is linked through a
 * trampoline that calls the current set, and a reset makes a new set and points the trampolines
 * at it. Classes (resource types) must be the same in every set: a resource's type is its class.
 */
import { IsowasmError } from '../errors.js';

const MAY_SUSPEND = Symbol.for('isowasm.maySuspend');
const AsyncFunction = (async () => {}).constructor;

type Namespace = Record<string, unknown>;
type AnyFn = (...a: unknown[]) => unknown;

/** A function that is not a class: arrows and methods have no prototype. */
function plainFunction(v: unknown): v is AnyFn {
  return typeof v === 'function' && !Object.hasOwn(v, 'prototype');
}

export class SwappableImports {
  /** what the linker gets: namespaces of trampolines (and the classes as they are) */
  readonly imports: Record<string, unknown>;
  readonly #holders = new Map<string, { current: Namespace }>();
  #made: Record<string, unknown>;

  /** @param make builds one instance's host imports (namespaces of functions and classes) */
  constructor(private readonly make: () => Record<string, unknown>) {
    this.#made = make();
    this.imports = {};
    for (const [ns, value] of Object.entries(this.#made)) {
      if (typeof value !== 'object' || value === null) {
        this.imports[ns] = value;
        continue;
      }
      const holder = { current: value as Namespace };
      this.#holders.set(ns, holder);
      const out: Namespace = {};
      for (const [name, member] of Object.entries(value)) {
        if (!plainFunction(member)) {
          out[name] = member;
          continue;
        }
        const t = (...a: unknown[]): unknown => (holder.current[name] as AnyFn)(...a);
        // the linker reads these marks to choose which imports may suspend the guest
        if (member instanceof AsyncFunction || (member as unknown as Record<symbol, unknown>)[MAY_SUSPEND] === true) {
          (t as unknown as Record<symbol, unknown>)[MAY_SUSPEND] = true;
        }
        out[name] = t;
      }
      this.imports[ns] = out;
    }
  }

  /** Makes a new set and links the trampolines to it (the old set is dropped with its state). */
  swap(): void {
    const next = this.make();
    const problem = (what: string): never => {
      throw new IsowasmError('UNSUPPORTED', `the WASI host made ${what} differently for a reset, so the instance's host state can't be made anew; instantiate it without resettable`);
    };
    const keys = Object.keys(next);
    if (keys.length !== Object.keys(this.#made).length || keys.some((k) => !Object.hasOwn(this.#made, k))) problem('its set of interfaces');
    for (const ns of keys) {
      const holder = this.#holders.get(ns);
      const value = next[ns];
      if (!holder) {
        if (value !== this.#made[ns]) problem(`'${ns}'`);
        continue;
      }
      if (typeof value !== 'object' || value === null) return problem(`'${ns}'`);
      const before = this.#made[ns] as Namespace;
      for (const [name, member] of Object.entries(value)) {
        if (plainFunction(member) ? !plainFunction(before[name]) : member !== before[name]) problem(`${ns}#${name}`);
      }
      if (Object.keys(value).length !== Object.keys(before).length) problem(`the members of '${ns}'`);
    }
    for (const ns of keys) {
      const holder = this.#holders.get(ns);
      if (holder) holder.current = next[ns] as Namespace;
    }
    this.#made = next;
  }
}
