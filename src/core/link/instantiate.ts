/**
 * Runs a component model: instantiates core modules and nested components in order, resolves
 * aliases, lowers host functions and lifts exports, and binds resources; one `Instantiation` per
 * component instance.
 */
import { cannotLeave, Cx, type InstanceState, type Realloc, startTask } from '../abi/context.js';
import { coreSignature, type LiveOptions, liftFunction, liftFunctionAsync, liftFunctionAsyncCallback, liftFunctionAsyncStackful, lowerFunction, lowerFunctionAsync, poison, withAfterCall } from '../abi/functions.js';
import { asyncStateOf, backpressureChanged, cannotBlock, enterSyncTask, inSyncTask, leaveSyncTask, contextSlots, notYet, subtaskCancel, subtaskDrop, taskCancel, taskReturn, threadYield, waitableJoin, waitableSetDrop, waitableSetNew, waitableSetPoll, waitableSetWait } from '../abi/async.js';
import { cancelCopy, copy, copyNew, dropEnd } from '../abi/async-copy.js';
import { dropErrorContext, type ElementInfo, liftErrorContext, lowerErrorContext } from '../abi/async-values.js';
import { ErrorContext } from '../abi/error-context.js';
import { type Codec, codecFor, elementInfo } from '../abi/codec.js';
import { jspi, type Jspi } from '../abi/jspi.js';
import type { SuspendedCalls } from '../abi/suspended.js';
import { METER_FUEL, METER_MODULE } from '../meter/names.js';
import type { Meter } from '../meter/meter.js';
import { RESET_MODULE } from '../reset/names.js';
import type { ResetTracker } from '../reset/tracker.js';
import { HandleTable } from '../abi/handles.js';
import { ObjectMemo } from '../abi/memo.js';
import { resourceDrop, resourceNew, resourceRep } from '../abi/resources.js';
import { nameResource, ResourceType, type ValType, witFuncText } from '../abi/types.js';
import type { CanonOptions, ComponentModel, CoreFuncEntry, CoreSort, Sort, TypeEntry } from '../binary/model.js';
import type { CoreSignatures } from '../binary/core-signatures.js';
import { AbiTrap, IsowasmError } from '../errors.js';
import { type AbiLimits, DEFAULT_LIMITS } from '../limits.js';
import { type Budget, checkExportTree, countCoreInstance, countInstance, nested, newBudget } from './bounds.js';
import type { ComponentItem, CoreModuleItem, FuncItem, InstanceItem, Item, TypeItem } from './items.js';
import { type RuntimeType, TypeEnv } from './type-env.js';

/** What every instantiation of one loaded component shares. */
export interface LinkContext {
  /** compiled core modules by the id the parser gave them */
  readonly modules: ReadonlyMap<number, WebAssembly.Module>;
  /** byte length of each module (large ones are instantiated asynchronously) */
  readonly moduleSizes: ReadonlyMap<number, number>;
  /** JSPI, when this instantiation lets host imports suspend the guest */
  readonly jspi?: Jspi | null;
  /** run after every asynchronous call, before it resolves (durability of what the call wrote) */
  readonly afterCall?: readonly (() => Promise<void> | void)[];
  /** function signatures of each compiled module's imports and exports (null: not readable) */
  readonly signatures: WeakMap<WebAssembly.Module, CoreSignatures | null>;
  /** the instance's limits (default: DEFAULT_LIMITS) */
  readonly limits?: AbiLimits;
  /** with JSPI: the host calls the instance is suspended in, which terminating it ends */
  readonly suspended?: SuspendedCalls;
  /** with limits.fuel or limits.timeoutMs: the meter the (instrumented) core modules refill from */
  readonly meter?: Meter;
  /** a resettable instance: what collects the state a reset restores */
  readonly reset?: ResetTracker;
}

/**
 * Core signatures of the JS functions the linker makes (canon lower and the built-ins), kept on
 * each function (see `ObjectMemo`): a WeakMap entry per function of every instance costs the
 * collector far more.
 */
const jsSignatures = new ObjectMemo<object, string>('coreSignature');

/**
 * A function the linker made (a built-in, or a `Suspending` around one), with the core signature
 * it has: the core instances it is passed to are checked against it (see `coreFuncSignature`).
 */
function signed(f: object, signature: string): (...a: unknown[]) => unknown {
  jsSignatures.set(f, signature);
  return f as (...a: unknown[]) => unknown;
}

/** Where an instantiation finds its imports by name. */
export interface ArgSource {
  get(name: string): Item | undefined;
  has(name: string): boolean;
}

/** Modules above this size are instantiated with the asynchronous API (browsers refuse sync). */
const SYNC_INSTANTIATE_LIMIT = 4 * 1024 * 1024;

type CoreExports = Record<string, unknown>;

let instanceCounter = 0;

