/**
 * Component-model async (the Canonical ABI's tasks, subtasks, waitables and waitable sets),
 * written from the specification (CanonicalABI.md and its definitions.py, Async.md):
 * - an export lifted `async` with a `callback` runs as a task that returns a code (exit, yield,
 *   wait on a set) and is called back with the next event (the stackless form: no
 *   JSPI needed); one without a callback runs under JSPI and may block inside the guest (the
 *   stackful form);
 * - a host function lowered `async` returns at once, or as a subtask whose return is an event of
 *   the set the guest joined it to;
 * - the tasks of one instance take turns at a lock (see `acquire`), so several calls may run in
 *   one instance at once and each resumes as itself;
 * - a caller may cancel a subtask: a task not started yet ends at once, a started one is told
 *   (TASK_CANCELLED) at its next wait, at once where it can be called back, and ends with
 *   `task.cancel` or returns anyway;
 * - a synchronous task (a start function, a lift whose type is not async) may not block.
 * JSPI resumes a suspended stack only a microtask after its wait ends, where the specification
 * switches back at once: that is the one ordering difference left (see the spec .wast suite).
 * Streams and futures are in async-copy.ts, their JS values in async-values.ts.
 */
import { AbiTrap, IsowasmError } from '../errors.js';
import { cannotLeave, type Cx, type InstanceState } from './context.js';
import { isThenable, type Jspi } from './jspi.js';

/**
 * What this file needs of a value's codec (codec.ts's `Codec` is one; naming it here keeps the
 * codec, which makes stream values, below this file).
 */
export interface CodecLike {
  readonly flat: readonly unknown[];
  readonly size: number;
  readonly align: number;
  lift(cx: Cx, src: readonly unknown[], at: number): unknown;
  load(cx: Cx, ptr: number): unknown;
  store(cx: Cx, v: unknown, ptr: number): void;
}

/** Event codes the guest receives (the specification's EventCode). */
export const EVENT_NONE = 0;
const EVENT_SUBTASK = 1;
const EVENT_TASK_CANCELLED = 6;

/** A callback's return code: its low 4 bits, and a waitable set's index above them. */
const CALLBACK_EXIT = 0;
const CALLBACK_YIELD = 1;
const CALLBACK_WAIT = 2;

/** A subtask's state, as `canon lower async` returns it (below the subtask's index) and events report it. */
const SUBTASK_STARTING = 0;
const SUBTASK_STARTED = 1;
const SUBTASK_RETURNED = 2;
const SUBTASK_CANCELLED_BEFORE_STARTED = 3;
const SUBTASK_CANCELLED_BEFORE_RETURNED = 4;

/** What `subtask.cancel` and a cancellable wait return while they wait. */
export const BLOCKED = 0xffffffff;

export type Event = readonly [code: number, p1: number, p2: number];

/**
 * Something a task can wait for. An event is pending on it until a wait or poll takes it; it is
 * made when taken (a stream's says how far its copy got then).
 */
export class Waitable {
  pending: (() => Event) | null = null;
  set: WaitableSet | null = null;
  /** a synchronous built-in blocked on this waitable alone (it is in no set then) */
  waiter: (() => void) | null = null;

  deliver(e: Event | (() => Event)): void {
    this.pending = typeof e === 'function' ? e : () => e;
    this.set?.wake();
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The pending event, taken. */
  take(): Event {
    const f = this.pending!;
    this.pending = null;
    return f();
  }
}

/** A call the instance made to a function lowered `async`, still running or resolved. */
class Subtask extends Waitable {
  state = SUBTASK_STARTED;
  /** the caller asked to cancel it */
  cancelling = false;
  /** its resolution was taken by the guest (an event, or `subtask.cancel`'s result) */
  delivered = false;
  constructor(readonly cancel: (() => number | null) | null) {
    super();
  }

  resolved(): boolean {
    return this.state >= SUBTASK_RETURNED;
  }
}

/** Waitables a task waits on together. */
class WaitableSet {
  readonly members = new Set<Waitable>();
  /** the task waiting on this set, if one is */
  waiter: (() => void) | null = null;
  /**
   * the task whose callback returned WAIT on this set: it waits from that moment (the
   * specification's num_waiting), before its loop gets to `waiter`
   */
  claimed: object | null = null;

