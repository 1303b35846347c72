/**
 * Component-model async (the Canonical ABI's tasks, subtasks, waitables, waitable sets and
 * streams), written from the specification (CanonicalABI.md and its definitions.py, Async.md):
 * - an export lifted `async` with a `callback` runs as a task that returns a code (exit, yield,
 *   wait on a set, poll a set) and is called back with the next event (the stackless form: no
 *   JSPI needed); one without a callback runs under JSPI and may block inside the guest (the
 *   stackful form);
 * - a host function lowered `async` returns at once, or as a subtask whose return is an event of
 *   the set the guest joined it to;
 * - the tasks of one instance take turns at a lock (see `acquire`), so several calls may run in
 *   one instance at once and each resumes as itself;
 * - streams copy between two ends in one instance.
 *
 * Not yet here: cancellation, futures, error contexts, streams crossing to the host. Those
 * built-ins link, and trap with `UNSUPPORTED` when called.
 */
import { AbiTrap, IsowasmError } from '../errors.js';
import type { Codec } from './codec.js';
import type { Cx, InstanceState } from './context.js';
import { isThenable, type Jspi } from './jspi.js';

/** Event codes the guest receives (the specification's EventCode). */
const EVENT_NONE = 0;
const EVENT_SUBTASK = 1;

/** A callback's return code: its low 4 bits, and a waitable set's index above them. */
const CALLBACK_EXIT = 0;
const CALLBACK_YIELD = 1;
const CALLBACK_WAIT = 2;
const CALLBACK_POLL = 3;

/** A subtask's state, as `canon lower async` returns it (below the subtask's index) and events report it. */
const SUBTASK_STARTED = 1;
const SUBTASK_RETURNED = 2;

type Event = readonly [code: number, p1: number, p2: number];

/**
 * Something a task can wait for. An event is pending on it until a wait or poll takes it; it is
 * made when taken (a stream's says how far its copy got then).
 */
class Waitable {
  pending: (() => Event) | null = null;
  set: WaitableSet | null = null;

  deliver(e: Event | (() => Event)): void {
    this.pending = typeof e === 'function' ? e : () => e;
    this.set?.wake();
  }

  /** The pending event, taken. */
  take(): Event {
    const f = this.pending!;
    this.pending = null;
    return f();
  }
}

/** A call the instance made to a host function lowered `async`, still running or returned. */
class Subtask extends Waitable {
  state = SUBTASK_STARTED;
}

/** Waitables a task waits on together. */
class WaitableSet {
  readonly members = new Set<Waitable>();
  /** the task waiting on this set, if one is */
  waiter: (() => void) | null = null;

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

type Element = Waitable | WaitableSet;

/**
 * The instance's table of waitables and waitable sets. (The specification keeps them in one table
 * with resource handles; here they have their own: indices are opaque to the guest either way.)
 */
class AsyncTable {
  readonly #items: (Element | undefined)[] = [undefined];
  readonly #free: number[] = [];