/**
 * One instantiation of a component definition: runs its core and component instantiations in
 * section order and resolves every other definition on first use.
 */
export class Instantiation {
  readonly state: InstanceState;
  readonly env: TypeEnv;
  private readonly coreModules: (WebAssembly.Module | undefined)[] = [];
  private readonly coreInstances: (CoreExports | undefined)[] = [];
  private readonly coreFuncs: (unknown)[] = [];
  private readonly coreMems: (unknown)[] = [];
  private readonly coreTables: (unknown)[] = [];
  private readonly coreGlobals: (unknown)[] = [];
  private readonly coreTags: (unknown)[] = [];
  private readonly funcs: (FuncItem | undefined)[] = [];
  private readonly instances: (InstanceItem | undefined)[] = [];
  private readonly components: (ComponentItem | undefined)[] = [];
  /** instances of this component that can't run yet because they wait on an async instantiate */
  private pending: Promise<void> | null = null;

  /**
   * @param budget what the whole instantiation (all nesting) made so far; a new one at the top
   * @param nesting how many instantiations this one is nested in
   */
  constructor(
    readonly model: ComponentModel,
    private readonly args: ArgSource,
    readonly outer: Instantiation | null,
    private readonly link: LinkContext,
    label: string,
    private readonly budget: Budget = newBudget(model.limits),
    private readonly nesting = 0,
  ) {
    this.state = { handles: new HandleTable(), mayLeave: true, mayEnter: true, poisoned: null, label: `${label}#${++instanceCounter}`, queue: null, suspends: false, limits: link.limits ?? DEFAULT_LIMITS, suspended: link.suspended ?? null, meter: link.meter ?? null, epoch: 0, context: null, backpressure: 0, async: null };
    link.reset?.addState(this.state);
    this.env = new TypeEnv(model, outer?.env ?? null, (e, i) => this.bindType(e, i));
  }

  /** Runs the instantiation steps in order; resolves to the component's exports. */
  async run(): Promise<Map<string, Item>> {
    for (const step of this.model.steps) {
      if (step.space === 'core-instance') {
        const entry = this.model.coreInstances[step.index]!;
        if (entry.kind !== 'instantiate') continue;
        this.coreInstances[step.index] = await this.instantiateCore(entry.module, entry.args);
      } else if (step.space === 'instance') {
        const entry = this.model.instances[step.index]!;
        if (entry.kind !== 'instantiate') continue;
        this.instances[step.index] = await this.instantiateComponent(entry.component, entry.args);
      } else {
        throw new IsowasmError('UNSUPPORTED', 'component start functions (value definitions) are not supported');
      }
    }
    const out = new Map<string, Item>();
    for (const e of this.model.exports) {
      const item = this.item(e.sort, e.index);
      if (item.sort === 'type' && item.type instanceof ResourceType) nameResource(item.type, e.name);
      out.set(e.name, item);
    }
    // its caller spells the exports out (as JS objects, or in a parent's exports): bound that
    checkExportTree(out, this.budget.limits, `the export tree of ${this.state.label}`);
    return out;
  }

  // --- core definitions ------------------------------------------------------------------------

  private async instantiateCore(moduleIndex: number, args: { name: string; instance: number }[]): Promise<CoreExports> {
    countCoreInstance(this.budget);
    const module = this.coreModule(moduleIndex);
    const imports: Record<string, CoreExports> = {};
    for (const a of args) imports[a.name] = this.coreInstance(a.instance);
    const meter = this.link.meter;
    // instrumented modules ask the meter for fuel (extra namespaces are ignored by the others)
    if (meter) imports[METER_MODULE] = { refill: () => meter.refill() } as unknown as CoreExports;
    // resettable modules size and grow the memories they import through their virtual size
    const reset = this.link.reset;
    const resetImports = reset?.importsFor(module, imports, `core module ${moduleIndex} of ${this.state.label}`);
    if (resetImports) imports[RESET_MODULE] = resetImports;
    const sigs = this.link.signatures.get(module);
    if (sigs) {
      // V8 checks wasm functions passed as imports; the JS functions we make it does not
      for (const [key, want] of sigs.imports) {
        const [mod, name] = key.split('\0') as [string, string];
        const value = imports[mod]?.[name];
        const have = typeof value === 'object' || typeof value === 'function' ? jsSignatures.get(value as object) : undefined;
        if (have !== undefined && have !== want) {
          throw new IsowasmError('INVALID_BINARY', `core module ${moduleIndex} imports ${mod}.${name} as (${want}), but the component supplies a function of type (${have})`);
        }
      }
    }
    const entry = this.model.coreModules[moduleIndex];
    const size = entry?.kind === 'defined' ? this.link.moduleSizes.get(entry.id) ?? 0 : 0;
    try {
      let inst: WebAssembly.Instance;
      // its start function is a synchronous task (it may not block)
      enterSyncTask(this.state);
      try {
        inst = size > SYNC_INSTANTIATE_LIMIT
          ? await WebAssembly.instantiate(module, imports as WebAssembly.Imports)
          : new WebAssembly.Instance(module, imports as WebAssembly.Imports);
      } finally {
        leaveSyncTask(this.state);
      }
      const fuel = (inst.exports as Record<string, unknown>)[METER_FUEL];
      if (meter && fuel instanceof WebAssembly.Global) meter.track(fuel);
      reset?.addInstance(inst.exports as CoreExports);
      return inst.exports as CoreExports;
    } catch (e) {
      if (e instanceof IsowasmError) throw e;
      if (e instanceof WebAssembly.LinkError || e instanceof TypeError) {
        throw new IsowasmError('LINK_ERROR', `core module ${moduleIndex} of ${this.state.label} failed to link: ${(e as Error).message}`, { cause: e });
      }
      // a start function is a synchronous task: it may not block (the specification's trap);
      // under JSPI its wait surfaces as V8's SuspendError, since nothing can be suspended there
      if (e instanceof Error && e.name === 'SuspendError') {
        throw poison(this.state, new AbiTrap(`the start function of core module ${moduleIndex} blocked (it waited, or called a function that may block), and a synchronous task cannot block before returning`), 'instantiate');
      }
      // a trap in a core module's start function ends the instance before it existed
      throw poison(this.state, e instanceof WebAssembly.RuntimeError ? new AbiTrap(`start function of core module ${moduleIndex} trapped: ${e.message}`) : e, 'instantiate');
    }
  }

