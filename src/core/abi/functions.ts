/**
 * Calls across the boundary: a guest export lifted into a JS function (lower the arguments, call,
 * lift the results, post-return) and a host function lowered for the guest, with re-entrance
 * checks, poisoning on traps, and the JSPI variants.
 */
import { AbiTrap, exitCodeOf, IsowasmError, trapError } from '../errors.js';
import { type Codec, codecFor, isScalar, restate, type ScalarCodec, alignTo } from './codec.js';
import { type CallScratch, Cx, type InstanceState, cannotLeave, isGuestFault, type Realloc, startTask } from './context.js';
import { isThenable, type Jspi } from './jspi.js';
import { endImportCall, unlowerHandles } from './resources.js';
import type { FuncType, ValType } from './types.js';
import { ObjectMemo } from './memo.js';
import { boxFuture, callStarted, cannotBlock, earlyResult, enterSyncTask, inSyncTask, instanceDied, isAsyncCall, keepCancel, leaveSyncTask, leaveTask, markCall, type StartMark, unboxResult, withStartMark, liftAsyncCallback, liftAsyncStackful, lowerAsync, type TaskBorrows } from './async.js';

const MAX_FLAT_PARAMS = 16;
const MAX_FLAT_RESULTS = 1;

/** A component-level function at run time: it takes and returns JS values. */
export type ComponentCall = (...args: unknown[]) => unknown;

/** The canonical options of one `canon lift` or `canon lower`, resolved to live objects. */
export interface LiveOptions {
  memory: WebAssembly.Memory | null;
  realloc: Realloc | null;
  postReturn: ((...flat: unknown[]) => void) | null;
  encoding: 'utf8' | 'utf16' | 'latin1+utf16';
}

interface Plan {
  params: Codec[];
  result: Codec | null;
  flatParamCount: number;
  spillParams: boolean;
  spillResult: boolean;
  /** size/alignment of the params tuple when spilled */
  tupleSize: number;
  tupleAlign: number;
  offsets: number[];
  hasBorrowParams: boolean;
  /** a parameter holds an own or borrow handle: lowering the arguments may have to be undone */
  hasHandleParams: boolean;
}

const plans = new ObjectMemo<FuncType, Plan>('plan');

function planFor(ft: FuncType): Plan {
  let p = plans.get(ft);
  if (p) return p;
  const params = ft.params.map((x) => codecFor(x.type));
  const result = ft.result ? codecFor(ft.result) : null;
  const flatParamCount = params.reduce((n, c) => n + c.flat.length, 0);
  let size = 0;
  let align = 1;
  const offsets: number[] = [];
  for (const c of params) {
    size = alignTo(size, c.align);
    offsets.push(size);
    size += c.size;
    align = Math.max(align, c.align);
  }
  p = {
    params, result, flatParamCount,
    spillParams: flatParamCount > MAX_FLAT_PARAMS,
    spillResult: result !== null && result.flat.length > MAX_FLAT_RESULTS,
    tupleSize: alignTo(size, align), tupleAlign: align, offsets,
    hasBorrowParams: ft.params.some((x) => containsHandle(x.type, false)),
    hasHandleParams: ft.params.some((x) => containsHandle(x.type, true)),
  };
  plans.set(ft, p);
  return p;
}

/** Memoized per type: a type that shares its parts is walked once per distinct part. */
const borrows = new ObjectMemo<ValType, boolean>('borrows');
const handles = new ObjectMemo<ValType, boolean>('handles');
const memoryNeeds = new ObjectMemo<ValType, boolean>('memoryNeeds');

/** Whether a value of type `t` may hold a borrow handle (or, with `own`, an own handle too). */
function containsHandle(t: ValType | null, own: boolean): boolean {
  if (!t) return false;
  const memo = own ? handles : borrows;
  let b = memo.get(t);
  if (b === undefined) {
    switch (t.kind) {
      case 'borrow': b = true; break;
      case 'own': b = own; break;
      case 'list': b = containsHandle(t.elem, own); break;
      case 'record': b = t.fields.some((f) => containsHandle(f.type, own)); break;
      case 'tuple': b = t.types.some((x) => containsHandle(x, own)); break;
      case 'variant': b = t.cases.some((c) => containsHandle(c.type, own)); break;
      case 'option': b = containsHandle(t.type, own); break;
      case 'result': b = containsHandle(t.ok, own) || containsHandle(t.err, own); break;
      default: b = false;
    }
    memo.set(t, b);
  }
  return b;
}

