/**
 * Streams and futures of component-model async, written from the specification (CanonicalABI.md,
 * definitions.py): two ends share a state that holds the copy waiting for the other side; a
 * read meets a write and moves min(both) elements, the specification's short reads and writes.
 * An end is held by a guest (in its instance's table) or by the host (async-values.ts makes the
 * host's ends from JS values), and may move between instances as a value.
 */
import { AbiTrap, IsowasmError } from '../errors.js';
import { cannotLeave, type Cx, type InstanceState } from './context.js';
import { asyncStateOf, BLOCKED, type CodecLike, type Event, waitFor, Waitable } from './async.js';

/** A copy's result, in the low 4 bits of its payload (a stream's elements copied are above). */
export const COPY_COMPLETED = 0;
export const COPY_DROPPED = 1;
export const COPY_CANCELLED = 2;
/** Elements one copy may move. */
const MAX_BUFFER_LENGTH = (1 << 28) - 1;
const EVENT_STREAM_READ = 2;
const EVENT_STREAM_WRITE = 3;
const EVENT_FUTURE_READ = 4;
const EVENT_FUTURE_WRITE = 5;

/**
 * Elements a copy takes from (a writer's) or puts into (a reader's). Bytes move as `Uint8Array`s
 * when both sides hold `u8`s; other elements as arrays of JS values.
 */
export interface CopyBuffer {
  readonly length: number;
  progress: number;
  remain(): number;
  /** the next `n` elements, taken */
  read(n: number): ArrayLike<unknown>;
  /** puts `vs` after what was written so far */
  write(vs: ArrayLike<unknown>): void;
}

/** Elements in guest memory; a unit stream's have no bytes. */
export class GuestBuffer implements CopyBuffer {
  progress = 0;
  readonly length: number;
  constructor(readonly elem: CodecLike | null, readonly bytes: boolean, readonly cx: Cx, readonly ptr: number, length: number) {
    if (length > MAX_BUFFER_LENGTH) {
      // wit-bindgen's runtime reads unit streams with a length of 2^32 - 1, from before the
      // specification's limit; units take no memory, so such a buffer is clamped, not refused
      if (elem) throw new AbiTrap(`a stream copy of ${length} elements is longer than ${MAX_BUFFER_LENGTH}`);
      length = MAX_BUFFER_LENGTH;
    }
    this.length = length;
    if (elem && length > 0) cx.check(ptr, elem.size * length, elem.align);
  }

  remain(): number {
    return this.length - this.progress;
  }

  read(n: number): ArrayLike<unknown> {
    const at = this.progress;
    this.progress += n;
    if (this.bytes) {
      const from = this.ptr + at;
      this.cx.check(from, n, 1);
      return this.cx.u8().slice(from, from + n);
    }
    const elem = this.elem;
    // units: only their count moves (a copy may move 2^28 of them)
    if (!elem) return { length: n };
    const out = new Array<unknown>(n);
    for (let k = 0; k < n; k++) out[k] = elem.load(this.cx, this.ptr + (at + k) * elem.size);
    return out;
  }

  write(vs: ArrayLike<unknown>): void {
    const at = this.progress;
    this.progress += vs.length;
    if (this.bytes && vs instanceof Uint8Array) {
      this.cx.check(this.ptr + at, vs.length, 1);
      this.cx.u8().set(vs, this.ptr + at);
      return;
    }
    const elem = this.elem;
    if (elem) for (let k = 0; k < vs.length; k++) elem.store(this.cx, vs[k], this.ptr + (at + k) * elem.size);
  }
}

type OnCopy = (reclaim: () => void) => void;
type OnCopyDone = (result: number) => void;

/** A copy waiting for the other end (`inst` null: the host's). */
interface PendingCopy {
  readonly inst: InstanceState | null;
  readonly buffer: CopyBuffer;
  readonly writing: boolean;
  readonly onCopy: OnCopy;
  readonly onCopyDone: OnCopyDone;
  /** a host writer's last elements: the stream ends when a reader takes them all */
  readonly last: boolean;
}

