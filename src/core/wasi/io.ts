/**
 * isowasm's `wasi:io` (streams, poll, error): the classes every other WASI interface we serve
 * hands out, so stdio, files and HTTP bodies are one family (a host resource must be an instance
 * of the class its interface declares). Streams and pollables are driven by small handlers;
 * waiting returns a promise that JSPI turns into a suspended guest.
 *
 * Written here rather than taken from preview2-shim: its Node streams are process-global and
 * bound to its I/O worker, so per-instance sinks, confined files and async HTTP bodies can't be
 * built from them.
 */

import { symbolDispose } from '../dispose.js';
import { IsowasmError } from '../errors.js';
import type { InputSource, OutputTarget } from '../host/streams.js';

export type { InputSource, OutputTarget };

/** Marks a host function that may return a promise (the linker makes it a JSPI suspending import). */
export const MAY_SUSPEND = Symbol.for('isowasm.maySuspend');

export function maySuspend<F extends (...args: never[]) => unknown>(fn: F): F {
  (fn as unknown as Record<symbol, boolean>)[MAY_SUSPEND] = true;
  return fn;
}

/** `wasi:io/error#error`. */
export class IoError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
  toDebugString(): string {
    return this.message;
  }
}

/**
 * Tells a pollable whether it is ready and how to wait. In an asynchronous instance (JSPI),
 * waiting returns a promise that suspends the guest; in a synchronous one only pollables with a
 * deadline (clocks) can wait, by blocking the thread until then.
 */
export interface Readiness {
  ready(): boolean;
  /** resolves when it may be ready (null: waiting won't help) */
  wait(): Promise<void> | null;
  /** `performance.now()` at which it will be ready, for pollables driven by time */
  deadline?(): number;
  /** the instance suspends on waits (JSPI) rather than blocking */
  readonly async?: boolean;
}

const alwaysReady: Readiness = { ready: () => true, wait: () => null };

const sleeper = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;

/** Blocks the thread until `performance.now()` reaches `t` (Atomics.wait, or a spin where it is refused). */
function sleepUntil(t: number): void {
  for (;;) {
    const left = t - performance.now();
    if (left <= 0) return;
    if (sleeper && canWait(sleeper, left)) continue;
    // no SharedArrayBuffer, or a browser's main thread, which may not wait: spin (the guest asked to block, so block)
    while (performance.now() < t) { /* spin */ }
  }
}

/** Waits up to `ms` on `cell`; false where this thread may not wait (a browser's main thread). */
function canWait(cell: Int32Array, ms: number): boolean {
  try {
    Atomics.wait(cell, 0, 0, ms);
    return true;
  } catch {
    return false;
  }
}

/** The guest waits for a host that can only answer asynchronously, in an instance that can't wait for it. */
const wouldBlockForever = (): IsowasmError => new IsowasmError('UNSUPPORTED', 'this would block forever in a synchronous instance: nothing can make the stream or pollable ready without waiting for the host (grant asynchronous adapters with JSPI, or run the instance in a worker)');

/** `wasi:io/poll#pollable`. */
export class Pollable {
  readonly #r: Readiness;
  constructor(readiness: Readiness = alwaysReady) {
    this.#r = readiness;
  }
  ready(): boolean {
    return this.#r.ready();
  }
  /** Returns once ready: at once, by sleeping until a deadline, or (async) via a promise. */
  block(): void | Promise<void> {
    const r = this.#r;
    if (r.ready()) return;
    if (!r.async) {
      if (!r.deadline) throw wouldBlockForever();
      sleepUntil(r.deadline());
      return;
    }
    return waitUntil(() => r.ready(), () => r.wait());
  }
  /** @internal */
  _readiness(): Readiness {
    return this.#r;
  }
  [symbolDispose](): void {}
}

function waitUntil(ready: () => boolean, wait: () => Promise<void> | null): Promise<void> {
  const p = wait();
  if (!p) return Promise.reject(new IsowasmError('TRAP', 'the guest waits for a pollable that can never become ready'));
  return p.then(() => (ready() ? undefined : waitUntil(ready, wait)));
}

/** `wasi:io/poll#poll`: the indices of the ready pollables, waiting for at least one. */
export function poll(list: Pollable[]): Uint32Array | Promise<Uint32Array> {
  if (list.length === 0) throw new TypeError('poll() needs at least one pollable');
  const readyNow = (): number[] => list.flatMap((p, i) => (p.ready() ? [i] : []));
  const now = readyNow();
  if (now.length > 0) return new Uint32Array(now);
  const rs = list.map((p) => p._readiness());
  if (rs.some((r) => r.async)) {
    const waits = rs.map((r) => r.wait()).filter((w): w is Promise<void> => w !== null);
    if (waits.length === 0) throw new IsowasmError('TRAP', 'the guest polls for pollables none of which can ever become ready: poll() would block forever');
    return Promise.race(waits).then(() => poll(list));
  }
  const deadlines = rs.flatMap((r) => (r.deadline ? [r.deadline()] : []));
  if (deadlines.length === 0) throw wouldBlockForever();
  sleepUntil(Math.min(...deadlines));
  return poll(list);
}