function needsMemory(t: ValType | null): boolean {
  if (!t) return false;
  let b = memoryNeeds.get(t);
  if (b === undefined) {
    switch (t.kind) {
      case 'string': b = true; break;
      case 'list': b = t.length === null || needsMemory(t.elem); break;
      case 'record': b = t.fields.some((f) => needsMemory(f.type)); break;
      case 'tuple': b = t.types.some(needsMemory); break;
      case 'variant': b = t.cases.some((c) => needsMemory(c.type)); break;
      case 'option': b = needsMemory(t.type); break;
      case 'result': b = needsMemory(t.ok) || needsMemory(t.err); break;
      default: b = false;
    }
    memoryNeeds.set(t, b);
  }
  return b;
}

/**
 * The core signature a `canon lift` (`'lift'`) or `canon lower` (`'lower'`) of this type has, as
 * `"i32,i32->i32"`, and which canonical options it can't do without (the spec's validation).
 */
const signatures = new ObjectMemo<FuncType, Record<'lift' | 'lower', { signature: string; memory: boolean; realloc: boolean }>>('coreSignatures');

export function coreSignature(ft: FuncType, context: 'lift' | 'lower'): { signature: string; memory: boolean; realloc: boolean } {
  let both = signatures.get(ft);
  if (!both) {
    both = { lift: computeSignature(ft, 'lift'), lower: computeSignature(ft, 'lower') };
    signatures.set(ft, both);
  }
  return both[context];
}

function computeSignature(ft: FuncType, context: 'lift' | 'lower'): { signature: string; memory: boolean; realloc: boolean } {
  const plan = planFor(ft);
  const params = plan.spillParams ? ['i32'] : plan.params.flatMap((c) => c.flat);
  const results = plan.result ? [...plan.result.flat] : [];
  const paramsNeed = plan.spillParams || ft.params.some((p) => needsMemory(p.type));
  const resultNeeds = plan.spillResult || needsMemory(ft.result);
  if (context === 'lift') {
    return { signature: `${params.join(',')}->${plan.spillResult ? 'i32' : results.join(',')}`, memory: paramsNeed || resultNeeds, realloc: plan.spillParams || ft.params.some((p) => needsMemory(p.type)) };
  }
  const lowered = plan.spillResult ? [...params, 'i32'] : params;
  return { signature: `${lowered.join(',')}->${plan.spillResult ? '' : results.join(',')}`, memory: paramsNeed || resultNeeds, realloc: needsMemory(ft.result) };
}

/**
 * Prefixes a TypeError from lowering an argument with the function and parameter name (the error
 * first thrown is its `cause`); any other error is the caller's own and passes unchanged.
 */
function argumentError(e: unknown, fname: string, pname: string): unknown {
  if (e instanceof TypeError) {
    const m = /^at ([^:]+): /.exec(e.message);
    const where = m ? `${pname}${m[1]!.startsWith('[') ? '' : '.'}${m[1]}` : pname;
    return restate(e, `${fname}(): argument '${where}': ${m ? e.message.slice(m[0].length) : e.message}`);
  }
  return e;
}

/**
 * Marks the instance dead and turns what went wrong into the error the caller sees. `asyncName`
 * is how `instantiate({ async: { exports } })` names the export (its WIT name), where that differs.
 */