/** Both kinds of shared state: the element type and its key, and whether it was dropped. */
abstract class Shared {
  dropped = false;
  protected pending: PendingCopy | null = null;
  /**
   * Called when a reader starts waiting or an end is dropped: a host writer (async-values.ts)
   * produces on demand.
   */
  onDemand: (() => void) | null = null;

  /**
   * @param key the element type's text: ends of different types must not meet
   * @param plain its elements hold no pointers or handles (they may be copied within one instance)
   * @param bytes its elements are `u8`
   */
  constructor(readonly elem: CodecLike | null, readonly key: string, readonly plain: boolean, readonly bytes: boolean) {}

  /** A reader waits and no writer does. */
  readerWaiting(): boolean {
    return this.pending !== null && !this.pending.writing;
  }

  /** A writer's copy waits for a reader. */
  writerWaiting(): boolean {
    return this.pending !== null && this.pending.writing;
  }

  /** The waiting reader asked for no elements (a readiness check). */
  readerWantsNothing(): boolean {
    return this.readerWaiting() && this.pending!.buffer.length === 0;
  }

  /** Completes the waiting reader's copy with what it has (a zero-length read: nothing). */
  completeReader(): void {
    if (this.readerWaiting()) this.notify(COPY_COMPLETED);
  }

  protected notify(result: number): void {
    const p = this.pending!;
    this.pending = null;
    p.onCopyDone(result);
  }

  cancel(): void {
    if (this.pending) this.notify(COPY_CANCELLED);
  }

  drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    if (this.pending) this.notify(COPY_DROPPED);
    this.onDemand?.();
  }

  protected checkInstances(inst: InstanceState | null): void {
    // both ends in one instance: the specification copies only plain numbers there for now
    if (inst !== null && this.pending!.inst === inst && !this.plain) {
      throw new AbiTrap('a stream or future of this type can\'t be copied between two ends in one instance');
    }
  }
}

/** The state both ends of a stream share. */
export class SharedStream extends Shared {
  /**
   * A read (`writing` false, into the reader's buffer) or a write, the specification's copy.
   * `last`: a host writer's final elements; a reader that takes them all sees the stream end with
   * them (as if the writer dropped its end before the reader's event was delivered), the way
   * wasmtime's host producers finish.
   */
  copy(inst: InstanceState | null, buffer: CopyBuffer, writing: boolean, onCopy: OnCopy, onCopyDone: OnCopyDone, last = false): void {
    if (this.dropped) {
      onCopyDone(COPY_DROPPED);
      return;
    }
    const p = this.pending;
    if (!p) {
      this.pending = { inst, buffer, writing, onCopy, onCopyDone, last };
      if (!writing) this.onDemand?.();
      return;
    }
    if (p.writing === writing) throw new IsowasmError('INTERNAL', 'two copies of one direction wait on a stream');
    this.checkInstances(inst);
    if (p.buffer.remain() > 0) {
      if (buffer.remain() > 0) {
        const n = Math.min(buffer.remain(), p.buffer.remain());
        if (writing) p.buffer.write(buffer.read(n));
        else buffer.write(p.buffer.read(n));
        p.onCopy(() => { if (this.pending === p) this.pending = null; });
        if (!writing && p.last && p.buffer.remain() === 0) {
          this.dropped = true;
          onCopyDone(COPY_DROPPED);
          return;
        }
      }
      onCopyDone(COPY_COMPLETED);
    } else if (writing && buffer.length === 0 && p.buffer.length === 0) {
      onCopyDone(COPY_COMPLETED);
    } else {
      this.notify(COPY_COMPLETED);
      this.pending = { inst, buffer, writing, onCopy, onCopyDone, last };
      if (!writing) this.onDemand?.();
    }
  }
}

