/**
 * Component-model async values in JavaScript: a `stream<T>` is a `ReadableStream` (`stream<u8>`
 * of `Uint8Array` chunks), a `future<T>` a promise, an `error-context` an `ErrorContext`, both
 * ways. A stream or future a guest gives and another guest receives untouched moves between
 * them as the specification moves it (their copies then meet directly, with its short reads); one
 * the host reads, or makes, is pumped by the host end here, on demand.
 */
import { IsowasmError } from '../errors.js';
import { asyncStateOf, type CodecLike, instanceDied } from './async.js';
import { COPY_COMPLETED, COPY_DROPPED, type CopyBuffer, giveReadable, SharedFuture, SharedStream, takeReadable } from './async-copy.js';
import { cannotLeave, type Cx, type InstanceState } from './context.js';
import { ErrorContext } from './error-context.js';

/** An error context in an instance's table (a guest may drop its handle; the value lives on). */
export class ErrorContextHandle {
  constructor(readonly value: ErrorContext) {}
}

/** Streams and futures a guest gave that may still move to another guest as they are. */
const movable = new WeakMap<object, SharedStream | SharedFuture>();

/** Elements a host read takes at most: 64 KiB of bytes, or 256 other values. */
const HOST_BYTES = 64 * 1024;
const HOST_VALUES = 256;

/** Elements the host gives (a chunk of its source, or a future's value). */
class HostSource implements CopyBuffer {
  progress = 0;
  constructor(readonly items: ArrayLike<unknown>) {}

  get length(): number {
    return this.items.length;
  }

  remain(): number {
    return this.items.length - this.progress;
  }

  read(n: number): ArrayLike<unknown> {
    const at = this.progress;
    this.progress += n;
    const items = this.items;
    if (items instanceof Uint8Array) return items.subarray(at, at + n);
    return Array.prototype.slice.call(items, at, at + n) as unknown[];
  }

  write(): void {
    throw new IsowasmError('INTERNAL', 'a host source was written to');
  }
}

/** Where a host read puts what it takes. */
class HostSink implements CopyBuffer {
  progress = 0;
  readonly chunks: ArrayLike<unknown>[] = [];
  constructor(readonly length: number) {}

  remain(): number {
    return this.length - this.progress;
  }

  read(): ArrayLike<unknown> {
    throw new IsowasmError('INTERNAL', 'a host sink was read from');
  }

  write(vs: ArrayLike<unknown>): void {
    this.progress += vs.length;
    if (vs.length > 0) this.chunks.push(vs);
  }
}

/** The element type of a stream or future, as its codec sees it. */
export interface ElementInfo {
  readonly elem: CodecLike | null;
  /** the element type's text (ends of different types must not meet) */
  readonly key: string;
  /** plain numbers (they may move between two ends in one instance) */
  readonly plain: boolean;
  /** `u8`: moved as `Uint8Array`s */
  readonly bytes: boolean;
}

/**
 * Fails a host's wait with the error of `from` if it traps first (see `instanceDied`); the
 * function returned says the wait ended, and takes it off.
 */
function untilDeath(from: InstanceState, died: (e: unknown) => void): () => void {
  const deaths = asyncStateOf(from).onDeath;
  deaths.push(died);
  return () => {
    const k = deaths.indexOf(died);
    if (k >= 0) deaths.splice(k, 1);
  };
}

/** Lifts a readable end of a stream the guest gives (`lift_stream`): a `ReadableStream`. */
export function liftStream(cx: Cx, i: number, info: ElementInfo): ReadableStream<unknown> {
  const shared = takeReadable(cx.inst, false, i >>> 0, info.key) as SharedStream;
  return readableOf(shared, cx.inst);
}

/**
 * A `ReadableStream` that reads `shared` as the host, as its consumer pulls; it errors if `from`,
 * the instance that gave it, traps first.
 */
function readableOf(shared: SharedStream, from: InstanceState): ReadableStream<unknown> {
  const rs: ReadableStream<unknown> = new ReadableStream<unknown>({
    pull: (controller) => new Promise<void>((done) => {
      // once read from, it is the host's
      movable.delete(rs);
      if (from.poisoned) {
        controller.error(from.poisoned);
        done();
        return;
      }
      const settled = untilDeath(from, (e) => {
        controller.error(e);
        done();
      });
      const sink = new HostSink(shared.bytes ? HOST_BYTES : HOST_VALUES);
      const flush = (): void => {
        if (shared.bytes) {
          for (const c of sink.chunks) controller.enqueue(c as Uint8Array);
        } else {
          for (const c of sink.chunks) for (let k = 0; k < c.length; k++) controller.enqueue(c[k]);
        }
        sink.chunks.length = 0;
      };
      shared.copy(null, sink, false, (reclaim) => {
        settled();
        reclaim();
        flush();
        done();
      }, (result) => {
        settled();
        flush();
        if (result === COPY_DROPPED) controller.close();
        done();
      });
    }),
    cancel: () => {
      movable.delete(rs);
      shared.drop();
    },
  }, { highWaterMark: 0 });
  movable.set(rs, shared);
  return rs;
}

