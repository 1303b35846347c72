/**
 * Resource handles: per-instance handle tables for own and borrow handles, the JS classes that
 * stand for guest resources (keeping their identity, disposed through `Symbol.dispose`), and the
 * lift/lower of handles.
 */
import { symbolDispose } from '../dispose.js';
import { AbiTrap } from '../errors.js';
import { type WeakReference, finalizationRegistry, weakRef } from '../weak.js';
import type { Cx, InstanceState } from './context.js';
import type { Handle } from './handles.js';
import { describe } from './strings.js';
import { ResourceType } from './types.js';

export { symbolDispose };

const REP = Symbol('isowasm.rep');
const STATE = Symbol('isowasm.state');
const TYPE = Symbol('isowasm.resource');
const EPOCH = Symbol('isowasm.epoch');

/** 0 owned by JS, 1 borrowed for the duration of a call, 2 moved into a component, 3 dropped */
type WrapperState = 0 | 1 | 2 | 3;

interface Wrapper {
  [REP]: number;
  [STATE]: WrapperState;
  [TYPE]: ResourceType;
  /** the defining instance's epoch when the object was made (a reset makes it stale) */
  [EPOCH]: number;
}

/** The epoch of the instance that defines `rt` (0 for host resources). */
function epochOf(rt: ResourceType): number {
  return (rt.impl as InstanceState | null)?.epoch ?? 0;
}

/** Whether the instance was reset since `w` was made: its rep names nothing any more. */
function stale(w: Wrapper): boolean {
  return w[EPOCH] !== epochOf(w[TYPE]);
}

const finalizer = finalizationRegistry<{ rt: ResourceType; rep: number; epoch: number; token: object }>((held) => {
  // an owned guest resource the host forgot to dispose of: run its destructor, as jco does
  // (unless its instance was reset since: the resource is gone with the state it lived in)
  if (held.epoch !== epochOf(held.rt)) return;
  try {
    held.rt.dtor?.(held.rep);
  } catch {
    // the instance may have trapped or be busy; nothing else can be done from a finalizer
  }
});

/** Makes `new Class(...)` of a guest resource type call the component's exported constructor. */
export function setResourceConstructor(rt: ResourceType, ctor: (...args: unknown[]) => unknown): void {
  rt.jsConstructor = ctor;
}

/** Gives a guest resource type its JS class (created once; the exports add its methods). */
export function resourceClass(rt: ResourceType): new (...args: never[]) => object {
  if (!rt.jsClass) {
    const name = rt.name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    const holder = {
      [name]: class {
        constructor(...args: unknown[]) {
          const ctor = rt.jsConstructor;
          if (!ctor) throw new TypeError(`the component exports no constructor for ${name}`);
          // the lifted constructor returns the new handle's object, an instance of this class
          return ctor(...args) as this;
        }
        [symbolDispose](): void {
          disposeWrapper(this);
        }
      },
    };
    rt.jsClass = holder[name] as new (...args: never[]) => object;
  }
  return rt.jsClass;
}

/**
 * Objects JS handed into a component as owned handles, by resource type and rep: when the guest
 * hands the same resource back, JS gets the same object again (identity survives round trips).
 */
const movedIn = new WeakMap<ResourceType, Map<number, WeakReference<Wrapper>>>();

function newWrapper(rt: ResourceType, rep: number, state: WrapperState): Wrapper {
  const w = Object.create(resourceClass(rt).prototype) as Wrapper;
  w[REP] = rep;
  w[STATE] = state;
  w[TYPE] = rt;
  w[EPOCH] = epochOf(rt);
  if (state === 0 && rt.dtor) finalizer.register(w, { rt, rep, epoch: w[EPOCH], token: w }, w);
  return w;
}

function ownedWrapper(rt: ResourceType, rep: number): Wrapper {
  const moved = movedIn.get(rt)?.get(rep)?.deref();
  if (moved && moved[STATE] === 2) {
    movedIn.get(rt)!.delete(rep);
    // one moved in before a reset is not the resource this rep names now
    if (!stale(moved)) {
      moved[STATE] = 0;
      if (rt.dtor) finalizer.register(moved, { rt, rep, epoch: moved[EPOCH], token: moved }, moved);
      return moved;
    }
  }
  return newWrapper(rt, rep, 0);
}