export function poison(inst: InstanceState, e: unknown, where: string, asyncName = where): Error {
  if (exitCodeOf(e) !== null) {
    // the guest called exit: it is over, and the exit is what the caller wants to see
    if (!inst.poisoned) inst.poisoned = e;
    return e as Error;
  }
  // a trap the meter caused: the limit it enforced is the reason
  if (inst.meter?.stopped && !(e instanceof IsowasmError)) e = inst.meter.error(`${where}()`);
  if (e instanceof Error && e.name === 'SuspendError') {
    e = new AbiTrap(`a host import returned a promise while ${where} was called synchronously; make ${where} asynchronous with instantiate({ async: { exports: ['${asyncName}'] } }) (${e.message})`);
  }
  const err = e instanceof IsowasmError
    ? e
    : e instanceof AbiTrap
      ? trapError(`${where}: ${e.message}`, e)
      : trapError(`${where}: ${e instanceof Error ? e.message : String(e)}`, e);
  if (!inst.poisoned) inst.poisoned = err;
  if (inst.async) instanceDied(inst);
  return err;
}

export function poisonedError(inst: InstanceState): IsowasmError {
  const cause = inst.poisoned;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new IsowasmError('INSTANCE_POISONED', `the component instance ${inst.label} trapped earlier (${why}); create a new instance to continue`, { cause });
}

export function reentranceError(inst: InstanceState, fname: string): IsowasmError {
  return new IsowasmError('REENTRANCE', `${fname}() was called while the component instance ${inst.label} is already running a call; a component instance can't be re-entered (call it after the current call returns)`);
}

/** Calls post-return with the core results, once they were copied out; the guest may not call out meanwhile. */
function runPostReturn(inst: InstanceState, postReturn: (...flat: unknown[]) => void, r: unknown): void {
  inst.mayLeave = false;
  try {
    if (r === undefined) postReturn();
    else postReturn(r);
  } finally {
    inst.mayLeave = true;
  }
}

/**
 * What messages call a lifted function. It starts as the binary's own name for it (in
 * wit-component's layout an inner name such as `import-func-add`) and becomes the name JS calls it
 * by once the exports are built (`nameForCallers`), so that an error names the function the
 * caller called. Read only when a message is made: the call path pays nothing for it.
 */
interface FuncLabel {
  name: string;
  /** the name `instantiate({ async: { exports } })` knows it by: `ns:pkg/iface#func`, or a world-level `func` */
  asyncName: string;
  /** the exports gave it a name; a later alias keeps the first */
  named: boolean;
  /** the call's context, whose budget messages quote the name too */
  cx: Cx | null;
}

/**
 * A lifted function's label, kept on the function itself: a WeakMap entry per lifted function of
 * every instance costs far more (the collector must trace each entry), and instances are many.
 */
const labels = new ObjectMemo<ComponentCall, FuncLabel>('label');

function labelled(call: ComponentCall, label: FuncLabel): ComponentCall {
  labels.set(call, label);
  return call;
}

/** Names a lifted function after the export JS sees it under (the first one, if several). */
export function nameForCallers(call: ComponentCall, name: string, asyncName: string): void {
  const label = labels.get(call);
  if (!label || label.named) return;
  label.named = true;
  label.name = name;
  label.asyncName = asyncName;
  if (label.cx) label.cx.name = name;
}

function poisonAt(inst: InstanceState, e: unknown, label: FuncLabel): Error {
  return poison(inst, e, label.name, label.asyncName);
}

/** The halves of a lifted call around the core call, shared by the sync and JSPI variants. */
interface LiftParts {
  /** lowers the arguments (a TypeError here is the caller's mistake and leaves the instance usable) */
  lowerArgs(args: unknown[]): unknown[];
  /** lifts the result, runs post-return and checks that borrowed handles were dropped */
  finish(r: unknown): unknown;
  cx: Cx;
  plan: Plan;
}