/**
 * Lowers a stream into the guest (`lower_stream`): a stream another guest gave moves as it is;
 * any other `ReadableStream` or async iterable is pumped into a new one, as the guest reads.
 */
export function lowerStream(cx: Cx, v: unknown, info: ElementInfo): number {
  const inst = cx.inst;
  const moved = typeof v === 'object' && v !== null ? movable.get(v) : undefined;
  if (moved instanceof SharedStream && !(v as ReadableStream).locked) {
    if (moved.key !== info.key) throw new TypeError(`expected a stream<${info.key}>, got a stream<${moved.key}> a component gave`);
    movable.delete(v as object);
    return giveReadable(inst, moved);
  }
  const next = chunksOf(v, info);
  const shared = new SharedStream(info.elem, info.key, info.plain, info.bytes);
  pump(inst, shared, next, info);
  return giveReadable(inst, shared);
}

type Next = { next(): Promise<IteratorResult<unknown>>; cancel(): Promise<unknown> };

function chunksOf(v: unknown, info: ElementInfo): Next {
  const what = info.bytes ? 'a ReadableStream of Uint8Array chunks' : `a ReadableStream of ${info.key} values`;
  if (typeof ReadableStream !== 'undefined' && v instanceof ReadableStream) {
    if (v.locked) throw new TypeError(`expected ${what} that is not locked; this one is being read already`);
    const reader = (v as ReadableStream<unknown>).getReader();
    return { next: () => reader.read() as Promise<IteratorResult<unknown>>, cancel: () => reader.cancel() };
  }
  const iter = typeof v === 'object' && v !== null ? (v as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> })[Symbol.asyncIterator] : undefined;
  if (typeof iter === 'function') {
    const it = iter.call(v);
    return { next: () => it.next(), cancel: async () => { await it.return?.(); } };
  }
  throw new TypeError(`expected ${what} (or an async iterable of them), got ${v === null ? 'null' : typeof v}`);
}

/**
 * The host end writing `next`'s chunks into `shared` while a guest reader waits: chunks are
 * read from the source only on demand, and the source is cancelled as soon as the guest drops
 * its end (even while a read of it is pending: a listener's stream of connections may never give
 * another). A zero-length read is a readiness check: it completes when data is there, and at the
 * end of the source it completes without taking the end, which a read with room then gets (as
 * wasmtime's producers do; wit-bindgen treats an empty DROPPED as the end). A source that fails
 * ends the instance (a stream can't carry an error).
 */