function isWrapper(v: unknown): v is Wrapper {
  return typeof v === 'object' && v !== null && REP in v;
}

function wrapperRep(v: unknown, rt: ResourceType, moving: boolean): number {
  if (!isWrapper(v) || v[TYPE] !== rt) {
    throw new TypeError(`expected a ${resourceClass(rt).name} resource, got ${describe(v)}`);
  }
  const s = v[STATE];
  if (s === 2 || s === 3) {
    throw new TypeError(`this ${resourceClass(rt).name} was ${s === 2 ? 'moved into the component' : 'dropped'} and can't be used any more`);
  }
  if (stale(v)) {
    throw new TypeError(`this ${resourceClass(rt).name} belongs to the instance as it was before instance.reset(), and can't be used any more`);
  }
  if (moving) {
    if (s !== 0) throw new TypeError(`a borrowed ${resourceClass(rt).name} can't be passed as an owned handle`);
    v[STATE] = 2;
    finalizer.unregister(v);
    let byRep = movedIn.get(rt);
    if (!byRep) movedIn.set(rt, (byRep = new Map()));
    byRep.set(v[REP], weakRef(v));
  }
  return v[REP];
}

function hostRep(v: unknown, rt: ResourceType): object {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null) {
    throw new TypeError(`expected a ${rt.name} resource object, got ${describe(v)}`);
  }
  if (rt.hostClass && !(v instanceof rt.hostClass)) {
    throw new TypeError(`expected an instance of ${rt.hostClass.name} for resource ${rt.name}, got ${describe(v)}`);
  }
  return v;
}

/** `lower_own`: moves a JS value's ownership into the instance's table. */
export function lowerOwn(cx: Cx, v: unknown, rt: ResourceType): number {
  const rep = rt.kind === 'host' ? hostRep(v, rt) : wrapperRep(v, rt, true);
  const i = cx.inst.handles.add({ rt, rep, own: true, scope: null, lends: 0 });
  cx.lowered?.push(i);
  return i;
}

/** `lower_borrow`: lends a JS value to the guest for the duration of the export call. */
export function lowerBorrow(cx: Cx, v: unknown, rt: ResourceType): number {
  if (rt.kind === 'guest') {
    const rep = wrapperRep(v, rt, false);
    if (rt.impl === cx.inst) return rep;
    return addBorrow(cx, rt, rep);
  }
  return addBorrow(cx, rt, hostRep(v, rt));
}

function addBorrow(cx: Cx, rt: ResourceType, rep: number | object): number {
  const scope = cx.scope;
  if (!scope) throw new AbiTrap('a borrowed handle was lowered outside of a call');
  scope.numBorrows++;
  const i = cx.inst.handles.add({ rt, rep, own: false, scope, lends: 0 });
  cx.lowered?.push(i);
  return i;
}

/**
 * Takes back the handles lowered for a call that failed before the guest ran (the caller's
 * values failed): a borrow must not outlive the call that never happened, and an owned resource
 * still belongs to the caller. In reverse order, so the table's free list is as it was.
 */
export function unlowerHandles(inst: InstanceState, indices: readonly number[]): void {
  for (let k = indices.length - 1; k >= 0; k--) {
    const h = inst.handles.remove(indices[k]!);
    if (!h.own || h.rt.kind !== 'guest') continue;
    const rep = h.rep as number;
    const byRep = movedIn.get(h.rt);
    const w = byRep?.get(rep)?.deref();
    if (w && w[STATE] === 2) {
      byRep!.delete(rep);
      w[STATE] = 0;
      if (h.rt.dtor) finalizer.register(w, { rt: h.rt, rep, epoch: w[EPOCH], token: w }, w);
    }
  }
}

/** `lift_own`: takes an owned handle out of the instance's table and gives it to JS. */
export function liftOwn(cx: Cx, i: number, rt: ResourceType): unknown {
  const h = cx.inst.handles.get(i);
  if (h.rt !== rt) throw new AbiTrap(`handle ${i >>> 0} is a ${h.rt.name}, not a ${rt.name}`);
  if (h.lends !== 0) throw new AbiTrap(`handle ${i >>> 0} is lent to a call in progress and can't be moved`);
  if (!h.own) throw new AbiTrap(`handle ${i >>> 0} is borrowed and can't be passed as owned`);
  cx.inst.handles.remove(i);
  return rt.kind === 'host' ? h.rep : ownedWrapper(rt, h.rep as number);
}