function liftParts(ft: FuncType, opts: LiveOptions, inst: InstanceState, label: FuncLabel): LiftParts {
  const plan = planFor(ft);
  const cx = label.cx = new Cx(inst, opts.memory, opts.realloc, opts.encoding, label.name, 'lift');
  const postReturn = opts.postReturn;
  return {
    cx, plan,
    lowerArgs(args) {
      let i = 0;
      cx.begin();
      cx.lowered = plan.hasHandleParams ? [] : null;
      try {
        if (!plan.spillParams) {
          const flat: unknown[] = [];
          for (; i < plan.params.length; i++) plan.params[i]!.lower(cx, args[i], flat);
          return flat;
        }
        const ptr = cx.allocate(plan.tupleAlign, plan.tupleSize);
        for (; i < plan.params.length; i++) plan.params[i]!.store(cx, args[i], ptr + plan.offsets[i]!);
        return [ptr];
      } catch (e) {
        // the guest's realloc failing is a trap; anything else comes from the caller's values
        // (a getter that threw, a wrong type, too much data) while the guest has not run yet
        if (isGuestFault(e)) throw poisonAt(inst, e, label);
        // blocks realloc handed out stay allocated (the ABI can't give them back); handles go back
        if (cx.lowered) unlowerHandles(inst, cx.lowered);
        throw argumentError(e, label.name, ft.params[i]?.name ?? String(i));
      } finally {
        cx.lowered = null;
      }
    },
    finish(r) {
      try {
        let value: unknown;
        const rc = plan.result;
        if (rc === null) value = undefined;
        else if (plan.spillResult) {
          const ptr = (r as number) >>> 0;
          cx.check(ptr, rc.size, rc.align);
          value = rc.load(cx, ptr);
        } else value = rc.lift(cx, [r], 0);
        if (postReturn) runPostReturn(inst, postReturn, r);
        const scope = cx.scope;
        if (scope && scope.numBorrows > 0) throw new AbiTrap(`${label.name} returned without dropping ${scope.numBorrows} borrowed handle(s)`);
        return value;
      } catch (e) {
        throw poisonAt(inst, e, label);
      }
    },
  };
}

/**
 * `canon lift`: wraps a core function as a component function that JS (or another component)
 * calls with JS values. Arguments are lowered into the guest, results lifted back, and
 * post-return runs after the results were copied out.
 */
export function liftFunction(ft: FuncType, core: (...a: unknown[]) => unknown, opts: LiveOptions, inst: InstanceState, name: string): ComponentCall {
  const plan = planFor(ft);
  const fast = !plan.spillParams && !plan.spillResult && !plan.hasBorrowParams && plan.params.every(isScalar) &&
    (plan.result === null || isScalar(plan.result));
  const label: FuncLabel = { name, asyncName: name, named: false, cx: null };
  if (fast) return labelled(liftScalar(plan, core, opts.postReturn, inst, label, ft.params.map((p) => p.name)), label);
  const parts = liftParts(ft, opts, inst, label);
  const cx = parts.cx;

  const meter = inst.meter;
  return labelled(function lifted(...args: unknown[]): unknown {
    if (inst.poisoned) throw poisonedError(inst);
    if (!inst.mayEnter) throw reentranceError(inst, label.name);
    inst.mayEnter = false;
    startTask(inst);
    const prevScope = cx.scope;
    cx.scope = plan.hasBorrowParams ? { numBorrows: 0 } : null;
    try {
      const flat = parts.lowerArgs(args);
      let r: unknown;
      meter?.enter();
      try {
        r = core(...flat);
      } catch (e) {
        throw poisonAt(inst, e, label);
      } finally {
        meter?.leave();
      }
      return parts.finish(r);
    } finally {
      cx.scope = prevScope;
      inst.mayEnter = true;
    }
  }, label);
}

/**
 * The JSPI variant of `liftFunction`: the core function runs under `WebAssembly.promising`, so
 * host imports may suspend it; the call returns a promise. Calls into one instance are queued:
 * a second call starts only after the first finished, never while it is suspended.
 */