  coreModule(i: number): WebAssembly.Module {
    return this.coreModules[i] ?? nested(() => this.resolveCoreModule(i));
  }

  private resolveCoreModule(i: number): WebAssembly.Module {
    const e = this.model.coreModules[i]!;
    let m: WebAssembly.Module;
    switch (e.kind) {
      case 'defined': {
        const found = this.link.modules.get(e.id);
        if (!found) throw new IsowasmError('LINK_ERROR', `core module ${e.id} was not compiled`);
        m = found;
        break;
      }
      case 'outer': m = this.outerOf(e.model).coreModule(e.index); break;
      case 'import': m = expect(this.arg(e.name), 'core-module', `import ${e.name}`).module; break;
      case 'alias-export': m = expect(this.exportOf(e.instance, e.name), 'core-module', `export ${e.name}`).module; break;
      case 'ref': m = this.coreModule(e.index); break;
    }
    return (this.coreModules[i] = m);
  }

  coreInstance(i: number): CoreExports {
    return this.coreInstances[i] ?? nested(() => this.resolveCoreInstance(i));
  }

  private resolveCoreInstance(i: number): CoreExports {
    const e = this.model.coreInstances[i]!;
    if (e.kind === 'instantiate') throw new IsowasmError('LINK_ERROR', `core instance ${i} is used before it is instantiated`);
    if (e.kind === 'alias-export') throw new IsowasmError('UNSUPPORTED', 'core instances exported from component instances are not supported');
    const out: CoreExports = {};
    for (const item of e.items) out[item.name] = this.core(item.sort, item.index);
    return (this.coreInstances[i] = out);
  }

  private core(sort: CoreSort, i: number): unknown {
    switch (sort) {
      case 'func': return this.coreFunc(i);
      case 'memory': return this.coreExport(this.coreMems, this.model.coreMemories, i, 'memory');
      case 'table': return this.coreExport(this.coreTables, this.model.coreTables, i, 'table');
      case 'global': return this.coreExport(this.coreGlobals, this.model.coreGlobals, i, 'global');
      case 'tag': return this.coreExport(this.coreTags, this.model.coreTags, i, 'tag');
      case 'module': return this.coreModule(i);
      case 'instance': return this.coreInstance(i);
      case 'type': throw new IsowasmError('UNSUPPORTED', 'core types can\'t be exported from core instances');
    }
  }

  private coreExport(cache: unknown[], entries: { instance: number; name: string }[], i: number, what: string): unknown {
    if (cache[i] !== undefined) return cache[i];
    const e = entries[i]!;
    const inst = this.coreInstance(e.instance);
    if (!(e.name in inst)) throw new IsowasmError('LINK_ERROR', `core instance ${e.instance} has no ${what} export "${e.name}"`);
    return (cache[i] = inst[e.name]);
  }

  coreMemory(i: number): WebAssembly.Memory {
    const m = this.core('memory', i);
    if (!(m instanceof WebAssembly.Memory)) throw new IsowasmError('LINK_ERROR', `core memory ${i} is not a memory`);
    return m;
  }

  coreFunc(i: number): (...a: unknown[]) => unknown {
    const done = this.coreFuncs[i];
    if (done !== undefined) return done as (...a: unknown[]) => unknown;
    return nested(() => this.resolveCoreFunc(i));
  }