/** `lift_borrow`: lends a handle of the instance's table to the callee for one call. */
export function liftBorrow(cx: Cx, i: number, rt: ResourceType): unknown {
  const h = cx.inst.handles.get(i);
  if (h.rt !== rt) throw new AbiTrap(`handle ${i >>> 0} is a ${h.rt.name}, not a ${rt.name}`);
  const call = cx.call;
  if (!call) throw new AbiTrap('a borrowed handle was lifted outside of a call');
  h.lends++;
  (call.lenders ??= []).push(h);
  if (rt.kind === 'host') return h.rep;
  const w = newWrapper(rt, h.rep as number, 1);
  (call.borrowedWrappers ??= []).push(w);
  return w;
}

/** Ends an import call: returns the lent handles and retires the borrowed wrappers. */
export function endImportCall(call: { lenders: Handle[] | null; borrowedWrappers: object[] | null }): void {
  if (call.lenders) for (const h of call.lenders) h.lends--;
  if (call.borrowedWrappers) for (const w of call.borrowedWrappers) (w as Wrapper)[STATE] = 3;
}

/** `canon resource.new`: a new owned handle for `rep` in the defining instance's table. */
export function resourceNew(inst: InstanceState, rt: ResourceType, rep: number): number {
  if (!inst.mayLeave) throw new AbiTrap('resource.new called while the instance may not leave');
  return inst.handles.add({ rt, rep, own: true, scope: null, lends: 0 });
}

/** `canon resource.rep`. */
export function resourceRep(inst: InstanceState, rt: ResourceType, i: number): number {
  const h = inst.handles.get(i);
  if (h.rt !== rt) throw new AbiTrap(`handle ${i >>> 0} is a ${h.rt.name}, not a ${rt.name}`);
  return h.rep as number;
}

/** `canon resource.drop`: drops a handle; an owned one runs the resource's destructor. */
export function resourceDrop(inst: InstanceState, rt: ResourceType, i: number): void {
  if (!inst.mayLeave) throw new AbiTrap('resource.drop called while the instance may not leave');
  const h = inst.handles.get(i);
  if (h.rt !== rt) throw new AbiTrap(`handle ${i >>> 0} is a ${h.rt.name}, not a ${rt.name}`);
  if (h.lends !== 0) throw new AbiTrap(`handle ${i >>> 0} is lent to a call in progress and can't be dropped`);
  inst.handles.remove(i);
  if (!h.own) {
    h.scope!.numBorrows--;
    return;
  }
  // the defining instance dropping its own resource runs the destructor in place (the spec calls
  // it directly); any other instance enters the defining one
  // the resource ends here: a later resource with the same rep is a different one
  if (rt.kind === 'guest') movedIn.get(rt)?.delete(h.rep as number);
  if (rt.impl === inst && rt.coreDtor) rt.coreDtor(h.rep as number);
  else destroy(rt, h.rep);
}

function destroy(rt: ResourceType, rep: number | object): void {
  if (rt.kind === 'host') {
    const dispose = (rep as { [Symbol.dispose]?: () => void })[symbolDispose];
    if (typeof dispose === 'function') dispose.call(rep);
  } else {
    rt.dtor?.(rep as number);
  }
}

/** Disposes an owned guest resource object from JS (`obj[Symbol.dispose]()`). */
export function disposeWrapper(w: unknown): void {
  if (!isWrapper(w)) throw new TypeError(`expected a component resource, got ${describe(w)}`);
  if (w[STATE] !== 0) return;
  w[STATE] = 3;
  finalizer.unregister(w);
  // the instance was reset since: the resource went with the state it lived in
  if (stale(w)) return;
  destroy(w[TYPE], w[REP]);
}

/** The resource type of a guest resource object, if it is one. */
export function wrapperType(w: unknown): ResourceType | null {
  return isWrapper(w) ? w[TYPE] : null;
}

export { ResourceType };