/** The state both ends of a future share: one value moves, once. */
export class SharedFuture extends Shared {
  copy(inst: InstanceState | null, buffer: CopyBuffer, writing: boolean, onCopyDone: OnCopyDone): void {
    if (this.dropped) {
      // the writer may not drop before it writes (it traps): only a writer sees this
      onCopyDone(COPY_DROPPED);
      return;
    }
    const p = this.pending;
    if (!p) {
      this.pending = { inst, buffer, writing, onCopy: () => {}, onCopyDone, last: false };
      if (!writing) this.onDemand?.();
      return;
    }
    if (p.writing === writing) throw new IsowasmError('INTERNAL', 'two copies of one direction wait on a future');
    this.checkInstances(inst);
    if (writing) p.buffer.write(buffer.read(1));
    else buffer.write(p.buffer.read(1));
    this.notify(COPY_COMPLETED);
    onCopyDone(COPY_COMPLETED);
  }
}

const IDLE = 0;
const COPYING = 1;
const CANCELLING = 2;
const DONE = 3;

/** One end of a stream or future, in the table of the instance that holds it. */
abstract class CopyEnd<S extends Shared> extends Waitable {
  state = IDLE;
  constructor(readonly shared: S, readonly readable: boolean) {
    super();
  }
}

export class StreamEnd extends CopyEnd<SharedStream> {}
export class FutureEnd extends CopyEnd<SharedFuture> {}

function endOf(inst: InstanceState, future: boolean, i: number, readable: boolean, key: string): StreamEnd | FutureEnd {
  const what = future ? 'future' : 'stream';
  const e: StreamEnd | FutureEnd = future ? asyncStateOf(inst).table.get(i, FutureEnd, 'future end') : asyncStateOf(inst).table.get(i, StreamEnd, 'stream end');
  if (e.readable !== readable) throw new AbiTrap(`${i >>> 0} is the ${e.readable ? 'readable' : 'writable'} end of a ${what}, not its ${readable ? 'readable' : 'writable'} one`);
  if (e.shared.key !== key) throw new AbiTrap(`${i >>> 0} is an end of a ${what}<${e.shared.key}>, not of a ${what}<${key}>`);
  return e;
}

/** `stream.new` / `future.new`: the two ends, as readable | writable << 32. */
export function copyNew(inst: InstanceState, future: boolean, elem: CodecLike | null, key: string, plain: boolean, bytes: boolean): bigint {
  if (!inst.mayLeave) throw cannotLeave(`${future ? 'future' : 'stream'}.new`);
  const { table } = asyncStateOf(inst);
  let ri: number;
  let wi: number;
  if (future) {
    const shared = new SharedFuture(elem, key, plain, bytes);
    ri = table.add(new FutureEnd(shared, true));
    wi = table.add(new FutureEnd(shared, false));
  } else {
    const shared = new SharedStream(elem, key, plain, bytes);
    ri = table.add(new StreamEnd(shared, true));
    wi = table.add(new StreamEnd(shared, false));
  }
  return BigInt(ri) | (BigInt(wi) << 32n);
}

/**
 * `stream.read` / `stream.write` / `future.read` / `future.write`: the copy's payload, or BLOCKED
 * (async) until the other side comes; a synchronous one waits (under JSPI: a promise).
 */
export function copy(inst: InstanceState, cx: Cx, future: boolean, readable: boolean, key: string, i: number, ptr: number, n: number, async: boolean): number | Promise<number> {
  const what = `${future ? 'future' : 'stream'}.${readable ? 'read' : 'write'}`;
  if (!inst.mayLeave) throw cannotLeave(what);
  const e: StreamEnd | FutureEnd = endOf(inst, future, i, readable, key);
  if (e.state !== IDLE) throw new AbiTrap(`${what}: end ${i >>> 0} is ${e.state === DONE ? 'done (its other end was dropped, or its value moved)' : 'already copying'}`);
  if (e.set && !async) throw new AbiTrap(`${what}: end ${i >>> 0} is in a waitable set, so it can't be copied synchronously`);
  cx.begin();
  const shared = e.shared;
  const buffer = new GuestBuffer(shared.elem, shared.bytes, cx, ptr >>> 0, n >>> 0);
  e.state = COPYING;
  if (future) {
    const code = readable ? EVENT_FUTURE_READ : EVENT_FUTURE_WRITE;
    const event = (result: number) => (): Event => {
      e.state = result === COPY_CANCELLED ? IDLE : DONE;
      return [code, i, result];
    };
    (shared as SharedFuture).copy(inst, buffer, !readable, (result) => e.deliver(event(result)));
  } else {
    const code = readable ? EVENT_STREAM_READ : EVENT_STREAM_WRITE;
    const event = (result: number, reclaim: () => void) => (): Event => {
      reclaim();
      e.state = result === COPY_DROPPED ? DONE : IDLE;
      return [code, i, result | (buffer.progress << 4)];
    };
    (shared as SharedStream).copy(inst, buffer, !readable, (reclaim) => e.deliver(event(COPY_COMPLETED, reclaim)), (result) => e.deliver(event(result, () => {})));
  }
  if (e.pending) return e.take()[2];
  if (async) return BLOCKED;
  return waitFor(inst, e, what).then((ev) => ev[2]);
}