  private resolveCoreFunc(i: number): (...a: unknown[]) => unknown {
    const e = this.model.coreFuncs[i]!;
    let f: (...a: unknown[]) => unknown;
    switch (e.kind) {
      case 'export': {
        const v = this.coreExport([], this.model.coreFuncs as { instance: number; name: string }[], i, 'function');
        if (typeof v !== 'function') throw new IsowasmError('LINK_ERROR', `core export "${e.name}" is not a function`);
        f = v as (...a: unknown[]) => unknown;
        break;
      }
      case 'lower': {
        const callee = this.func(e.func);
        if (e.options.async) {
          // the specification's validation: only an async function type is lowered async
          if (!callee.type.async) throw new IsowasmError('INVALID_BINARY', `canon lower of ${funcLabel(this.model, e.func)} is async, but its type ${witFuncText(callee.type)} is not an async func (the \`async\` canonical option requires an async function type)`);
          // the host's promise (or value) comes back as a subtask (see abi/async.ts)
          // a guest callee that may suspend (its instance lowers an async import synchronously)
          // runs its JSPI variant, so that its promise becomes the subtask instead of a trap
          const call = this.link.jspi && callee.async && callee.callAsync ? callee.callAsync : callee.call;
          f = lowerFunctionAsync(callee.type, call, this.options(e.options), this.state, funcLabel(this.model, e.func)) as (...a: unknown[]) => unknown;
          break;
        }
        this.checkOptions(e.options, coreSignature(callee.type, 'lower'), `canon lower of ${funcLabel(this.model, e.func)}`);
        // only imports that may return a promise become WebAssembly.Suspending: V8 traps a call of
        // one from a synchronous export even when it returns no promise
        const api = this.link.jspi && callee.async ? this.link.jspi : null;
        if (api) {
          this.state.suspends = true;
          // an async task of this instance may then be suspended in this import: its steps run under JSPI
          asyncStateOf(this.state).suspending ??= api;
        }
        // a Suspending import is not callable from JS; the linker only passes it to core instances
        f = lowerFunction(callee.type, api ? callee.callAsync ?? callee.call : callee.call, this.options(e.options), this.state, funcLabel(this.model, e.func), api) as (...a: unknown[]) => unknown;
        jsSignatures.set(f, coreSignature(callee.type, 'lower').signature);
        break;
      }
      case 'resource.new': {
        const rt = this.localResource(e.type, 'resource.new');
        const state = this.state;
        f = (rep: unknown) => resourceNew(state, rt, rep as number);
        jsSignatures.set(f, 'i32->i32');
        break;
      }
      case 'resource.drop': {
        const rt = this.env.resource(e.type);
        const state = this.state;
        f = (h: unknown) => { resourceDrop(state, rt, h as number); };
        jsSignatures.set(f, 'i32->');
        break;
      }
      case 'resource.rep': {
        const rt = this.localResource(e.type, 'resource.rep');
        const state = this.state;
        f = (h: unknown) => resourceRep(state, rt, h as number);
        jsSignatures.set(f, 'i32->i32');
        break;
      }
      case 'builtin':
        f = this.builtin(e);
        break;
    }
    return (this.coreFuncs[i] = f);
  }