export function liftFunctionAsync(ft: FuncType, core: (...a: unknown[]) => unknown, opts: LiveOptions, inst: InstanceState, name: string, api: Jspi, afterCall: readonly (() => Promise<void> | void)[] = []): ComponentCall {
  let run: (...a: unknown[]) => Promise<unknown>;
  try {
    run = api.promising(core as (...args: never[]) => unknown);
  } catch {
    // not a wasm function (a host function passed straight through): nothing to suspend
    run = async (...a: unknown[]) => core(...a);
  }
  const label: FuncLabel = { name, asyncName: name, named: false, cx: null };
  const parts = liftParts(ft, opts, inst, label);
  const cx = parts.cx;
  const meter = inst.meter;
  const queued = async function liftedAsync(mark: StartMark, args: unknown[]): Promise<unknown> {
    const prev = inst.queue;
    let release!: () => void;
    inst.queue = new Promise<void>((r) => { release = r; });
    try {
      if (prev) await prev;
      if (inst.poisoned) throw poisonedError(inst);
      if (!inst.mayEnter) throw reentranceError(inst, label.name);
      inst.mayEnter = false;
      callStarted(mark);
      startTask(inst);
      const prevScope = cx.scope;
      cx.scope = parts.plan.hasBorrowParams ? { numBorrows: 0 } : null;
      try {
        const flat = parts.lowerArgs(args);
        let r: unknown;
        try {
          meter?.enter();
          if (!ft.async) enterSyncTask(inst);
          try {
            r = await run(...flat);
          } catch (e) {
            throw poisonAt(inst, e, label);
          } finally {
            if (!ft.async) leaveSyncTask(inst);
            meter?.leave();
          }
          // a future<T> result is a promise-like, which this async function's own promise would
          // adopt (read as the host): it goes boxed, and the JS side unboxes it (`unboxResult`)
          return boxFuture(parts.finish(r));
        } finally {
          // what the call wrote is made durable whether it returned, trapped or exited
          for (const hook of afterCall) await hook();
        }
      } finally {
        cx.scope = prevScope;
        inst.mayEnter = true;
      }
    } finally {
      release();
    }
  };
  // each call's promise says whether it has started (a guest lowering it async sees STARTING)
  const call = (...args: unknown[]): Promise<unknown> => {
    const mark: StartMark = { started: false, onStart: null };
    return withStartMark(queued(mark, args), mark);
  };
  if (ft.result?.kind !== 'future') return labelled(call, label);
  // a component lowering this call waits for the call (its future comes boxed), not for the
  // future's value (which would never come when the caller is the one who writes it later)
  return labelled((...args: unknown[]) => markCall(call(...args)), label);
}

/** The fast path of `liftFunction`: every parameter and the result is one scalar core value. */
function liftScalar(plan: Plan, core: (...a: unknown[]) => unknown, postReturn: LiveOptions['postReturn'], inst: InstanceState, label: FuncLabel, pnames: readonly string[]): ComponentCall {
  const ps = plan.params as ScalarCodec[];
  const rc = plan.result as ScalarCodec | null;
  const n = ps.length;
  // a metered instance's call starts and ends its meter's deadline (readonly: read once here)
  const meter = inst.meter;
  const finish = (r: unknown): unknown => {
    let value: unknown;
    try {
      value = rc ? rc.fromCore(r) : undefined;
      if (postReturn) runPostReturn(inst, postReturn, r);
    } catch (e) {
      throw poisonAt(inst, e, label);
    }
    return value;
  };
  const enter = (): void => {
    if (inst.poisoned) throw poisonedError(inst);
    if (!inst.mayEnter) throw reentranceError(inst, label.name);
  };
  const arg = (i: number, v: unknown): number | bigint => {
    try {
      return ps[i]!.toCore(v);
    } catch (e) {
      throw argumentError(e, label.name, pnames[i] ?? String(i));
    }
  };
  const call = (...a: unknown[]): unknown => {
    inst.mayEnter = false;
    startTask(inst);
    meter?.enter();
    let r: unknown;
    try {
      r = core(...a);
    } catch (e) {
      throw poisonAt(inst, e, label);
    } finally {
      inst.mayEnter = true;
      meter?.leave();
    }
    return finish(r);
  };
  switch (n) {
    case 0: return () => { enter(); return call(); };
    case 1: {
      const p0 = ps[0]!;
      return (a: unknown) => {
        enter();
        let x: number | bigint;
        try { x = p0.toCore(a); } catch (e) { throw argumentError(e, label.name, pnames[0]!); }
        inst.mayEnter = false;
        startTask(inst);
        meter?.enter();
        let r: unknown;
        try { r = core(x); } catch (e) { throw poisonAt(inst, e, label); } finally { inst.mayEnter = true; meter?.leave(); }
        return finish(r);
      };
    }
    case 2: {
      const p0 = ps[0]!;
      const p1 = ps[1]!;
      return (a: unknown, b: unknown) => {
        enter();
        let x: number | bigint;
        let y: number | bigint;
        try { x = p0.toCore(a); } catch (e) { throw argumentError(e, label.name, pnames[0]!); }
        try { y = p1.toCore(b); } catch (e) { throw argumentError(e, label.name, pnames[1]!); }
        inst.mayEnter = false;
        startTask(inst);
        meter?.enter();
        let r: unknown;
        try { r = core(x, y); } catch (e) { throw poisonAt(inst, e, label); } finally { inst.mayEnter = true; meter?.leave(); }
        return finish(r);
      };
    }
    default:
      return (...args: unknown[]) => {
        enter();
        const flat = new Array<unknown>(n);
        for (let i = 0; i < n; i++) flat[i] = arg(i, args[i]);
        return call(...flat);
      };
  }
}

