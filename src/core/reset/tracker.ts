/**
 * The host's side of resettable instances: while a component instance is made, it collects the
 * state of every core instance (memories with their virtual sizes, mutable globals, tables, all
 * exported under reserved names by `resettableModule`) and every component instance's ABI state
 * (handle tables, flags); `snapshot()` takes their values right after instantiation, and
 * `restore()` puts them back, so the instance is what a fresh one would be.
 */
import type { InstanceState } from '../abi/context.js';
import { IsowasmError } from '../errors.js';
import { RESET_GLOBAL, RESET_MEMORY, RESET_MODULE, RESET_TABLE, RESET_VSIZE } from './names.js';

const PAGE = 65536;
/** pages a 32-bit memory may have */
const MAX_PAGES = 65536;

interface TrackedMemory {
  readonly memory: WebAssembly.Memory;
  readonly vsize: WebAssembly.Global;
  /** the virtual size right after instantiation, in pages */
  pages: number;
  /** the contents then, up to the last byte that was not zero */
  saved: Uint8Array;
}

/** One `isowasm:reset` import of a module: its name, and the memory import it sizes or grows. */
interface ResetImport {
  readonly name: string;
  readonly kind: 'size' | 'grow';
  readonly memory: { readonly module: string; readonly name: string } | undefined;
}

/** The `isowasm:reset` imports of each module, read once per module rather than per instance. */
const resetImports = new WeakMap<WebAssembly.Module, readonly ResetImport[]>();

function resetImportsOf(module: WebAssembly.Module): readonly ResetImport[] {
  let list = resetImports.get(module);
  if (!list) {
    const all = WebAssembly.Module.imports(module);
    // the memory imports in import order: the `isowasm:reset` functions name them by index
    const memories = all.filter((d) => d.kind === 'memory');
    list = all.filter((d) => d.module === RESET_MODULE).map((d) => {
      const [kind, index] = d.name.split(':') as ['size' | 'grow', string];
      return { name: d.name, kind, memory: memories[Number(index)] };
    });
    resetImports.set(module, list);
  }
  return list;
}

export class ResetTracker {
  readonly #states: InstanceState[] = [];
  readonly #memories = new Map<WebAssembly.Memory, TrackedMemory>();
  readonly #globals = new Map<WebAssembly.Global, unknown>();
  readonly #tables = new Map<WebAssembly.Table, unknown[]>();
  /** each component instance's handle table right after instantiation */
  readonly #handles = new Map<InstanceState, ReturnType<InstanceState['handles']['snapshot']>>();
  /** the modules rewritten for resetting (any other is refused: its state can't be reached) */
  readonly #ours: ReadonlySet<WebAssembly.Module>;
  #snapshotted = false;

  constructor(ours: Iterable<WebAssembly.Module>) {
    this.#ours = new Set(ours);
  }

  /** A component instance (the root or a nested one) was made. */
  addState(state: InstanceState): void {
    this.#states.push(state);
  }

  /**
   * The `isowasm:reset` imports `module` needs (the size and growth of memories it imports),
   * bound to the virtual sizes of the memories `imports` gives it; throws for a module that was
   * not rewritten (one the host handed in as an import).
   */
  importsFor(module: WebAssembly.Module, imports: Readonly<Record<string, Readonly<Record<string, unknown>>>>, where: string): Record<string, unknown> | null {
    if (!this.#ours.has(module)) {
      throw new IsowasmError('UNSUPPORTED', `${where} is a core module the host supplied, whose state isowasm can't reach, so the instance can't be resettable; instantiate it without resettable`);
    }
    let out: Record<string, unknown> | null = null;
    for (const d of resetImportsOf(module)) {
      const memory = d.memory ? imports[d.memory.module]?.[d.memory.name] : undefined;
      const tracked = memory instanceof WebAssembly.Memory ? this.#memories.get(memory) : undefined;
      if (!tracked) throw new IsowasmError('UNSUPPORTED', `${where} sizes or grows a memory that no resettable core module defines, so the instance can't be resettable; instantiate it without resettable`);
      (out ??= {})[d.name] = d.kind === 'size' ? () => tracked.vsize.value : (delta: number) => grow(tracked, delta);
    }
    return out;
  }