  /**
   * A canonical built-in of component-model async (context slots, backpressure, tasks, waitables,
   * streams, futures, error contexts), as the core function the guest imports; one this runtime
   * lacks links, and traps when called (`notYet`).
   */
  private builtin(e: Extract<CoreFuncEntry, { kind: 'builtin' }>): (...a: unknown[]) => unknown {
    const state = this.state;
    const { name, index } = e;
    switch (name) {
      case 'context.get':
      case 'context.set': {
        const slot = index ?? 0;
        // the specification's tasks have two context slots
        if (slot > 1) throw new IsowasmError('INVALID_BINARY', `${name} names context slot ${slot}; there are 2 (0 and 1)`);
        state.context ??= new Int32Array(2);
        return name === 'context.get'
          ? signed(() => contextSlots(state)[slot], '->i32')
          : signed((v: number) => { contextSlots(state)[slot] = v; }, 'i32->');
      }
      case 'backpressure.inc':
        return signed(() => {
          if (state.backpressure >= 0xffff) throw new AbiTrap('backpressure.inc: the backpressure counter is at its maximum (65535)');
          state.backpressure++;
        }, '->');
      case 'backpressure.dec':
        return signed(() => {
          if (state.backpressure === 0) throw new AbiTrap('backpressure.dec: the backpressure counter is already 0');
          state.backpressure--;
          backpressureChanged(state);
        }, '->');
      case 'backpressure.set':
        return signed((v: number) => {
          state.backpressure = v === 0 ? 0 : 1;
          backpressureChanged(state);
        }, 'i32->');
      case 'waitable-set.new': return signed(() => waitableSetNew(state), '->i32');
      case 'waitable-set.drop': return signed((i: number) => { waitableSetDrop(state, i); }, 'i32->');
      case 'waitable.join': return signed((w: number, s: number) => { waitableJoin(state, w, s); }, 'i32,i32->');
      case 'subtask.drop': return signed((i: number) => { subtaskDrop(state, i); }, 'i32->');
      case 'waitable-set.wait': {
        const api = jspi();
        if (!api) return notYet(`${name} (it needs JavaScript Promise Integration, which this runtime lacks)`);
        const memory = this.coreMemory(index!);
        // the guest blocks in it: its tasks run under JSPI from now on (and its synchronous
        // exports too, when the instance was made with `async: true`)
        asyncStateOf(state).suspending ??= api;
        if (this.link.jspi) state.suspends = true;
        return signed(new api.Suspending((s: number, ptr: number) => waitableSetWait(state, memory, s, ptr)), 'i32,i32->i32');
      }
      case 'waitable-set.poll': {
        const memory = this.coreMemory(index!);
        return signed((s: number, ptr: number) => waitableSetPoll(state, memory, s, ptr), 'i32,i32->i32');
      }
      case 'task.return': {
        const o = e.options!;
        const codec = e.result === null || e.result === undefined ? null : codecFor(this.env.val(e.result));
        const cx = new Cx(state, o.memory === null ? null : this.coreMemory(o.memory), null, o.encoding, 'task.return', 'lift');
        return (...flat: unknown[]) => { taskReturn(state, codec, cx, flat); };
      }
      case 'stream.new':
      case 'future.new': {
        const future = name === 'future.new';
        const info = this.copyElement(e.type!, future);
        return signed(() => copyNew(state, future, info.elem, info.key, info.plain, info.bytes), '->i64');
      }
      case 'stream.read':
      case 'stream.write':
      case 'future.read':
      case 'future.write': {
        const o = e.options!;
        const future = name.startsWith('future.');
        const readable = name.endsWith('.read');
        const info = this.copyElement(e.type!, future);
        if (info.elem && o.memory === null) throw new IsowasmError('INVALID_BINARY', `${name} of a ${future ? 'future' : 'stream'} with elements names no memory option`);
        const cx = new Cx(state, o.memory === null ? null : this.coreMemory(o.memory), o.realloc === null ? null : (this.coreFunc(o.realloc) as Realloc), o.encoding, name, readable ? 'lower' : 'lift');
        const { key } = info;
        if (future) {
          return this.mayBlock(o.async, (i: number, ptr: number) => copy(state, cx, true, readable, key, i, ptr, 1, o.async), 'i32,i32->i32', name);
        }
        return this.mayBlock(o.async, (i: number, ptr: number, n: number) => copy(state, cx, false, readable, key, i, ptr, n, o.async), 'i32,i32,i32->i32', name);
      }
      case 'stream.cancel-read':
      case 'stream.cancel-write':
      case 'future.cancel-read':
      case 'future.cancel-write': {
        const future = name.startsWith('future.');
        const readable = name.endsWith('-read');
        const { key } = this.copyElement(e.type!, future);
        const async = e.async === true;
        return this.mayBlock(async, (i: number) => cancelCopy(state, future, readable, key, i, async), 'i32->i32', name);
      }
      case 'stream.drop-readable':
      case 'stream.drop-writable':
      case 'future.drop-readable':
      case 'future.drop-writable': {
        const future = name.startsWith('future.');
        const readable = name.endsWith('-readable');
        const { key } = this.copyElement(e.type!, future);
        return signed((i: number) => { dropEnd(state, future, readable, key, i); }, 'i32->');
      }
      case 'subtask.cancel': {
        const async = e.async === true;
        return this.mayBlock(async, (i: number) => subtaskCancel(state, i, async), 'i32->i32', name);
      }
      case 'task.cancel': return signed(() => { taskCancel(state, state.label); }, '->');
      case 'thread.suspend':
        // cooperative threads are not here: a task has only its own thread, which nothing could
        // resume; a synchronous task may not block at all
        return signed(() => {
          if (inSyncTask(state)) throw cannotBlock('thread.suspend');
          throw new IsowasmError('UNSUPPORTED', 'the guest called thread.suspend (cooperative threads of component-model async), which isowasm does not support yet');
        }, '->i32');
      case 'thread.yield': {
        const cancellable = e.async === true;
        return this.mayBlock(false, () => threadYield(state, cancellable), '->i32', name);
      }
      case 'error-context.new': {
        const o = e.options!;
        if (o.memory === null) throw new IsowasmError('INVALID_BINARY', 'error-context.new names no memory option');
        const cx = new Cx(state, this.coreMemory(o.memory), null, o.encoding, name, 'lift');
        const str = codecFor({ kind: 'string' });
        return signed((ptr: number, units: number) => {
          if (!state.mayLeave) throw cannotLeave('error-context.new');
          cx.begin();
          return lowerErrorContext(state, new ErrorContext(str.lift(cx, [ptr, units], 0) as string));
        }, 'i32,i32->i32');
      }
      case 'error-context.debug-message': {
        const o = e.options!;
        if (o.memory === null) throw new IsowasmError('INVALID_BINARY', 'error-context.debug-message names no memory option');
        const cx = new Cx(state, this.coreMemory(o.memory), o.realloc === null ? null : (this.coreFunc(o.realloc) as Realloc), o.encoding, name, 'lower');
        const str = codecFor({ kind: 'string' });
        return signed((i: number, ptr: number) => {
          if (!state.mayLeave) throw cannotLeave('error-context.debug-message');
          cx.begin();
          const at = ptr >>> 0;
          cx.check(at, 8, 4);
          str.store(cx, liftErrorContext(state, i).debugMessage, at);
        }, 'i32,i32->');
      }
      case 'error-context.drop': return signed((i: number) => { dropErrorContext(state, i); }, 'i32->');
      default:
        // the rest (threads, the stackful cancellable waits) links, and traps when the guest calls it
        return notYet(name);
    }
  }