/**
 * `canon lower`: makes the core function a guest imports for a component function. It lifts the
 * guest's arguments to JS values, calls `callee`, and lowers what it returns into the guest.
 * With `api` (JSPI), the core function is a `WebAssembly.Suspending` import: when the callee
 * returns a promise the guest suspends until it settles.
 */
export function lowerFunction(ft: FuncType, callee: ComponentCall, opts: LiveOptions, inst: InstanceState, name: string, api: Jspi | null = null): unknown {
  const plan = planFor(ft);
  const cx = new Cx(inst, opts.memory, opts.realloc, opts.encoding, name, 'lower');
  const nparams = plan.params.length;
  // a function returning a future answers with a promise: that is its value, not a wait
  const givesFuture = ft.result?.kind === 'future';
  const fast = !api && !plan.spillParams && !plan.spillResult && plan.params.every(isScalar) && (plan.result === null || isScalar(plan.result));
  if (fast) {
    const ps = plan.params as ScalarCodec[];
    const rc = plan.result as ScalarCodec | null;
    return function loweredScalar(...flat: unknown[]): unknown {
      if (!inst.mayLeave) throw cannotLeave(name);
      if (ft.async && inSyncTask(inst)) throw cannotBlock(`${name}, an async func called synchronously,`);
      const args = new Array<unknown>(nparams);
      for (let i = 0; i < nparams; i++) args[i] = ps[i]!.fromCore(flat[i]);
      const r = callHost(callee, args, name);
      if (isThenable(r)) throw promiseError(name);
      if (!rc) return undefined;
      try {
        return rc.toCore(r);
      } catch (e) {
        throw resultError(e, name);
      }
    };
  }

  const liftArgs = (flat: unknown[]): unknown[] => liftParams(plan, cx, flat, plan.spillParams);
  const lowerResult = (r: unknown, flat: unknown[]): unknown => {
    const rc = plan.result;
    if (!rc) return undefined;
    try {
      if (plan.spillResult) {
        const retptr = (flat[flat.length - 1] as number) >>> 0;
        cx.check(retptr, rc.size, rc.align);
        rc.store(cx, r, retptr);
        return undefined;
      }
      const out: unknown[] = [];
      rc.lower(cx, r, out);
      return out[0];
    } catch (e) {
      throw resultError(e, name);
    }
  };

  function lowered(...flat: unknown[]): unknown {
    if (!inst.mayLeave) throw cannotLeave(name);
    // before the callee runs, as the specification traps
    if (ft.async && inSyncTask(inst)) throw cannotBlock(`${name}, an async func called synchronously,`);
    const call: CallScratch = { lenders: null, borrowedWrappers: null };
    const prev = cx.call;
    cx.call = call;
    cx.begin();
    let settled = true;
    try {
      const r = callHost(callee, liftArgs(flat), name);
      // a host's future is its promise; a call of another instance's function is waited for,
      // and its future comes boxed (`boxFuture`)
      if (givesFuture && !(api && isAsyncCall(r))) return lowerResult(r, flat);
      if (api && isThenable(r)) {
        // the guest is suspended until this settles; its borrows stay lent until then
        settled = false;
        // an async task waiting here leaves the instance to its other tasks meanwhile
        const back = leaveTask(inst);
        const wait = r as PromiseLike<unknown>;
        return (inst.suspended ? inst.suspended.wait(wait) : Promise.resolve(wait)).then(
          async (v) => { await back(); try { return lowerResult(unboxResult(v), flat); } finally { endImportCall(call); } },
          async (e: unknown) => { await back(); endImportCall(call); throw hostError(e, name); },
        );
      }
      if (isThenable(r)) throw promiseError(name);
      return lowerResult(r, flat);
    } finally {
      cx.call = prev;
      if (settled) endImportCall(call);
    }
  }
  return api ? new api.Suspending(lowered as (...args: never[]) => unknown) : lowered;
}