function pump(inst: InstanceState, shared: SharedStream, next: Next, info: ElementInfo): void {
  let chunk: HostSource | null = null;
  // the source's next read, started early to learn whether `chunk` is its last
  let ahead: Promise<IteratorResult<unknown>> | null = null;
  // the source has no more chunks (after `chunk`)
  let ended = false;
  let busy = false;
  let waiting = false;
  let cancelled = false;
  const cancelSource = (): void => {
    if (cancelled || ended) return;
    cancelled = true;
    // the guest let the stream go: a source failing as it is cancelled has nobody to tell
    next.cancel().catch(() => {});
  };
  const step = async (): Promise<void> => {
    busy = true;
    try {
      for (;;) {
        if (shared.dropped) {
          cancelSource();
          return;
        }
        if (waiting || !shared.readerWaiting()) return;
        if (!chunk || chunk.remain() === 0) {
          if (ended) {
            if (shared.readerWantsNothing()) shared.completeReader();
            else shared.drop();
            continue;
          }
          const r = await (ahead ?? next.next());
          ahead = null;
          if (r.done) {
            ended = true;
            continue;
          }
          chunk = new HostSource(chunkItems(r.value, info));
          ahead = next.next();
          const peek = await settledSoon(ahead);
          if (peek?.done) {
            ended = true;
            ahead = null;
          }
          continue;
        }
        const c = chunk;
        waiting = true;
        shared.copy(null, c, true, (reclaim) => {
          reclaim();
          waiting = false;
        }, () => {
          waiting = false;
        }, ended);
      }
    } catch (e) {
      inst.poisoned ??= new IsowasmError('HOST_ERROR', `a stream the host gave the guest failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      instanceDied(inst);
      shared.drop();
    } finally {
      busy = false;
    }
  };
  shared.onDemand = () => {
    if (!busy) void step();
    else if (shared.dropped) cancelSource();
  };
}

/** `p`'s result if it settles within a few microtasks (a source with chunks queued), else undefined. */
async function settledSoon<T>(p: Promise<T>): Promise<T | undefined> {
  let done = false;
  let value: T | undefined;
  p.then((v) => { done = true; value = v; }, () => {});
  for (let k = 0; k < 3 && !done; k++) await Promise.resolve();
  return value;
}

function chunkItems(v: unknown, info: ElementInfo): ArrayLike<unknown> {
  if (!info.bytes) return [v];
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TypeError(`a stream<u8> the host gave yielded ${v === null ? 'null' : typeof v}, not a Uint8Array`);
}

/**
 * A future a guest gave, as the host sees it: a promise-like that reads the value when first
 * awaited (until then it may move to another guest as it is).
 */
class GuestFuture implements PromiseLike<unknown> {
  #value: Promise<unknown> | null = null;
  constructor(readonly shared: SharedFuture, readonly from: InstanceState) {
    movable.set(this, shared);
  }

  then<A = unknown, B = never>(onValue?: ((v: unknown) => A | PromiseLike<A>) | null, onError?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.#value ??= this.#read();
    return this.#value.then(onValue, onError);
  }

  #read(): Promise<unknown> {
    movable.delete(this);
    const shared = this.shared;
    const from = this.from;
    return new Promise<unknown>((resolve, reject) => {
      if (from.poisoned) {
        reject(from.poisoned);
        return;
      }
      const settled = untilDeath(from, reject);
      const sink = new HostSink(1);
      shared.copy(null, sink, false, (result) => {
        settled();
        if (result === COPY_COMPLETED) resolve(sink.chunks[0]![0]);
        else reject(new IsowasmError('TRAP', 'the future ended without a value'));
      });
    });
  }
}

/** Lifts a readable end of a future the guest gives (`lift_future`): a promise-like of its value. */
export function liftFuture(cx: Cx, i: number, info: ElementInfo): PromiseLike<unknown> {
  return new GuestFuture(takeReadable(cx.inst, true, i >>> 0, info.key) as SharedFuture, cx.inst);
}

/**
 * Lowers a future into the guest (`lower_future`): one another guest gave moves as it is; any
 * other value (a promise, or the value itself) is written when it settles. A promise that
 * rejects ends the instance (a future can't carry an error).
 */
export function lowerFuture(cx: Cx, v: unknown, info: ElementInfo): number {
  const inst = cx.inst;
  const moved = typeof v === 'object' && v !== null ? movable.get(v) : undefined;
  if (moved instanceof SharedFuture) {
    if (moved.key !== info.key) throw new TypeError(`expected a future<${info.key}>, got a future<${moved.key}> a component gave`);
    movable.delete(v as object);
    return giveReadable(inst, moved);
  }
  const shared = new SharedFuture(info.elem, info.key, info.plain, info.bytes);
  Promise.resolve(v).then((value) => {
    shared.copy(null, new HostSource([value]), true, () => {});
  }, (e: unknown) => {
    inst.poisoned ??= new IsowasmError('HOST_ERROR', `a future the host gave the guest failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    // as for a failing stream: the host's reads of the instance's streams and futures fail too
    instanceDied(inst);
    shared.drop();
  });
  return giveReadable(inst, shared);
}

/** Lifts an error context (`lift_error_context`): the guest keeps its handle. */
export function liftErrorContext(inst: InstanceState, i: number): ErrorContext {
  return asyncStateOf(inst).table.get(i >>> 0, ErrorContextHandle, 'error context').value;
}

/** Lowers an error context: an `ErrorContext`, or an `Error` whose message becomes its debug message. */
export function lowerErrorContext(inst: InstanceState, v: unknown): number {
  let value: ErrorContext;
  if (v instanceof ErrorContext) value = v;
  else if (v instanceof Error) value = new ErrorContext(v.message);
  else throw new TypeError(`expected an ErrorContext (or an Error), got ${v === null ? 'null' : typeof v}`);
  return asyncStateOf(inst).table.add(new ErrorContextHandle(value));
}

/** `error-context.drop`. */
export function dropErrorContext(inst: InstanceState, i: number): void {
  if (!inst.mayLeave) throw cannotLeave('error-context.drop');
  const { table } = asyncStateOf(inst);
  table.get(i >>> 0, ErrorContextHandle, 'error context');
  table.remove(i);
}