  /**
   * A built-in that may have to wait (a synchronous copy, cancel or yield): under JSPI it
   * suspends the guest (`Suspending`); without, it works until it has to wait, then fails with
   * `UNSUPPORTED` (see `waitFor`).
   */
  private mayBlock(async: boolean, f: (...a: never[]) => number | Promise<number>, signature: string, name: string): (...a: unknown[]) => unknown {
    // with `async: true` only: a Suspending import makes the instance's exports run under
    // `promising` (V8 traps a call of one from a synchronous export)
    const api = async ? null : this.link.jspi ?? null;
    if (api) {
      this.state.suspends = true;
      asyncStateOf(this.state).suspending ??= api;
      return signed(new api.Suspending(f as (...a: never[]) => unknown), signature);
    }
    return signed((...a: never[]): number => {
      const r = f(...a);
      if (typeof r !== 'number') throw new IsowasmError('UNSUPPORTED', `${name} has to wait, which a synchronous built-in can do only with JavaScript Promise Integration: instantiate with \`async: true\``);
      return r | 0;
    }, signature);
  }

  /** A stream or future type's element, as its ends need it. */
  private copyElement(typeIndex: number, future: boolean): ElementInfo {
    const t = this.env.get(typeIndex) as ValType;
    const kind = future ? 'future' : 'stream';
    if (t.kind !== kind) throw new IsowasmError('INVALID_BINARY', `type ${typeIndex} is not a ${kind} type`);
    return elementInfo(t);
  }

  /** The signature of a core function, where it can be known (null: unknown, not checked). */
  private coreFuncSignature(i: number, depth = 0): string | null {
    const e = this.model.coreFuncs[i];
    if (!e || depth > 100) return null;
    if (e.kind !== 'export') {
      const f = this.coreFunc(i);
      return jsSignatures.get(f) ?? null;
    }
    const inst = this.model.coreInstances[e.instance];
    if (inst?.kind === 'instantiate') {
      const sigs = this.link.signatures.get(this.coreModule(inst.module));
      return sigs?.exports.get(e.name) ?? null;
    }
    if (inst?.kind === 'exports') {
      const item = inst.items.find((x) => x.name === e.name && x.sort === 'func');
      return item ? this.coreFuncSignature(item.index, depth + 1) : null;
    }
    return null;
  }

  /** The spec's validation of canonical options: memory and realloc where the type needs them. */
  private checkOptions(o: CanonOptions, need: { memory: boolean; realloc: boolean }, what: string): void {
    if (need.memory && o.memory === null) throw new IsowasmError('INVALID_BINARY', `${what} passes strings or lists through memory but names no memory option`);
    if (need.realloc && o.realloc === null) throw new IsowasmError('INVALID_BINARY', `${what} passes strings or lists into the guest but names no realloc option`);
  }

  private localResource(typeIndex: number, what: string): ResourceType {
    const rt = this.env.resource(typeIndex);
    if (rt.impl !== this.state) throw new IsowasmError('INVALID_BINARY', `${what} names a resource type that this component does not define`);
    return rt;
  }

  private options(o: CanonOptions): LiveOptions {
    return {
      memory: o.memory === null ? null : this.coreMemory(o.memory),
      realloc: o.realloc === null ? null : (this.coreFunc(o.realloc) as Realloc),
      postReturn: o.postReturn === null ? null : this.coreFunc(o.postReturn),
      encoding: o.encoding,
    };
  }