  add(x: Element): number {
    const i = this.#free.pop();
    if (i !== undefined) {
      this.#items[i] = x;
      return i;
    }
    if (this.#items.length >= 1 << 28) throw new AbiTrap('the table of waitables is full');
    return this.#items.push(x) - 1;
  }

  get<T extends Element>(i: number, kind: abstract new (...a: never[]) => T, what: string): T {
    const x = this.#items[i >>> 0];
    if (!(x instanceof kind)) throw new AbiTrap(`${i >>> 0} is not a ${what} of this instance`);
    return x;
  }

  remove(i: number): void {
    this.#items[i >>> 0] = undefined;
    this.#free.push(i >>> 0);
  }
}

/** One call of an export lifted `async`: its context slots, and where its result goes. */
class Task {
  readonly context = new Int32Array(2);
  returned = false;
  constructor(readonly resolve: (v: unknown) => void) {}
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
}

export function asyncStateOf(inst: InstanceState): AsyncState {
  return (inst.async ??= new AsyncState()) as AsyncState;
}

/** Starts the calls that waited for backpressure, once it is off. */
export function backpressureChanged(inst: InstanceState): void {
  if (inst.backpressure !== 0 || !inst.async) return;
  for (const start of asyncStateOf(inst).waitingToStart.splice(0)) start();
}

/** `waitable-set.new`. */
export function waitableSetNew(inst: InstanceState): number {
  return asyncStateOf(inst).table.add(new WaitableSet());
}

/** `waitable-set.drop`: refused while a task waits on the set. */
export function waitableSetDrop(inst: InstanceState, i: number): void {
  const { table } = asyncStateOf(inst);
  const set = table.get(i, WaitableSet, 'waitable set');
  if (set.waiter) throw new AbiTrap(`waitable set ${i >>> 0} is dropped while a task waits on it`);
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

/** `subtask.drop`: only a subtask that returned. */
export function subtaskDrop(inst: InstanceState, i: number): void {
  const { table } = asyncStateOf(inst);
  const s = table.get(i, Subtask, 'subtask');
  if (s.state !== SUBTASK_RETURNED) throw new AbiTrap(`subtask ${i >>> 0} is dropped before it returned`);
  s.set?.members.delete(s);
  table.remove(i);
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
export function taskReturn(inst: InstanceState, result: Codec | null, cx: Cx, flat: readonly unknown[]): void {
  const task = inst.async ? asyncStateOf(inst).current : null;
  if (!task) throw new AbiTrap('task.return was called outside of an async task');
  if (task.returned) throw new AbiTrap('task.return was called twice by one task');
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
 * lowered under the lock (they may call the guest's realloc).
 */
function startAsyncCall(
  inst: InstanceState, name: string, args: unknown[], lowerArgs: (args: unknown[]) => unknown[], poisoned: () => unknown,
  resolve: (v: unknown) => void, reject: (e: unknown) => void, run: (task: Task, flat: unknown[]) => void,
): void {
  const start = (): void => {
    if (inst.poisoned) {
      reject(poisoned());
      return;
    }
    // a synchronous call is running (a task holding the lock is waited for instead)
    if (!inst.mayEnter && asyncStateOf(inst).current === null) {
      reject(new IsowasmError('REENTRANCE', `${name} was called while the instance ${inst.label} was running a call; a component instance can't be re-entered`));
      return;
    }
    const task = new Task(resolve);
    const begin = (): void => {
      let flat: unknown[];
      try {
        flat = lowerArgs(args);
      } catch (e) {
        release(inst, task);
        reject(e);
        return;
      }
      run(task, flat);
    };
    const wait = acquire(inst, task);
    if (wait) void wait.then(begin);
    else begin();
  };
  // backpressure holds new calls back until the guest lets it go
  if (inst.backpressure > 0) asyncStateOf(inst).waitingToStart.push(start);
  else start();
}

/**
 * `canon lift async` with a callback: a JS function returning a promise of the result (what the
 * task hands to `task.return`). `lowerArgs` lowers the arguments as a synchronous lift does.
 */
export function liftAsyncCallback(
  inst: InstanceState,
  name: string,
  lowerArgs: (args: unknown[]) => unknown[],
  core: (...a: unknown[]) => unknown,
  callback: (...a: unknown[]) => unknown,
  poisonAt: (e: unknown) => unknown,
  poisoned: () => unknown,
): (...args: unknown[]) => Promise<unknown> {
  return (...args: unknown[]) => new Promise<unknown>((resolve, reject) => {
    startAsyncCall(inst, name, args, lowerArgs, poisoned, resolve, reject, (task, flat) => {
      const api = asyncStateOf(inst).suspending;
      // a guest that may block in a task runs its steps under JSPI (they may suspend)
      const run = api ? api.promising(core as (...a: never[]) => unknown) : core;
      const again = api ? api.promising(callback as (...a: never[]) => unknown) : callback;
      // a trap poisons the instance at once, before anyone else can call it
      const trapping = (call: () => unknown) => (): unknown => {
        try {
          return call();
        } catch (e) {
          throw poisonAt(e);
        }
      };
      const step = async (call: () => unknown, held: boolean): Promise<number> => (await runAsTask(inst, task, trapping(call), held) as number) | 0;
      // the first step runs under the lock the start took
      void step(() => run(...flat), true)
        .then((code) => loop(inst, task, code, (ev) => step(() => again(ev[0], ev[1], ev[2]), false), name))
        .catch((e: unknown) => reject(poisonAt(e)));
    });
  });
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
    const kind = code & 0xf;
    const si = code >>> 4;
    if (kind === CALLBACK_EXIT) {
      if (!task.returned) throw new AbiTrap(`${name} ended its task without calling task.return`);
      return;
    }
    let e: Event;
    if (kind === CALLBACK_YIELD) {
      await Promise.resolve();
      e = [EVENT_NONE, 0, 0];
    } else if (kind === CALLBACK_WAIT || kind === CALLBACK_POLL) {
      const { table } = asyncStateOf(inst);
      const set = table.get(si, WaitableSet, 'waitable set');
      if (kind === CALLBACK_POLL) {
        await Promise.resolve();
        e = set.take() ?? [EVENT_NONE, 0, 0];
      } else {
        let got = set.take();
        while (!got) {
          // the instance may have ended (a host failed) before this task got to wait
          if (inst.poisoned) throw inst.poisoned;
          if (set.waiter) throw new AbiTrap(`two tasks wait on waitable set ${si} at once`);
          await new Promise<void>((wake) => { set.waiter = wake; });
          // a host failure ends the instance and wakes its waiting task
          if (inst.poisoned) throw inst.poisoned;
          got = set.take();
        }
        e = got;
      }
    } else {
      throw new AbiTrap(`${name}'s callback returned ${code}, which is not a callback code`);
    }
    if (inst.poisoned) throw inst.poisoned;
    code = await callback(e);
  }
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
  lowerArgs: (args: unknown[]) => unknown[],
  core: (...a: unknown[]) => unknown,
  api: Jspi,
  poisonAt: (e: unknown) => unknown,
  poisoned: () => unknown,
): (...args: unknown[]) => Promise<unknown> {
  const run = api.promising(core as (...a: never[]) => unknown);
  asyncStateOf(inst).suspending ??= api;
  return (...args: unknown[]) => new Promise<unknown>((resolve, reject) => {
    startAsyncCall(inst, name, args, lowerArgs, poisoned, resolve, reject, (task, flat) => {
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
    });
  });
}

/**
 * `canon lower async` of a host function: `liftArgs` lifts its arguments, `storeResult` writes
 * its result where the guest asked. A value comes back at once (RETURNED); a promise makes a
 * subtask whose return is an event of the set the guest joins it to.
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
    if (!inst.mayLeave) throw new AbiTrap(`${name} was called while the instance may not call out (inside realloc or post-return)`);
    const r = call(liftArgs(flat));
    if (!isThenable(r)) {
      storeResult?.(r, flat);
      return SUBTASK_RETURNED;
    }
    const { table } = asyncStateOf(inst);
    const sub = new Subtask();
    const index = table.add(sub);
    Promise.resolve(r).then((value) => {
      if (inst.poisoned) return;
      try {
        storeResult?.(value, flat);
      } catch (e) {
        inst.poisoned = e;
        sub.set?.wake();
        return;
      }
      sub.state = SUBTASK_RETURNED;
      sub.deliver([EVENT_SUBTASK, index, SUBTASK_RETURNED]);
    }, (e: unknown) => {
      // the host failed: the guest can't be told (the specification gives a lowered function no
      // error path), so the instance ends with the host's error, and its waiting task with it
      inst.poisoned ??= hostError(e);
      sub.set?.wake();
    });
    return SUBTASK_STARTED | (index << 4);
  };
}

/** A built-in of component-model async this runtime does not have yet: it links, and traps when called. */
export function notYet(name: string): () => never {
  return () => {
    throw new IsowasmError('UNSUPPORTED', `the guest called the canonical built-in ${name} (component-model async), which isowasm does not support yet`);
  };
}


// --- streams -----------------------------------------------------------------------------------

/** A copy's result, in the low 4 bits of its payload (the elements copied are above). */
const COPY_COMPLETED = 0;
const COPY_DROPPED = 1;
const COPY_CANCELLED = 2;
/** A copy that has not finished yet. */
const BLOCKED = 0xffffffff;
/** Elements one copy may move. */
const MAX_BUFFER_LENGTH = (1 << 28) - 1;
const EVENT_STREAM_READ = 2;
const EVENT_STREAM_WRITE = 3;

/** Elements in guest memory a copy reads from or writes to; a unit stream's have no bytes. */
class GuestBuffer {
  progress = 0;
  constructor(readonly elem: Codec | null, readonly cx: Cx, readonly ptr: number, readonly length: number) {
    if (length > MAX_BUFFER_LENGTH) throw new AbiTrap(`a stream copy of ${length} elements is longer than ${MAX_BUFFER_LENGTH}`);
    if (elem && length > 0) cx.check(ptr, elem.size * length, elem.align);
  }

  remain(): number {
    return this.length - this.progress;
  }

  /** The next `n` elements, lifted. */
  read(n: number): unknown[] {
    const out: unknown[] = [];
    for (let k = 0; k < n; k++) out.push(this.elem ? this.elem.load(this.cx, this.ptr + (this.progress + k) * this.elem.size) : undefined);
    this.progress += n;
    return out;
  }

  /** Stores `vs` after what was written so far. */
  write(vs: readonly unknown[]): void {
    if (this.elem) for (let k = 0; k < vs.length; k++) this.elem.store(this.cx, vs[k], this.ptr + (this.progress + k) * this.elem.size);
    this.progress += vs.length;
  }
}

type OnCopy = (reclaim: () => void) => void;
type OnCopyDone = (result: number) => void;

/** A copy waiting for the other end of its stream. */
interface PendingCopy {
  readonly inst: InstanceState;
  readonly buffer: GuestBuffer;
  readonly onCopy: OnCopy;
  readonly onCopyDone: OnCopyDone;
}

/** The state both ends of a stream share: the copy waiting for its other side. */
class SharedStream {
  dropped = false;
  #pending: PendingCopy | null = null;

  /** @param plain its elements hold no pointers or handles (they may be copied within one instance) */
  constructor(readonly elem: Codec | null, readonly plain: boolean) {}

  #notify(result: number): void {
    const p = this.#pending!;
    this.#pending = null;
    p.onCopyDone(result);
  }

  cancel(): void {
    if (this.#pending) this.#notify(COPY_CANCELLED);
  }

  drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    if (this.#pending) this.#notify(COPY_DROPPED);
  }

  /** A read (`into` the reader's buffer) or a write (`from` the writer's), the specification's copy. */
  copy(inst: InstanceState, buffer: GuestBuffer, writing: boolean, onCopy: OnCopy, onCopyDone: OnCopyDone): void {
    if (this.dropped) {
      onCopyDone(COPY_DROPPED);
      return;
    }
    const p = this.#pending;
    if (!p) {
      this.#pending = { inst, buffer, onCopy, onCopyDone };
      return;
    }
    // both ends in one instance: only elements without pointers can be copied there yet
    if (p.inst === inst && !this.plain) throw new AbiTrap('a stream of this type can\'t be copied between two ends in one instance yet');
    if (p.buffer.remain() > 0) {
      if (buffer.remain() > 0) {
        const n = Math.min(buffer.remain(), p.buffer.remain());
        if (writing) p.buffer.write(buffer.read(n));
        else buffer.write(p.buffer.read(n));
        p.onCopy(() => { this.#pending = null; });
      }
      onCopyDone(COPY_COMPLETED);
    } else if (writing && buffer.length === 0 && p.buffer.length === 0) {
      onCopyDone(COPY_COMPLETED);
    } else {
      this.#notify(COPY_COMPLETED);
      this.#pending = { inst, buffer, onCopy, onCopyDone };
    }
  }
}

const IDLE = 0;
const COPYING = 1;
const CANCELLING = 2;
const DONE = 3;

/** One end of a stream, in the table of the instance that holds it. */
class StreamEnd extends Waitable {
  state = IDLE;
  constructor(readonly shared: SharedStream, readonly readable: boolean) {
    super();
  }
}

/** `stream.new`: a stream's two ends, as readable | writable << 32. */
export function streamNew(inst: InstanceState, elem: Codec | null, plain: boolean): bigint {
  const { table } = asyncStateOf(inst);
  const shared = new SharedStream(elem, plain);
  const ri = table.add(new StreamEnd(shared, true));
  const wi = table.add(new StreamEnd(shared, false));
  return BigInt(ri) | (BigInt(wi) << 32n);
}

function streamEnd(inst: InstanceState, i: number, readable: boolean): StreamEnd {
  const e = asyncStateOf(inst).table.get(i, StreamEnd, 'stream end');
  if (e.readable !== readable) throw new AbiTrap(`${i >>> 0} is the ${e.readable ? 'readable' : 'writable'} end of a stream, not its ${readable ? 'readable' : 'writable'} one`);
  return e;
}

/** `stream.read` / `stream.write` (async: BLOCKED when the other side is not there yet). */
export function streamCopy(inst: InstanceState, cx: Cx, readable: boolean, i: number, ptr: number, n: number): number {
  if (!inst.mayLeave) throw new AbiTrap('a stream was copied while the instance may not call out');
  const e = streamEnd(inst, i, readable);
  if (e.state !== IDLE) throw new AbiTrap(`stream end ${i >>> 0} is ${e.state === DONE ? 'done (its other end was dropped)' : 'already copying'}`);
  cx.begin();
  const buffer = new GuestBuffer(e.shared.elem, cx, ptr >>> 0, n >>> 0);
  const code = readable ? EVENT_STREAM_READ : EVENT_STREAM_WRITE;
  const event = (result: number, reclaim: () => void) => (): Event => {
    reclaim();
    e.state = result === COPY_DROPPED ? DONE : IDLE;
    return [code, i, result | (buffer.progress << 4)];
  };
  e.state = COPYING;
  e.shared.copy(inst, buffer, !readable, (reclaim) => e.deliver(event(COPY_COMPLETED, reclaim)), (result) => e.deliver(event(result, () => {})));
  if (!e.pending) return BLOCKED;
  return e.take()[2];
}

/** `stream.cancel-read` / `cancel-write` (async: BLOCKED until the cancel is done). */
export function streamCancel(inst: InstanceState, readable: boolean, i: number, async: boolean): number {
  const e = streamEnd(inst, i, readable);
  if (e.state !== COPYING) throw new AbiTrap(`stream end ${i >>> 0} has no copy to cancel`);
  e.state = CANCELLING;
  if (!e.pending) {
    e.shared.cancel();
    if (!e.pending) {
      if (!async) throw new IsowasmError('UNSUPPORTED', 'a synchronous stream cancel that has to wait is not supported yet (it needs the stackful form of component-model async)');
      return BLOCKED;
    }
  }
  return e.take()[2];
}

/** `stream.drop-readable` / `drop-writable`. */
export function streamDrop(inst: InstanceState, readable: boolean, i: number): void {
  const e = streamEnd(inst, i, readable);
  if (e.state === COPYING || e.state === CANCELLING) throw new AbiTrap(`stream end ${i >>> 0} is dropped while it copies`);
  e.shared.drop();
  e.set?.members.delete(e);
  asyncStateOf(inst).table.remove(i);
}

/**
 * An async task is about to wait for the host inside the guest (a synchronously lowered import
 * suspended by JSPI): it leaves the instance while it waits, so the instance's other tasks can
 * run; the function returned puts it back. Nothing changes for a synchronous call.
 */
export function leaveTask(inst: InstanceState): () => Promise<void> | null {
  const state = inst.async ? asyncStateOf(inst) : null;
  const task = state?.current ?? null;
  if (!state || !task) return () => null;
  release(inst, task);
  return () => acquire(inst, task);
}