/** `{stream,future}.cancel-{read,write}`: BLOCKED (async) until the cancel is done. */
export function cancelCopy(inst: InstanceState, future: boolean, readable: boolean, key: string, i: number, async: boolean): number | Promise<number> {
  const what = `${future ? 'future' : 'stream'}.cancel-${readable ? 'read' : 'write'}`;
  if (!inst.mayLeave) throw cannotLeave(what);
  const e: StreamEnd | FutureEnd = endOf(inst, future, i, readable, key);
  if (e.state !== COPYING) throw new AbiTrap(`${what}: end ${i >>> 0} has no copy to cancel`);
  if (e.waiter) throw new AbiTrap(`${what}: a synchronous copy of end ${i >>> 0} is waiting`);
  e.state = CANCELLING;
  if (!e.pending) {
    e.shared.cancel();
    if (!e.pending) {
      if (async) return BLOCKED;
      // The specification traps on a synchronous cancel of an end in a waitable set; wit-bindgen's
      // runtime (in the corpus' Rust components) does one on its own pending copies, which end at
      // once: only the cancel that has to wait traps here.
      if (e.set) throw new AbiTrap(`${what}: end ${i >>> 0} is in a waitable set, so its copy can't be waited for synchronously`);
      return waitFor(inst, e, what).then((ev) => ev[2]);
    }
  }
  return e.take()[2];
}

/** `{stream,future}.drop-{readable,writable}`: a future's writer drops only after its value moved. */
export function dropEnd(inst: InstanceState, future: boolean, readable: boolean, key: string, i: number): void {
  const what = `${future ? 'future' : 'stream'}.drop-${readable ? 'readable' : 'writable'}`;
  if (!inst.mayLeave) throw cannotLeave(what);
  const e: StreamEnd | FutureEnd = endOf(inst, future, i, readable, key);
  if (e.state === COPYING || e.state === CANCELLING) throw new AbiTrap(`${what}: end ${i >>> 0} is dropped while it copies`);
  if (future && !readable && e.state !== DONE) throw new AbiTrap(`${what}: the writable end ${i >>> 0} of a future is dropped before its value was written`);
  e.shared.drop();
  e.set?.members.delete(e);
  asyncStateOf(inst).table.remove(i);
}

/**
 * Takes a readable end out of the instance's table to move it elsewhere (the specification's
 * `lift_async_value`): only an idle end in no waitable set.
 */
export function takeReadable(inst: InstanceState, future: boolean, i: number, key: string): SharedStream | SharedFuture {
  const e: StreamEnd | FutureEnd = endOf(inst, future, i, true, key);
  const what = future ? 'future' : 'stream';
  if (e.state !== IDLE) throw new AbiTrap(`the readable end ${i >>> 0} of a ${what} is passed on while it ${e.state === DONE ? 'is done' : 'copies'}`);
  if (e.set) throw new AbiTrap(`the readable end ${i >>> 0} of a ${what} is passed on while it is in a waitable set`);
  asyncStateOf(inst).table.remove(i);
  return e.shared;
}

/** Puts a readable end of `shared` into the instance's table (the specification's `lower_stream`/`lower_future`). */
export function giveReadable(inst: InstanceState, shared: SharedStream | SharedFuture): number {
  const { table } = asyncStateOf(inst);
  return shared instanceof SharedFuture ? table.add(new FutureEnd(shared, true)) : table.add(new StreamEnd(shared, true));
}