  // --- component definitions -------------------------------------------------------------------

  func(i: number): FuncItem {
    return this.funcs[i] ?? nested(() => this.resolveFunc(i));
  }

  private resolveFunc(i: number): FuncItem {
    const e = this.model.funcs[i]!;
    let f: FuncItem;
    switch (e.kind) {
      case 'import': f = expect(this.arg(e.name), 'func', `import ${e.name}`); break;
      case 'alias-export': f = expect(this.exportOf(e.instance, e.name), 'func', `export ${e.name}`); break;
      case 'ref': f = this.func(e.index); break;
      case 'lift': {
        const type = this.env.func(e.type);
        if (e.options.async) {
          // the specification's validation: only an async function type is lifted async
          if (!type.async) throw new IsowasmError('INVALID_BINARY', `canon lift of ${funcLabel(this.model, i)} is async, but its type ${witFuncText(type)} is not an async func (the \`async\` canonical option requires an async function type)`);
          const name = funcLabel(this.model, i);
          let call: (...a: unknown[]) => unknown;
          if (e.options.callback !== null) call = liftFunctionAsyncCallback(type, this.coreFunc(e.coreFunc), this.coreFunc(e.options.callback), this.options(e.options), this.state, name);
          else {
            // the stackful form blocks inside the guest: only JSPI can do that in this thread
            const api = jspi();
            if (!api) throw new IsowasmError('UNSUPPORTED', `${name} is lifted async without a callback (the stackful form), which needs JavaScript Promise Integration (WebAssembly.Suspending); this runtime has none`);
            call = liftFunctionAsyncStackful(type, this.coreFunc(e.coreFunc), api, this.options(e.options), this.state, name);
          }
          if (this.link.afterCall) call = withAfterCall(call, this.link.afterCall);
          // its calls answer with promises: a component that lowers it synchronously must suspend
          // (under JSPI) until the task returns, as for an async host import
          f = { sort: 'func', type, call, callAsync: call, async: true };
          break;
        }
        const core = this.coreFunc(e.coreFunc);
        const name = funcLabel(this.model, i);
        const want = coreSignature(type, 'lift');
        this.checkOptions(e.options, want, `canon lift of ${name}`);
        const have = this.coreFuncSignature(e.coreFunc);
        if (have !== null && have !== want.signature) {
          throw new IsowasmError('INVALID_BINARY', `canon lift of ${name}: the core function has type (${have}), but ${witFuncText(type)} needs (${want.signature})`);
        }
        const opts = this.options(e.options);
        const api = this.link.jspi;
        const state = this.state;
        const call = liftFunction(type, core, opts, state, name);
        if (!api) f = { sort: 'func', type, call };
        else {
          const callAsync = liftFunctionAsync(type, core, opts, state, name, api, this.link.afterCall ?? []);
          f = { sort: 'func', type, call, callAsync, get async() { return state.suspends; } };
        }
        break;
      }
    }
    return (this.funcs[i] = f);
  }

  instance(i: number): InstanceItem {
    return this.instances[i] ?? nested(() => this.resolveInstance(i));
  }

  private resolveInstance(i: number): InstanceItem {
    const e = this.model.instances[i]!;
    let inst: InstanceItem;
    switch (e.kind) {
      case 'import': inst = expect(this.arg(e.name), 'instance', `import ${e.name}`); break;
      case 'alias-export': inst = expect(this.exportOf(e.instance, e.name), 'instance', `export ${e.name}`); break;
      case 'ref': inst = this.instance(e.index); break;
      case 'exports': {
        const m = new Map<string, Item>();
        for (const x of e.items) m.set(x.name, this.item(x.sort, x.index));
        inst = { sort: 'instance', exports: m };
        break;
      }
      case 'instantiate': throw new IsowasmError('LINK_ERROR', `instance ${i} is used before it is instantiated`);
    }
    return (this.instances[i] = inst);
  }

  private async instantiateComponent(index: number, args: { name: string; sort: Sort; index: number }[]): Promise<InstanceItem> {
    countInstance(this.budget, this.nesting + 1);
    const c = this.component(index);
    const map = new Map<string, Item>();
    for (const a of args) map.set(a.name, this.item(a.sort, a.index));
    const child = new Instantiation(c.model, map, c.outer as Instantiation, this.link, `${this.state.label}/${index}`, this.budget, this.nesting + 1);
    const missing = c.model.imports.filter((imp) => !map.has(imp.name)).map((imp) => imp.name);
    if (missing.length) throw new IsowasmError('INVALID_BINARY', `nested component ${index} is instantiated without ${missing.join(', ')}`);
    return { sort: 'instance', exports: await child.run() };
  }

  component(i: number): ComponentItem {
    return this.components[i] ?? nested(() => this.resolveComponent(i));
  }