  /** A core instance was made: its reserved exports are the state to restore. */
  addInstance(exports: Readonly<Record<string, unknown>>): void {
    for (const [name, value] of Object.entries(exports)) {
      if (name.startsWith(RESET_MEMORY) && value instanceof WebAssembly.Memory) {
        const vsize = exports[`${RESET_VSIZE}${name.slice(RESET_MEMORY.length)}`];
        if (!(vsize instanceof WebAssembly.Global)) throw new IsowasmError('INTERNAL', `a resettable core module exports ${name} without its virtual size`);
        this.#memories.set(value, { memory: value, vsize, pages: 0, saved: new Uint8Array(0) });
      } else if (name.startsWith(RESET_GLOBAL) && value instanceof WebAssembly.Global) {
        this.#globals.set(value, undefined);
      } else if (name.startsWith(RESET_TABLE) && value instanceof WebAssembly.Table) {
        this.#tables.set(value, []);
      }
    }
  }

  /** Takes the state right after instantiation (once). */
  snapshot(): void {
    if (this.#snapshotted) throw new IsowasmError('INTERNAL', 'a resettable instance was snapshotted twice');
    this.#snapshotted = true;
    for (const s of this.#states) {
      // a host object the guest got while it was instantiated (a start function that asked the
      // WASI host for a stream, say) has a state of its own that a reset can't put back
      for (const h of s.handles.live()) {
        if (h.rt.kind === 'host') {
          throw new IsowasmError('UNSUPPORTED', `${s.label} holds a host resource (${h.rt.name}) when its instantiation ends, whose state a reset can't put back, so the instance can't be resettable; instantiate it without resettable`);
        }
      }
      this.#handles.set(s, s.handles.snapshot());
    }
    for (const m of this.#memories.values()) {
      m.pages = m.vsize.value as number;
      const bytes = new Uint8Array(m.memory.buffer, 0, m.pages * PAGE);
      // the zero pages past the data are not kept: a reset zeroes them anyway
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end--;
      m.saved = bytes.slice(0, end);
    }
    for (const g of this.#globals.keys()) this.#globals.set(g, g.value);
    for (const t of this.#tables.keys()) {
      const items: unknown[] = [];
      for (let i = 0; i < t.length; i++) items.push(t.get(i));
      this.#tables.set(t, items);
    }
  }

  /** The component instances' ABI state (to check that no call is in progress). */
  get states(): readonly InstanceState[] {
    return this.#states;
  }

  /** Puts every memory, global, table and handle table back as the snapshot found them. */
  restore(): void {
    for (const m of this.#memories.values()) {
      const bytes = new Uint8Array(m.memory.buffer);
      bytes.set(m.saved);
      // what the guest grew into, and wrote past its data, is zero again
      bytes.fill(0, m.saved.length);
      m.vsize.value = m.pages;
    }
    for (const [g, v] of this.#globals) g.value = v;
    for (const [t, items] of this.#tables) {
      for (let i = 0; i < items.length; i++) t.set(i, items[i]);
    }
    for (const s of this.#states) {
      // the guest's own resources made while it was instantiated live on in its restored memory
      s.handles.restore(this.#handles.get(s)!);
      s.mayLeave = true;
      s.mayEnter = true;
      s.poisoned = null;
      s.queue = null;
      // resource objects JS holds from before stop working (their reps mean nothing now)
      s.epoch++;
    }
  }
}

/** `memory.grow` of an imported memory: as the added function of its defining module does it. */
function grow(m: TrackedMemory, delta: number): number {
  const d = delta >>> 0;
  const old = m.vsize.value as number;
  if (d > MAX_PAGES - old) return -1;
  const wanted = old + d;
  const real = m.memory.buffer.byteLength / PAGE;
  if (wanted > real) {
    try {
      m.memory.grow(wanted - real);
    } catch (e) {
      // over the memory's maximum (or out of memory): memory.grow reports it to the guest as -1
      if (e instanceof RangeError) return -1;
      throw e;
    }
  }
  m.vsize.value = wanted;
  return old;
}