/** The stream errors of `wasi:io/streams`, thrown as the `err` payload. */
export const closed = (): { tag: 'closed' } => ({ tag: 'closed' });
export const failed = (message: string): { tag: 'last-operation-failed'; val: IoError } => ({ tag: 'last-operation-failed', val: new IoError(message) });

/** `wasi:io/streams#input-stream`. */
export class InputStream {
  readonly #src: InputSource;
  #closed = false;
  constructor(source: InputSource) {
    this.#src = source;
  }
  read(len: bigint): Uint8Array {
    if (this.#closed) throw closed();
    let chunk: Uint8Array | null;
    try {
      chunk = this.#src.read(Number(len > 0x7fffffffn ? 0x7fffffffn : len));
    } catch (e) {
      // a stream-error a source raised itself passes through as it is
      if (typeof e === 'object' && e !== null && 'tag' in e) throw e;
      throw failed(e instanceof Error ? e.message : String(e));
    }
    if (chunk === null) throw closed();
    return chunk;
  }
  blockingRead(len: bigint): Uint8Array | Promise<Uint8Array> {
    const chunk = this.read(len);
    if (chunk.length > 0 || len === 0n) return chunk;
    const w = this.#src.wait?.() ?? null;
    if (!w) throw failed('the stream has no data and can\'t wait for more without JSPI or a worker');
    return w.then(() => this.blockingRead(len));
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint | Promise<bigint> {
    const r = this.blockingRead(len);
    return r instanceof Promise ? r.then((b) => BigInt(b.length)) : BigInt(r.length);
  }
  subscribe(): Pollable {
    const src = this.#src;
    return new Pollable({
      ready: () => this.#closed || (src.available?.() ?? true),
      wait: () => src.wait?.() ?? null,
      async: src.wait !== undefined,
    });
  }
  [symbolDispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#src.close?.();
  }
}

const DEFAULT_CAPACITY = 1 << 20;

/** `wasi:io/streams#output-stream`. */
export class OutputStream {
  readonly #dst: OutputTarget;
  #closed = false;
  constructor(target: OutputTarget) {
    this.#dst = target;
  }
  checkWrite(): bigint {
    if (this.#closed) throw closed();
    return BigInt(this.#dst.capacity?.() ?? DEFAULT_CAPACITY);
  }
  write(bytes: Uint8Array): void {
    if (this.#closed) throw closed();
    try {
      this.#dst.write(bytes);
    } catch (e) {
      if (typeof e === 'object' && e !== null && 'tag' in e) throw e;
      throw failed(e instanceof Error ? e.message : String(e));
    }
  }
  blockingWriteAndFlush(bytes: Uint8Array): void | Promise<void> {
    this.write(bytes);
    return this.blockingFlush();
  }
  flush(): void {
    if (this.#closed) throw closed();
  }
  blockingFlush(): void | Promise<void> {
    if (this.#closed) throw closed();
    const r = this.#dst.flush?.();
    return r instanceof Promise ? r.catch((e: unknown) => { throw failed(e instanceof Error ? e.message : String(e)); }) : undefined;
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void | Promise<void> {
    return this.blockingWriteAndFlush(new Uint8Array(Number(len)));
  }
  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint | Promise<bigint> {
    const r = src.blockingRead(len);
    const done = (bytes: Uint8Array): bigint => {
      this.write(bytes);
      return BigInt(bytes.length);
    };
    return r instanceof Promise ? r.then(done) : done(r);
  }
  subscribe(): Pollable {
    const dst = this.#dst;
    if (!dst.wait) return new Pollable();
    return new Pollable({
      ready: () => this.#closed || (dst.capacity?.() ?? 1) > 0,
      wait: () => dst.wait!(),
      async: true,
    });
  }
  [symbolDispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dst.close?.();
  }
}

/** An input source over bytes held in memory, or a pull callback (null from it: the end). */
export function bytesSource(data: Uint8Array | string | (() => Uint8Array | null) | null): InputSource {
  if (data === null) return { read: () => null };
  if (typeof data === 'function') {
    let pending: Uint8Array | null = new Uint8Array(0);
    return {
      read(max) {
        if (pending !== null && pending.length === 0) pending = data();
        if (pending === null) return null;
        const take = pending.slice(0, max);
        pending = pending.subarray(take.length);
        return take;
      },
    };
  }
  let rest = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return {
    read(max) {
      if (rest.length === 0) return null;
      const take = rest.slice(0, max);
      rest = rest.subarray(take.length);
      return take;
    },
  };
}

/** The `wasi:io` namespaces, keyed as hosts key them. */
export function ioNamespaces(): Record<string, unknown> {
  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll: maySuspend(poll) },
    'wasi:io/streams': { InputStream, OutputStream },
  };
}

/** Methods of the io classes that may wait (with JSPI they suspend the guest). */
for (const m of ['blockingRead', 'blockingSkip'] as const) maySuspend(InputStream.prototype[m]);
for (const m of ['blockingWriteAndFlush', 'blockingFlush', 'blockingWriteZeroesAndFlush', 'blockingSplice'] as const) maySuspend(OutputStream.prototype[m]);
maySuspend(Pollable.prototype.block);