  private resolveComponent(i: number): ComponentItem {
    const e = this.model.components[i]!;
    let c: ComponentItem;
    switch (e.kind) {
      case 'defined': c = { sort: 'component', model: e.model, outer: this }; break;
      case 'outer': c = this.outerOf(e.model).component(e.index); break;
      case 'import': c = expect(this.arg(e.name), 'component', `import ${e.name}`); break;
      case 'alias-export': c = expect(this.exportOf(e.instance, e.name), 'component', `export ${e.name}`); break;
      case 'ref': c = this.component(e.index); break;
    }
    return (this.components[i] = c);
  }

  item(sort: Sort, i: number): Item {
    if (typeof sort === 'object') {
      if (sort.core === 'module') return { sort: 'core-module', module: this.coreModule(i) } satisfies CoreModuleItem;
      throw new IsowasmError('INVALID_BINARY', `a core ${sort.core} can't be used as a component-level item`);
    }
    switch (sort) {
      case 'func': return this.func(i);
      case 'instance': return this.instance(i);
      case 'component': return this.component(i);
      case 'type': return { sort: 'type', type: this.env.get(i) } satisfies TypeItem;
      case 'value': throw new IsowasmError('UNSUPPORTED', 'component values are not supported');
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private arg(name: string): Item {
    const a = this.args.get(name);
    if (!a) throw new IsowasmError('MISSING_IMPORTS', `missing import "${name}"`, { details: { missing: [name] } });
    return a;
  }

  private exportOf(instance: number, name: string): Item {
    const inst = this.instance(instance);
    const item = inst.exports.get(name);
    if (!item) throw new IsowasmError('LINK_ERROR', `instance ${instance} has no export named "${name}"`);
    return item;
  }

  private outerOf(model: ComponentModel): Instantiation {
    let o: Instantiation | null = this.outer;
    while (o && o.model !== model) o = o.outer;
    if (!o) throw new IsowasmError('INVALID_BINARY', 'an outer alias reaches a component that does not enclose it');
    return o;
  }

  private bindType(entry: TypeEntry & { kind: 'resource' | 'abstract' | 'alias-export' }, index: number): RuntimeType {
    switch (entry.kind) {
      case 'resource': {
        const rt = new ResourceType('guest', 'resource');
        rt.impl = this.state;
        if (entry.dtor !== null) {
          const dtorIndex = entry.dtor;
          const state = this.state;
          rt.coreDtor = (rep: number) => { this.coreFunc(dtorIndex)(rep); };
          rt.dtor = (rep: number) => {
            if (state.poisoned) return;
            if (!state.mayEnter) throw new AbiTrap(`a ${rt.name} destructor would re-enter instance ${state.label}`);
            state.mayEnter = false;
            // a destructor called from outside is a task of its own
            startTask(state);
            try {
              this.coreFunc(dtorIndex)(rep);
            } catch (e) {
              throw poison(state, e, `${rt.name} destructor`);
            } finally {
              state.mayEnter = true;
            }
          };
        }
        return rt;
      }
      case 'abstract': {
        const item = this.arg(entry.name);
        if (item.sort !== 'type') throw new IsowasmError('IMPORT_MISMATCH', `import "${entry.name}" must be a type`);
        if (item.type instanceof ResourceType) nameResource(item.type, entry.name);
        return item.type;
      }
      case 'alias-export': {
        const item = this.exportOf(entry.instance, entry.name);
        if (item.sort !== 'type') throw new IsowasmError('LINK_ERROR', `export "${entry.name}" of instance ${entry.instance} is not a type`);
        if (item.type instanceof ResourceType) nameResource(item.type, entry.name);
        void index;
        return item.type;
      }
    }
  }
}

function expect<S extends Item['sort']>(item: Item, sort: S, what: string): Extract<Item, { sort: S }> {
  if (item.sort !== sort) throw new IsowasmError('LINK_ERROR', `${what} is a ${item.sort}, expected a ${sort}`);
  return item as Extract<Item, { sort: S }>;
}

/** A readable name for a component function index, from the export that names it if any. */
function funcLabel(model: ComponentModel, i: number): string {
  for (const e of model.exports) if (e.sort === 'func' && e.index === i) return e.name;
  const f = model.funcs[i];
  if (f?.kind === 'import') return f.name;
  if (f?.kind === 'alias-export') {
    const inst = model.instances[f.instance];
    return inst?.kind === 'import' ? `${inst.name}#${f.name}` : f.name;
  }
  // a lifted function is usually exported through an instance of a nested component
  for (const inst of model.instances) {
    if (inst.kind === 'exports') for (const x of inst.items) if (x.sort === 'func' && x.index === i) return x.name;
    if (inst.kind === 'instantiate') for (const x of inst.args) if (x.sort === 'func' && x.index === i) return x.name;
  }
  return `func ${i}`;
}