/** A lowered call's arguments, from its flat values, or from memory at the pointer its first one is (`spilled`). */
function liftParams(plan: Plan, cx: Cx, flat: unknown[], spilled: boolean): unknown[] {
  const n = plan.params.length;
  const args = new Array<unknown>(n);
  if (!spilled) {
    let at = 0;
    for (let i = 0; i < n; i++) {
      const c = plan.params[i]!;
      args[i] = c.lift(cx, flat, at);
      at += c.flat.length;
    }
  } else {
    const ptr = (flat[0] as number) >>> 0;
    cx.check(ptr, plan.tupleSize, plan.tupleAlign);
    for (let i = 0; i < n; i++) args[i] = plan.params[i]!.load(cx, ptr + plan.offsets[i]!);
  }
  return args;
}

function callHost(callee: ComponentCall, args: unknown[], name: string): unknown {
  try {
    return callee(...args);
  } catch (e) {
    throw hostError(e, name);
  }
}

function hostError(e: unknown, name: string): unknown {
  if (e instanceof IsowasmError || e instanceof AbiTrap || exitCodeOf(e) !== null) return e;
  return new IsowasmError('HOST_ERROR', `the host function ${name} threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

function promiseError(name: string): IsowasmError {
  return new IsowasmError('HOST_ERROR', `the host function ${name} returned a promise, but it was not linked as asynchronous; list it in instantiate({ async: { imports: ['${name}'] } }) (or declare it \`async\`) so the guest waits for it with JSPI`);
}

function resultError(e: unknown, name: string): unknown {
  if (e instanceof TypeError) {
    return new IsowasmError('HOST_ERROR', `the host function ${name} returned a value of the wrong type: ${e.message}`, { cause: e });
  }
  return e;
}

/** Flat parameters a `canon lower async` passes as values; more go through memory. */
const MAX_FLAT_ASYNC_PARAMS = 4;

/**
 * `canon lift async` with a callback (see async.ts): the arguments are lowered as for a
 * synchronous lift, the result comes from the task's `task.return`, and the call returns a promise.
 */
export function liftFunctionAsyncCallback(ft: FuncType, core: (...a: unknown[]) => unknown, callback: (...a: unknown[]) => unknown, opts: LiveOptions, inst: InstanceState, name: string): ComponentCall {
  const label: FuncLabel = { name, asyncName: name, named: false, cx: null };
  const parts = liftParts(ft, opts, inst, label);
  return labelled(liftAsyncCallback(inst, name, asyncLowerArgs(parts), core, callback, (e) => poisonAt(inst, e, label), () => poisonedError(inst)), label);
}

/**
 * An export lifted async with the instance's after-call hooks (a volume's flush): they run when
 * its call settles, before the caller sees the result, whether it returned or failed.
 */
export function withAfterCall(call: ComponentCall, afterCall: readonly (() => Promise<void> | void)[]): ComponentCall {
  const hooks = async (): Promise<void> => { for (const hook of afterCall) await hook(); };
  const wrapped = ((...args: unknown[]) => {
    const p = call(...args) as Promise<unknown>;
    // hooks come with the host's rooms, which may be made after linking: read them per call
    if (afterCall.length === 0) return p;
    return keepCancel(p, p.then(async (v) => { await hooks(); return v; }, async (e: unknown) => { await hooks(); throw e; }));
  }) as ComponentCall;
  // the same label: naming the wrapper after its export names the call's messages
  const label = labels.get(call);
  return label ? labelled(wrapped, label) : wrapped;
}

/**
 * An async lift's arguments, lowered as a synchronous lift's; the borrowed handles among them
 * count against the task, which must drop them before `task.return` (the specification's
 * `num_borrows`).
 */
function asyncLowerArgs(parts: LiftParts): (args: unknown[], task: TaskBorrows) => unknown[] {
  if (!parts.plan.hasBorrowParams) return (args) => parts.lowerArgs(args);
  return (args, task) => {
    const scope = { numBorrows: 0 };
    const prev = parts.cx.scope;
    parts.cx.scope = scope;
    try {
      return parts.lowerArgs(args);
    } finally {
      parts.cx.scope = prev;
      task.borrows = scope;
    }
  };
}

/**
 * `canon lower async` of a host function (see async.ts): up to 4 flat parameters come as values
 * (more as a pointer to them), and the result, if any, is written at the pointer that follows.
 */
export function lowerFunctionAsync(ft: FuncType, callee: ComponentCall, opts: LiveOptions, inst: InstanceState, name: string): (...flat: unknown[]) => number {
  const plan = planFor(ft);
  const cx = new Cx(inst, opts.memory, opts.realloc, opts.encoding, name, 'lower');
  const spill = plan.flatParamCount > MAX_FLAT_ASYNC_PARAMS;
  // borrowed handles stay lent until the call resolves (the specification's subtask lenders)
  let lent: CallScratch | null = null;
  const liftArgs = (flat: unknown[]): unknown[] => {
    cx.begin();
    const call: CallScratch = { lenders: null, borrowedWrappers: null };
    const prev = cx.call;
    cx.call = call;
    try {
      const args = liftParams(plan, cx, flat, spill);
      lent = call;
      return args;
    } finally {
      cx.call = prev;
    }
  };
  const call = (args: unknown[]): unknown => {
    const scratch = lent!;
    lent = null;
    let r: unknown;
    try {
      r = callHost(callee, args, name);
    } catch (e) {
      endImportCall(scratch);
      throw e;
    }
    if (!isThenable(r)) {
      endImportCall(scratch);
      return r;
    }
    // nothing lent, or returned already: no need to wait for the end (a promise less per call)
    if (!scratch.lenders && !scratch.borrowedWrappers) return r;
    if (earlyResult(r)) {
      endImportCall(scratch);
      return r;
    }
    return keepCancel(r, Promise.resolve(r).finally(() => endImportCall(scratch)));
  };
  const rc = plan.result;
  const storeResult = rc === null ? null : (value: unknown, flat: unknown[]): void => {
    const retptr = (flat[spill ? 1 : plan.flatParamCount] as number) >>> 0;
    cx.begin();
    try {
      cx.check(retptr, rc.size, rc.align);
      rc.store(cx, value, retptr);
    } catch (e) {
      throw resultError(e, name);
    }
  };
  return lowerAsync(inst, name, liftArgs, call, storeResult, (e) => hostError(e, name));
}

/**
 * `canon lift async` without a callback, the stackful form (see async.ts): it runs under JSPI,
 * may block in `waitable-set.wait`, and its result comes from `task.return`.
 */
export function liftFunctionAsyncStackful(ft: FuncType, core: (...a: unknown[]) => unknown, api: Jspi, opts: LiveOptions, inst: InstanceState, name: string): ComponentCall {
  const label: FuncLabel = { name, asyncName: name, named: false, cx: null };
  const parts = liftParts(ft, opts, inst, label);
  return labelled(liftAsyncStackful(inst, name, asyncLowerArgs(parts), core, api, (e) => poisonAt(inst, e, label), () => poisonedError(inst)), label);
}