  /** The next pending event of a member, taken (null: none). */
  take(): Event | null {
    for (const w of this.members) if (w.pending) return w.take();
    return null;
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

/**
 * The instance's table of waitables, waitable sets and error contexts. (The specification keeps
 * them in one table with resource handles; here they have their own: indices are opaque to the
 * guest either way.)
 */
export class AsyncTable {
  readonly #items: (object | undefined)[] = [undefined];
  readonly #free: number[] = [];

  add(x: object): number {
    const i = this.#free.pop();
    if (i !== undefined) {
      this.#items[i] = x;
      return i;
    }
    if (this.#items.length >= 1 << 28) throw new AbiTrap('the table of waitables is full');
    return this.#items.push(x) - 1;
  }

  get<T extends object>(i: number, kind: abstract new (...a: never[]) => T, what: string): T {
    const x = this.#items[i >>> 0];
    if (!(x instanceof kind)) throw new AbiTrap(`${i >>> 0} is not a ${what} of this instance`);
    return x;
  }

  remove(i: number): void {
    this.#items[i >>> 0] = undefined;
    this.#free.push(i >>> 0);
  }
}

/** The borrowed handles a task was given, which it must drop before it returns. */
export interface TaskBorrows {
  borrows: { numBorrows: number } | null;
}

/** Where a cancelled task stands: its caller asked; the task was told (an event); it ended. */
const CANCEL_NONE = 0;
const CANCEL_PENDING = 1;
const CANCEL_DELIVERED = 2;

/** One call of an export lifted `async`: its context slots, and where its result goes. */
class Task implements TaskBorrows {
  readonly context = new Int32Array(2);
  returned = false;
  cancel = CANCEL_NONE;
  /** it ended with `task.cancel` */
  cancelled = false;
  /**
   * a callback-form task keeps its instance while it blocks inside a step (a synchronously
   * lowered call), as the specification's `needs_exclusive` says; between steps it lets it go
   */
  exclusive = false;
  borrows: { numBorrows: number } | null = null;
  /**
   * Its callback, called at once with an event (a stackless task without JSPI): a cancel is
   * delivered through it while the caller's `subtask.cancel` runs, as the specification does
   */
  callNow: ((e: Event) => number) | null = null;
  /** the code its callback returned when called by `callNow`, for its loop to go on with */
  injected: number | null = null;
  /** the set its callback last said it waits on (WAIT), from that moment */
  waitSet: WaitableSet | null = null;
  /**
   * the set its callback loop is suspended on now, to wake it when it is cancelled (a field, not
   * a WeakMap: it is set and cleared at each wait of every async call)
   */
  waitingOn: WaitableSet | null = null;
  constructor(readonly resolve: (v: unknown) => void, readonly reject: (e: unknown) => void) {}

  /** Takes the cancellation its caller asked for, as the event a wait returns (null: none). */
  cancelEvent(): Event | null {
    if (this.cancel !== CANCEL_PENDING) return null;
    this.cancel = CANCEL_DELIVERED;
    return [EVENT_TASK_CANCELLED, 0, 0];
  }
}

/**
 * What a call of an export lifted async rejects with when its caller cancelled it (`subtask.cancel`
 * through a composition): `CANCELLED`, whose `details.started` says whether the task had begun.
 * (An error code, not a subclass: this file loads in a lazy chunk, where a class extending
 * IsowasmError at load time can run before the chunk that defines it.)
 */
function taskCancelled(started: boolean, name: string): IsowasmError {
  return new IsowasmError('CANCELLED', `the call of ${name} was cancelled ${started ? 'after' : 'before'} it started`, { details: { started } });
}

function cancelledStarted(e: unknown): boolean | null {
  if (!(e instanceof IsowasmError) || e.code !== 'CANCELLED') return null;
  return (e.details as { started: boolean }).started;
}

/**
 * Cancels a promise an export lifted async returned (what `subtask.cancel` does to a subtask
 * that is a call into another instance); false when the promise is not such a call.
 */
const CANCEL = Symbol('isowasm.cancel');
type Cancellable = { [CANCEL]?: () => number | null };
/** (A symbol property, not a WeakMap: one per async call, and ephemerons cost the collector.) */
const cancellers = {
  get: (p: object): (() => number | null) | undefined => (p as Cancellable)[CANCEL],
  set: (p: object, f: () => number | null): void => { (p as Cancellable)[CANCEL] = f; },
};

/** `to`, a promise made from `from`, cancels as `from` does. */
export function keepCancel<T extends object>(from: unknown, to: T): T {
  const cancel = cancellers.get(from as object);
  if (cancel) cancellers.set(to, cancel);
  const early = earlyResult(from);
  if (early) (to as Early)[EARLY] = early;
  return to;
}

/**
 * A future a task returned, boxed: a promise resolved with the future itself would adopt it (call
 * its `then`, reading it as the host), so a guest lowering the call could no longer receive the
 * future as it is. JS callers get it unboxed (`unboxResult`), and then a promise of its value.
 */
class FutureResult {
  constructor(readonly future: unknown) {}
}

const CALL = Symbol('isowasm.call');
const START = Symbol('isowasm.start');

/**
 * Whether a call into another instance has started (a synchronously lifted function under JSPI
 * waits for the instance's earlier calls first): a guest lowering it `async` sees STARTING until
 * then, and a STARTED event when it does, as the specification reports a call held back.
 */
export interface StartMark {
  started: boolean;
  onStart: (() => void) | null;
}

/** Tags `p`, a call's promise, with its start mark. */
export function withStartMark<T extends object>(p: T, mark: StartMark): T {
  (p as { [START]?: StartMark })[START] = mark;
  return p;
}

/** The call behind `mark` started. */
export function callStarted(mark: StartMark): void {
  mark.started = true;
  const f = mark.onStart;
  mark.onStart = null;
  f?.();
}

/**
 * Whether `p` is the promise of a call of a lifted function (an export lifted async, or one whose
 * future result comes boxed under JSPI), not a host's promise.
 */
export function isAsyncCall(p: unknown): boolean {
  return typeof p === 'object' && p !== null && (cancellers.get(p) !== undefined || (p as { [CALL]?: true })[CALL] === true);
}

/** Marks `p` as the promise of a call of a lifted function (see `isAsyncCall`). */
export function markCall<T extends object>(p: T): T {
  (p as { [CALL]?: true })[CALL] = true;
  return p;
}

/** A call's result on its way in a promise: a future (a promise-like) boxed, anything else as it is. */
export function boxFuture(v: unknown): unknown {
  return isThenable(v) ? new FutureResult(v) : v;
}

/** A call's result as its receiver takes it (a returned future out of its box). */
export function unboxResult(v: unknown): unknown {
  return v instanceof FutureResult ? v.future : v;
}

const EARLY = Symbol('isowasm.early');
type Early = { [EARLY]?: { readonly value: unknown } };

/**
 * The result of a call of an export lifted async that returned (`task.return`) before the call
 * itself returned its promise: a guest calling it through `canon lower async` sees RETURNED at
 * once, as the specification's synchronous completion says, not a subtask.
 */
export function earlyResult(p: unknown): { readonly value: unknown } | undefined {
  return typeof p === 'object' && p !== null ? (p as Early)[EARLY] : undefined;
}

/** The async state of one component instance (made when its component uses async). */
export class AsyncState {
  readonly table = new AsyncTable();
  /** the task whose code runs now (null: none, or a synchronous call) */
  current: Task | null = null;
  /** async calls waiting for the instance's backpressure to go down */
  readonly waitingToStart: (() => void)[] = [];
  /** tasks waiting for the instance's lock (see `acquire`) */
  readonly queue: (() => void)[] = [];
  /**
   * JSPI when the instance's guest may block inside a task (`waitable-set.wait`): its tasks' core
   * calls then run under `WebAssembly.promising`
   */
  suspending: Jspi | null = null;
  /** the host's waits on this instance's streams and futures, failed when it traps */
  readonly onDeath: ((e: unknown) => void)[] = [];
}

/**
 * The instance trapped: the host's reads of its streams and futures, which no guest will
 * complete now, fail with its error.
 */
export function instanceDied(inst: InstanceState): void {
  const state = asyncStateOf(inst);
  for (const f of state.onDeath.splice(0)) f(inst.poisoned);
}

export function asyncStateOf(inst: InstanceState): AsyncState {
  return (inst.async ??= new AsyncState()) as AsyncState;
}

/**
 * Starts the calls that waited for backpressure, once it is off: after the call that turned it
 * off (a synchronous export may do it, and the instance can't be entered while that runs).
 */
export function backpressureChanged(inst: InstanceState): void {
  if (inst.backpressure !== 0 || !inst.async) return;
  const waiting = asyncStateOf(inst).waitingToStart;
  if (waiting.length === 0) return;
  queueMicrotask(() => {
    if (inst.backpressure !== 0) return;
    for (const start of waiting.splice(0)) start();
  });
}

/** `waitable-set.new`. */
export function waitableSetNew(inst: InstanceState): number {
  return asyncStateOf(inst).table.add(new WaitableSet());
}

/** `waitable-set.drop`: refused while a task waits on the set. */
export function waitableSetDrop(inst: InstanceState, i: number): void {
  const { table } = asyncStateOf(inst);
  const set = table.get(i, WaitableSet, 'waitable set');
  if (set.waiter || set.claimed) throw new AbiTrap(`waitable set ${i >>> 0} is dropped while a task waits on it (cannot drop waitable set with waiters)`);
  for (const w of set.members) w.set = null;
  table.remove(i);
}

/** `waitable.join`: moves a waitable into a set (0: out of any). */
export function waitableJoin(inst: InstanceState, wi: number, si: number): void {
  const { table } = asyncStateOf(inst);
  const w = table.get(wi, Waitable, 'waitable');
  w.set?.members.delete(w);
  w.set = null;
  if (si === 0) return;
  const set = table.get(si, WaitableSet, 'waitable set');
  set.members.add(w);
  w.set = set;
  if (w.pending) set.wake();
}

/** `waitable-set.poll`: the next event of the set (written at `ptr`: its two payloads), or none. */
export function waitableSetPoll(inst: InstanceState, memory: WebAssembly.Memory, si: number, ptr: number): number {
  const { table } = asyncStateOf(inst);
  const e = table.get(si, WaitableSet, 'waitable set').take() ?? [EVENT_NONE, 0, 0];
  writeEvent(memory, ptr, e);
  return e[0];
}

function writeEvent(memory: WebAssembly.Memory, ptr: number, e: Event): void {
  const at = ptr >>> 0;
  if (at % 4 !== 0 || at + 8 > memory.buffer.byteLength) throw new AbiTrap(`an event's payload can't be written at ${at}`);
  const dv = new DataView(memory.buffer);
  dv.setUint32(at, e[1], true);
  dv.setUint32(at + 4, e[2], true);
}

/** `subtask.drop`: only a subtask whose resolution the guest has taken. */
export function subtaskDrop(inst: InstanceState, i: number): void {
  const { table } = asyncStateOf(inst);
  const s = table.get(i, Subtask, 'subtask');
  if (!s.resolved()) throw new AbiTrap(`subtask ${i >>> 0} is dropped before it returned`);
  if (!s.delivered) throw new AbiTrap(`subtask ${i >>> 0} is dropped before the guest took the event of its return`);
  s.set?.members.delete(s);
  table.remove(i);
}

/**
 * `subtask.cancel`: asks the callee to stop. A subtask that resolved already reports how; else
 * the callee is asked (a call into another instance is cancelled there; a host promise can't be,
 * so it is waited for) and this is BLOCKED until it resolves, or with `async` false waits (JSPI).
 */
export function subtaskCancel(inst: InstanceState, i: number, async: boolean): number | Promise<number> {
  if (!inst.mayLeave) throw cannotLeave('subtask.cancel');
  const s = asyncStateOf(inst).table.get(i, Subtask, 'subtask');
  if (s.delivered) throw new AbiTrap(`subtask ${i >>> 0} is cancelled after its return was delivered`);
  if (s.cancelling) throw new AbiTrap(`subtask ${i >>> 0} is cancelled twice`);
  if (s.set && !async) throw new AbiTrap(`subtask ${i >>> 0} is in a waitable set: a synchronous subtask.cancel can't wait for it`);
  if (!s.resolved()) {
    s.cancelling = true;
    // the callee may end at once (not started yet, or told now and cancelled): its state then
    const now = s.cancel?.() ?? null;
    if (now !== null) {
      s.state = now;
      s.delivered = true;
      return now;
    }
  }
  if (s.pending) return s.take()[2];
  if (async) return BLOCKED;
  return waitFor(inst, s, `subtask.cancel of subtask ${i >>> 0}`).then((e) => e[2]);
}

/**
 * Blocks a synchronous built-in until `w` has an event (under JSPI: the caller wraps it in
 * `Suspending`); an async task leaves the instance while it waits, as in `waitable-set.wait`.
 */
export function waitFor(inst: InstanceState, w: Waitable, what: string): Promise<Event> {
  const state = asyncStateOf(inst);
  if (inSyncTask(inst)) throw cannotBlock(what);
  if (!state.suspending) {
    throw new IsowasmError('UNSUPPORTED', `${what} has to wait, which a synchronous built-in can do only with JavaScript Promise Integration (instantiate with \`async: true\`)`);
  }
  // a callback-form task keeps its instance while it blocks (see Task.exclusive)
  const task = state.current && !state.current.exclusive ? state.current : null;
  return (async () => {
    if (task) release(inst, task);
    try {
      while (!w.pending) {
        if (inst.poisoned) throw inst.poisoned;
        await new Promise<void>((wake) => { w.waiter = wake; });
        if (inst.poisoned) throw inst.poisoned;
      }
    } finally {
      if (task) {
        const wait = acquire(inst, task);
        if (wait) await wait;
      }
    }
    return w.take();
  })();
}

/**
 * `task.cancel`: the current task ends without a result, after it was told its caller cancelled
 * it; the caller's subtask resolves as cancelled.
 */
export function taskCancel(inst: InstanceState, name: string): void {
  const task = inst.async ? asyncStateOf(inst).current : null;
  if (!task) throw new AbiTrap('task.cancel was called outside of an async task');
  if (task.returned) throw new AbiTrap('task.cancel was called by a task that returned already');
  if (task.cancel !== CANCEL_DELIVERED) throw new AbiTrap('task.cancel was called by a task that was not told it is cancelled');
  if (task.borrows && task.borrows.numBorrows > 0) throw new AbiTrap(`task.cancel was called before the task dropped ${task.borrows.numBorrows} borrowed handle(s) it was given`);
  task.returned = true;
  task.cancelled = true;
  task.reject(taskCancelled(true, name));
}

/**
 * `thread.yield`: lets the instance's other tasks and the host run (under JSPI: a suspension to
 * the next task of the event loop); without JSPI, or in a synchronous call, there is nothing to
 * let run and it returns at once. Returns 1 when a cancellation was asked for a cancellable yield.
 */
export function threadYield(inst: InstanceState, cancellable: boolean): number | Promise<number> {
  const state = inst.async ? asyncStateOf(inst) : null;
  const task = state?.current ?? null;
  if (!task) {
    // a synchronous call under JSPI lets the host run (its promises settle), keeping the instance
    if (!inst.suspends) return 0;
    return new Promise<number>((go) => setTimeout(() => go(0), 0));
  }
  if (cancellable && task.cancelEvent()) return 1;
  if (!state!.suspending) return 0;
  // a callback-form task yields to the host but keeps its instance (see Task.exclusive)
  if (task.exclusive) return new Promise<number>((go) => setTimeout(() => go(cancellable && task.cancelEvent() ? 1 : 0), 0));
  return (async () => {
    release(inst, task);
    try {
      await new Promise<void>((go) => setTimeout(go, 0));
    } finally {
      const wait = acquire(inst, task);
      if (wait) await wait;
    }
    if (inst.poisoned) throw inst.poisoned;
    return cancellable && task.cancelEvent() ? 1 : 0;
  })();
}

/** `context.get`/`context.set` read and write the current task's slots (a sync call's too). */
export function contextSlots(inst: InstanceState): Int32Array {
  const task = inst.async ? asyncStateOf(inst).current : null;
  if (task) return task.context;
  return (inst.context ??= new Int32Array(2));
}

/**
 * `task.return`: the current task's result, lifted from its flat values (or from memory past 16
 * of them) and handed to the caller. A task returns once.
 */
export function taskReturn(inst: InstanceState, result: CodecLike | null, cx: Cx, flat: readonly unknown[]): void {
  const task = inst.async ? asyncStateOf(inst).current : null;
  if (!task) throw new AbiTrap('task.return was called outside of an async task');
  if (task.returned) throw new AbiTrap('task.return was called twice by one task');
  if (task.borrows && task.borrows.numBorrows > 0) throw new AbiTrap(`task.return was called before the task dropped ${task.borrows.numBorrows} borrowed handle(s) it was given`);
  cx.begin();
  let value: unknown;
  if (result === null) value = undefined;
  else if (result.flat.length > 16) {
    const ptr = (flat[0] as number) >>> 0;
    cx.check(ptr, result.size, result.align);
    value = result.load(cx, ptr);
  } else value = result.lift(cx, flat as unknown[], 0);
  task.returned = true;
  task.resolve(value);
}

/**
 * The instance's lock: one task at a time runs guest code. `current` holds it; a task that waits
 * inside the guest (JSPI) lets it go, and takes it again before its stack resumes, so the tasks
 * whose waits end together resume one after the other, each as itself.
 */
function acquire(inst: InstanceState, task: Task): Promise<void> | null {
  const state = asyncStateOf(inst);
  if (state.current === null) {
    state.current = task;
    inst.mayEnter = false;
    return null;
  }
  return new Promise<void>((go) => state.queue.push(() => {
    state.current = task;
    inst.mayEnter = false;
    go();
  }));
}

function release(inst: InstanceState, task: Task): void {
  const state = asyncStateOf(inst);
  if (state.current !== task) return;
  state.current = null;
  inst.mayEnter = true;
  state.queue.shift()?.();
}

/**
 * Starts a call of an export lifted async: refused on a dead instance or while a synchronous call
 * runs; held back by backpressure; run once the instance's lock is free, with the arguments
 * lowered under the lock (they may call the guest's realloc). Returns the call's cancel: before
 * the task starts it ends the call at once; after, the task is told at its next wait.
 */
function startAsyncCall(
  inst: InstanceState, name: string, args: unknown[], lowerArgs: (args: unknown[], task: TaskBorrows) => unknown[], poisoned: () => unknown,
  resolve: (v: unknown) => void, reject: (e: unknown) => void, mark: StartMark, run: (task: Task, flat: unknown[]) => void,
): () => number | null {
  let task: Task | null = null;
  let cancelled = false;
  const start = (): void => {
    if (cancelled) return;
    if (inst.poisoned) {
      reject(poisoned());
      return;
    }
    // a synchronous call is running (a task holding the lock is waited for instead): one
    // suspended under JSPI is waited for; one on the stack can't be
    if (!inst.mayEnter && asyncStateOf(inst).current === null) {
      if (inst.queue) {
        void inst.queue.then(start);
        return;
      }
      reject(new IsowasmError('REENTRANCE', `${name} was called while the instance ${inst.label} was running a call; a component instance can't be re-entered`));
      return;
    }
    const t = new Task(resolve, reject);
    const begin = (): void => {
      if (cancelled) {
        release(inst, t);
        return;
      }
      task = t;
      callStarted(mark);
      let flat: unknown[];
      try {
        flat = lowerArgs(args, t);
      } catch (e) {
        release(inst, t);
        reject(e);
        return;
      }
      run(t, flat);
    };
    const wait = acquire(inst, t);
    if (wait) void wait.then(begin);
    else begin();
  };
  // backpressure holds new calls back until the guest lets it go
  if (inst.backpressure > 0) asyncStateOf(inst).waitingToStart.push(start);
  else start();
  return () => {
    if (task === null) {
      if (cancelled) return null;
      cancelled = true;
      reject(taskCancelled(false, name));
      return SUBTASK_CANCELLED_BEFORE_STARTED;
    }
    if (task.returned || task.cancel !== CANCEL_NONE) return null;
    task.cancel = CANCEL_PENDING;
    // a task waiting in its callback loop is told now: at once if it can be called now
    const now = deliverCancelNow(inst, task);
    if (now !== null) return now;
    task.waitingOn?.wake();
    return null;
  };
}

/**
 * Tells a task waiting in its callback loop that it is cancelled, by calling its callback now
 * (only a stackless task without JSPI, while its instance is free): if it ends with
 * `task.cancel`, its caller's `subtask.cancel` returns CANCELLED_BEFORE_RETURNED at once, as the
 * specification's `request_cancellation` resumes the task inside the cancel. Null: it goes on
 * (its loop continues with the code the callback returned), or it could not be called now.
 */
function deliverCancelNow(inst: InstanceState, task: Task): number | null {
  const state = asyncStateOf(inst);
  const set = task.waitSet;
  if (!task.callNow || !set || set.claimed !== task || task.injected !== null || state.current !== null || !inst.mayEnter || inst.poisoned) return null;
  const event = task.cancelEvent()!;
  // it has its event: it waits no more
  set.claimed = null;
  task.waitSet = null;
  const inLoop = task.waitingOn === set;
  state.current = task;
  inst.mayEnter = false;
  let code: number;
  try {
    code = task.callNow(event);
  } finally {
    release(inst, task);
  }
  task.injected = code;
  if (inLoop) set.wake();
  return task.cancelled ? SUBTASK_CANCELLED_BEFORE_RETURNED : null;
}

/** Marks the set a task's callback said it waits on (an index that is no set traps in its loop). */
function claim(inst: InstanceState, task: Task, si: number): void {
  const { table } = asyncStateOf(inst);
  let set: WaitableSet;
  try {
    set = table.get(si, WaitableSet, 'waitable set');
  } catch {
    // not a set: the task's loop traps on it, with this message
    return;
  }
  if (set.claimed === null) set.claimed = task;
  task.waitSet = set;
}

/**
 * A call of an export lifted async, as a promise a caller in another instance can cancel
 * (`subtask.cancel` through `cancellers`).
 */
function cancellableCall(inst: InstanceState, name: string, start: (resolve: (v: unknown) => void, reject: (e: unknown) => void, mark: StartMark) => () => number | null): Promise<unknown> {
  const mark: StartMark = { started: false, onStart: null };
  let cancel: (() => number | null) | null = null;
  let early: { value: unknown } | null = null;
  let calling = true;
  const p = new Promise<unknown>((settle, reject) => {
    const resolve = (result: unknown): void => {
      const v = boxFuture(result);
      if (calling) early = { value: v };
      settle(v);
    };
    const limit = inst.limits.timeoutMs;
    if (limit === null) {
      cancel = start(resolve, reject, mark);
      return;
    }
    // limits.timeoutMs bounds an async call's whole life, waits included: a task that never
    // returns (it waits on nothing that will come) ends its instance instead of leaking
    const timer = setTimeout(() => {
      const e = new IsowasmError('TIMEOUT', `${name} did not return within limits.timeoutMs (${limit} ms); the instance was ended`);
      inst.poisoned ??= e;
      instanceDied(inst);
      reject(e);
    }, limit);
    cancel = start((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); }, mark);
  });
  calling = false;
  if (early) (p as Early)[EARLY] = early;
  // `start` ran in the executor, which gave the call's cancel (none only if it threw: p rejected)
  const c = cancel as (() => number | null) | null;
  cancellers.set(p, c ?? ((): null => null));
  return withStartMark(p, mark);
}

/**
 * `canon lift async` with a callback: a JS function returning a promise of the result (what the
 * task hands to `task.return`). `lowerArgs` lowers the arguments as a synchronous lift does.
 */
export function liftAsyncCallback(
  inst: InstanceState,
  name: string,
  lowerArgs: (args: unknown[], task: TaskBorrows) => unknown[],
  core: (...a: unknown[]) => unknown,
  callback: (...a: unknown[]) => unknown,
  poisonAt: (e: unknown) => unknown,
  poisoned: () => unknown,
): (...args: unknown[]) => Promise<unknown> {
  // a guest that may block in a task runs its steps under JSPI (they may suspend): wrapped once,
  // when the instance's JSPI is known (a later link may set it, so it is read per call)
  let wrappedFor: Jspi | null = null;
  let run = core;
  let again = callback;
  return (...args: unknown[]) => cancellableCall(inst, name, (resolve, reject, mark) =>
    startAsyncCall(inst, name, args, lowerArgs, poisoned, resolve, reject, mark, (task, flat) => {
      const api = asyncStateOf(inst).suspending;
      if (api !== wrappedFor) {
        wrappedFor = api;
        run = api ? api.promising(core as (...a: never[]) => unknown) as (...a: unknown[]) => unknown : core;
        again = api ? api.promising(callback as (...a: never[]) => unknown) as (...a: unknown[]) => unknown : callback;
      }
      // this task's steps, as they were when it started
      const first = run;
      const next = again;
      // a trap poisons the instance at once, before anyone else can call it
      const trapping = (call: () => unknown) => (): unknown => {
        let code: unknown;
        try {
          code = call();
        } catch (e) {
          throw poisonAt(e);
        }
        // a task that returns WAIT waits from now on, not from when its loop gets there
        if (typeof code === 'number' && (code & 0xf) === CALLBACK_WAIT) claim(inst, task, code >>> 4);
        return code;
      };
      const step = async (call: () => unknown, held: boolean): Promise<number> => (await runAsTask(inst, task, trapping(call), held) as number) | 0;
      task.exclusive = true;
      // without JSPI a step returns its code at once: a cancel may call it back right away
      if (!api) task.callNow = (ev) => (trapping(() => callback(ev[0], ev[1], ev[2]))() as number) | 0;
      // the first step runs under the lock the start took
      void step(() => first(...flat), true)
        .then((code) => loop(inst, task, code, (ev) => step(() => next(ev[0], ev[1], ev[2]), false), name))
        .catch((e: unknown) => reject(poisonAt(e)));
    }));
}

/**
 * Runs guest code as `task`; its result may be a promise (under JSPI): the task's state is set
 * again when a wait inside it resumes (see `waitableSetWait`) and cleared when it settles.
 */
async function runAsTask(inst: InstanceState, task: Task, call: () => unknown, held = false): Promise<unknown> {
  if (!held) {
    const wait = acquire(inst, task);
    if (wait) await wait;
  }
  let r: unknown;
  try {
    r = call();
  } finally {
    // returned: the step is done; suspended: the wait that suspended it let the lock go already
    if (!isThenable(r)) release(inst, task);
  }
  if (!isThenable(r)) return r;
  try {
    return await r;
  } finally {
    // it resumed holding the lock and has now ended
    release(inst, task);
  }
}

/** A task's callback loop: waits as its codes say, and calls it back with each event. */
async function loop(inst: InstanceState, task: Task, first: number, callback: (e: Event) => Promise<number>, name: string): Promise<void> {
  let code = first;
  for (;;) {
    // its callback was called already for what this code waits for (a cancel delivered at once,
    // see deliverCancelNow): go on with what it returned then
    if (task.injected !== null) {
      code = task.injected;
      task.injected = null;
    }
    const kind = code & 0xf;
    const si = code >>> 4;
    if (kind === CALLBACK_EXIT) {
      if (!task.returned) throw new AbiTrap(`${name} ended its task without calling task.return`);
      return;
    }
    let e: Event;
    if (kind === CALLBACK_YIELD) {
      await Promise.resolve();
      e = task.cancelEvent() ?? [EVENT_NONE, 0, 0];
    } else if (kind === CALLBACK_WAIT) {
      const { table } = asyncStateOf(inst);
      const set = table.get(si, WaitableSet, 'waitable set');
      let got = task.cancelEvent() ?? set.take();
      if (set.claimed !== null && set.claimed !== task) throw new AbiTrap(`two tasks wait on waitable set ${si} at once`);
      set.claimed = task;
      while (!got && task.injected === null) {
        // the instance may have ended (a host failed) before this task got to wait
        if (inst.poisoned) throw inst.poisoned;
        if (set.waiter) throw new AbiTrap(`two tasks wait on waitable set ${si} at once`);
        task.waitingOn = set;
        await new Promise<void>((wake) => { set.waiter = wake; });
        task.waitingOn = null;
        // a host failure ends the instance and wakes its waiting task
        if (inst.poisoned) throw inst.poisoned;
        // its callback was called already (a cancel delivered at once): go on with its code
        if (task.injected !== null) break;
        got = task.cancelEvent() ?? set.take();
      }
      // woken with the callback called already (which unclaimed the set, and may have claimed
      // it again): the top of the loop takes its code
      if (!got) continue;
      set.claimed = null;
      task.waitSet = null;
      e = got;
    } else {
      // the specification's codes are exit, yield and wait (its POLL, 3, was removed: none of
      // the corpus' guests returns it)
      throw new AbiTrap(`${name}'s callback returned ${code}, which is not a callback code (unsupported callback code: exit 0, yield 1 and wait 2 are)`);
    }
    if (inst.poisoned) throw inst.poisoned;
    code = await callback(e);
  }
}

/**
 * The instances running a synchronous task: a core start function, or under JSPI a lift of a
 * function type that is not `async`. Such a task may not block (the specification's "cannot
 * block a synchronous task before returning"), so it may not call an async func synchronously.
 */
const syncTasks = new WeakMap<InstanceState, number>();

/** Marks `inst` as running a synchronous task until `leaveSyncTask` (they nest). */
export function enterSyncTask(inst: InstanceState): void {
  syncTasks.set(inst, (syncTasks.get(inst) ?? 0) + 1);
}

export function leaveSyncTask(inst: InstanceState): void {
  const n = (syncTasks.get(inst) ?? 1) - 1;
  if (n > 0) syncTasks.set(inst, n);
  else syncTasks.delete(inst);
}

/** Whether `inst` runs a synchronous task now (see `syncTasks`): then it may not block. */
export function inSyncTask(inst: InstanceState): boolean {
  return syncTasks.has(inst);
}

/** The trap of a synchronous task that would block (the specification's message). */
export function cannotBlock(what: string): AbiTrap {
  return new AbiTrap(`${what} would block a synchronous task (a start function, or a function whose type is not async): cannot block a synchronous task before returning`);
}

/**
 * `waitable-set.wait` (under JSPI: the guest's stack is suspended until the set has an event):
 * the task leaves the instance while it waits, so its other tasks can run, and comes back to it.
 */
export function waitableSetWait(inst: InstanceState, memory: WebAssembly.Memory, si: number, ptr: number): number | Promise<number> {
  const state = asyncStateOf(inst);
  const set = state.table.get(si, WaitableSet, 'waitable set');
  const ready = set.take();
  if (ready) {
    writeEvent(memory, ptr, ready);
    return ready[0];
  }
  if (set.waiter) throw new AbiTrap(`two tasks wait on waitable set ${si >>> 0} at once`);
  if (inSyncTask(inst)) throw cannotBlock('waitable-set.wait');
  // an async task leaves the instance while it waits (its other tasks may run); a synchronous
  // call keeps it, as it would if it were running
  const task = state.current;
  return (async () => {
    if (task) release(inst, task);
    let e: Event | null = null;
    try {
      while (!e) {
        if (inst.poisoned) throw inst.poisoned;
        if (set.waiter) throw new AbiTrap(`two tasks wait on waitable set ${si >>> 0} at once`);
        await new Promise<void>((wake) => { set.waiter = wake; });
        if (inst.poisoned) throw inst.poisoned;
        e = set.take();
      }
    } finally {
      if (task) {
        const wait = acquire(inst, task);
        if (wait) await wait;
      }
    }
    writeEvent(memory, ptr, e);
    return e[0];
  })();
}

/**
 * `canon lift async` without a callback, the stackful form: the core function runs under JSPI as
 * the task, may block in `waitable-set.wait`, and returns its result with `task.return`.
 */
export function liftAsyncStackful(
  inst: InstanceState,
  name: string,
  lowerArgs: (args: unknown[], task: TaskBorrows) => unknown[],
  core: (...a: unknown[]) => unknown,
  api: Jspi,
  poisonAt: (e: unknown) => unknown,
  poisoned: () => unknown,
): (...args: unknown[]) => Promise<unknown> {
  const run = api.promising(core as (...a: never[]) => unknown);
  asyncStateOf(inst).suspending ??= api;
  return (...args: unknown[]) => cancellableCall(inst, name, (resolve, reject, mark) =>
    startAsyncCall(inst, name, args, lowerArgs, poisoned, resolve, reject, mark, (task, flat) => {
      runAsTask(inst, task, () => {
        try {
          return run(...flat);
        } catch (e) {
          // a trap poisons the instance at once, before anyone else can call it
          throw poisonAt(e);
        }
      }, true).then(() => {
        if (!task.returned) throw new AbiTrap(`${name} ended its task without calling task.return`);
      }).catch((e: unknown) => reject(poisonAt(e)));
    }));
}

/**
 * `canon lower async` of a function (the host's, or another instance's export): `liftArgs` lifts
 * its arguments, `storeResult` writes its result where the guest asked. A value comes back at
 * once (RETURNED); a promise makes a subtask whose resolution is an event of the set the guest
 * joins it to. A call into another instance may be cancelled (`subtask.cancel`).
 */
export function lowerAsync(
  inst: InstanceState,
  name: string,
  liftArgs: (flat: unknown[]) => unknown[],
  call: (args: unknown[]) => unknown,
  storeResult: ((value: unknown, flat: unknown[]) => void) | null,
  hostError: (e: unknown) => unknown,
): (...flat: unknown[]) => number {
  return (...flat: unknown[]) => {
    if (!inst.mayLeave) throw cannotLeave(name);
    const r = call(liftArgs(flat));
    // a value, or a callee that returned before its call did
    const early = earlyResult(r);
    if (!isThenable(r) || early) {
      storeResult?.(unboxResult(early ? early.value : r), flat);
      return SUBTASK_RETURNED;
    }
    const { table } = asyncStateOf(inst);
    const cancel = cancellers.get(r as object) ?? null;
    const sub = new Subtask(cancel);
    const index = table.add(sub);
    // a call held back (its instance busy with an earlier one) starts later: STARTING until then
    const mark = (r as { [START]?: StartMark })[START];
    if (mark && !mark.started) {
      sub.state = SUBTASK_STARTING;
      mark.onStart = () => {
        if (sub.state !== SUBTASK_STARTING) return;
        sub.state = SUBTASK_STARTED;
        sub.deliver([EVENT_SUBTASK, index, SUBTASK_STARTED]);
      };
    }
    const resolveAs = (state: number): void => {
      // a cancel may have resolved it at once (see subtaskCancel)
      if (sub.resolved()) return;
      sub.state = state;
      sub.deliver(() => {
        sub.delivered = true;
        return [EVENT_SUBTASK, index, state];
      });
    };
    Promise.resolve(r).then((value) => {
      if (inst.poisoned) return;
      try {
        storeResult?.(unboxResult(value), flat);
      } catch (e) {
        inst.poisoned = e;
        sub.set?.wake();
        return;
      }
      resolveAs(SUBTASK_RETURNED);
    }, (e: unknown) => {
      const started = cancelledStarted(e);
      if (started !== null && sub.cancelling) {
        resolveAs(started ? SUBTASK_CANCELLED_BEFORE_RETURNED : SUBTASK_CANCELLED_BEFORE_STARTED);
        return;
      }
      // the callee failed: the guest can't be told (the specification gives a lowered function no
      // error path), so the instance ends with the callee's error, and its waiting task with it
      inst.poisoned ??= hostError(e);
      sub.set?.wake();
      const w = sub.waiter;
      sub.waiter = null;
      w?.();
    });
    return sub.state | (index << 4);
  };
}

/** A built-in of component-model async this runtime does not have yet: it links, and traps when called. */
export function notYet(name: string): () => never {
  return () => {
    throw new IsowasmError('UNSUPPORTED', `the guest called the canonical built-in ${name} (component-model async), which isowasm does not support yet`);
  };
}


/**
 * An async task is about to wait for the host inside the guest (a synchronously lowered import
 * suspended by JSPI): it leaves the instance while it waits, so the instance's other tasks can
 * run; the function returned puts it back. Nothing changes for a synchronous call.
 */
export function leaveTask(inst: InstanceState): () => Promise<void> | null {
  const state = inst.async ? asyncStateOf(inst) : null;
  const task = state?.current ?? null;
  // a callback-form task keeps its instance while it blocks in a step (see Task.exclusive)
  if (!state || !task || task.exclusive) return () => null;
  release(inst, task);
  return () => acquire(inst, task);
}
