/**
 * HTTP bodies between the guest's wasi:io streams and WHATWG streams: a `BodyPipe` carries what
 * the guest writes to an outgoing body to whoever sends it (a `ReadableStream` for a streaming
 * fetch or Response, or the whole body at once), and a `StreamSource` lets the guest read a
 * `ReadableStream` (a response or request body) as the chunks arrive.
 */
import { concat } from '../../bytes.js';
import { type HttpErrorCode, HttpFailure, errorCodeOf, tagIoError } from './errors.js';
import type { Fields } from './fields.js';
import { InputStream, type InputSource, OutputStream } from '../io.js';

/** How many bytes may wait in a pipe or a source before the writer is slowed down or the reader stops reading ahead. */
export const BODY_HIGH_WATER = 1 << 20;

type PipeState = 'open' | 'finished' | 'failed';

/**
 * The bytes of an outgoing body on their way from the guest's output stream to the sender.
 * The writer side never blocks on `write` (wasi:io's `check-write` has no way to wait here), but
 * `flush` waits while more than `BODY_HIGH_WATER` bytes are queued for a streaming consumer,
 * which is how a guest that uses `blocking-write-and-flush` is slowed to the network's pace.
 *
 * @example
 * ```ts
 * const pipe = new BodyPipe();
 * const request = new Request(url, { method: 'POST', body: pipe.stream(), duplex: 'half' });
 * pipe.write(bytes);
 * pipe.finish();
 * ```
 */
export class BodyPipe {
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #written = 0n;
  #state: PipeState = 'open';
  #failure: HttpFailure | null = null;
  #trailers: Fields | undefined;
  #streaming = false;
  #forbidden: HttpFailure | null = null;
  #limit: { readonly max: bigint; readonly failure: (written: bigint) => HttpFailure } | null = null;
  #wake: (() => void)[] = [];
  #drain: (() => void)[] = [];
  /** the Content-Length the guest declared, checked against what it writes */
  readonly expectedLength: bigint | null;
  /**
   * whether whoever sends the body can send trailers (fetch can't); null while that is not known
   * yet (a response the host has not taken yet): trailers are then kept, and the sender refuses
   * them when it takes the body
   */
  acceptsTrailers: boolean | null = false;

  constructor(expectedLength: bigint | null = null) {
    this.expectedLength = expectedLength;
  }

  get state(): PipeState {
    return this.#state;
  }

  get failure(): HttpFailure | null {
    return this.#failure;
  }

  get trailers(): Fields | undefined {
    return this.#trailers;
  }

  /**
   * From now on, any byte written fails the body with `failure` (a GET's body may only be
   * empty). Returns false, failing the body, if bytes were already written.
   */
  forbidBytes(failure: HttpFailure): boolean {
    if (this.#written > 0n) {
      this.fail(failure);
      return false;
    }
    this.#forbidden = failure;
    return true;
  }

  /**
   * From now on, writing past `max` bytes in all fails the body with `failure(total)` (a server's
   * limit on the responses it sends). Fails it at once, returning false, when the declared
   * Content-Length or the bytes already written are over it.
   */
  limit(max: number, failure: (written: bigint) => HttpFailure): boolean {
    const cap = BigInt(max);
    const over = this.expectedLength !== null && this.expectedLength > cap ? this.expectedLength : this.#written > cap ? this.#written : null;
    if (over !== null) {
      this.fail(failure(over));
      return false;
    }
    this.#limit = { max: cap, failure };
    return true;
  }

  /** Queues a copy of `bytes`; throws an HttpFailure once the body is finished or failed. */
  write(bytes: Uint8Array): void {
    if (this.#state === 'failed') throw this.#failure!;
    if (this.#state === 'finished') throw new HttpFailure({ tag: 'internal-error', val: 'the body is already finished' });
    if (this.#forbidden && bytes.length > 0) {
      this.fail(this.#forbidden);
      throw this.#failure!;
    }
    const total = this.#written + BigInt(bytes.length);
    if (this.#limit && total > this.#limit.max) {
      this.fail(this.#limit.failure(total));
      throw this.#failure!;
    }
    if (this.expectedLength !== null && total > this.expectedLength) {
      this.fail(new HttpFailure({ tag: 'HTTP-request-body-size', val: total }, `the body is longer than its Content-Length of ${this.expectedLength} bytes`));
      throw this.#failure!;
    }
    this.#written = total;
    if (bytes.length === 0) return;
    this.#chunks.push(bytes.slice());
    this.#queued += bytes.length;
    this.#notify();
  }

  /** Resolves once a byte is waiting to be read, or the body is finished or failed. */
  async started(): Promise<void> {
    while (this.#queued === 0 && this.#state === 'open') await this.#changed();
  }

  /** Ends the body; fails (returning the failure) when it is shorter than its Content-Length. */
  finish(trailers?: Fields): HttpFailure | null {
    if (this.#state === 'failed') return this.#failure;
    if (this.#state === 'finished') return new HttpFailure({ tag: 'internal-error', val: 'the body is already finished' });
    if (this.expectedLength !== null && this.#written !== this.expectedLength) {
      this.fail(new HttpFailure({ tag: 'HTTP-request-body-size', val: this.#written }, `the body has ${this.#written} bytes but its Content-Length says ${this.expectedLength}`));
      return this.#failure;
    }
    this.#state = 'finished';
    this.#trailers = trailers;
    this.#notify();
    return null;
  }

  /** Ends the body in failure: the consumer sees an error, later writes fail. */
  fail(failure: HttpFailure): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#failure = failure;
    this.#chunks = [];
    this.#queued = 0;
    this.#notify();
  }

  /**
   * What the writer may write now (`check-write`): 0 while a streaming consumer has a backlog of
   * `BODY_HIGH_WATER` bytes, so a guest that polls its stream's pollable instead of flushing is
   * slowed to the reader's pace too.
   */
  capacity(): number {
    // 0 exactly when `drained` would wait, so the pollable's wait always has something to wait for
    return this.#streaming && this.#state === 'open' && this.#queued > BODY_HIGH_WATER ? 0 : BODY_HIGH_WATER;
  }

  /** For the writer's flush: a promise while a streaming consumer has a backlog, else undefined. */
  drained(): Promise<void> | undefined {
    if (!this.#streaming || this.#state !== 'open' || this.#queued <= BODY_HIGH_WATER) return undefined;
    return new Promise<void>((resolve) => this.#drain.push(resolve));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
    if (this.#queued <= BODY_HIGH_WATER || this.#state !== 'open') {
      const drain = this.#drain;
      this.#drain = [];
      for (const d of drain) d();
    }
  }

  #changed(): Promise<void> {
    return new Promise<void>((resolve) => this.#wake.push(resolve));
  }

  /** The body as a stream that yields chunks as the guest writes them (a consumer cancelling it fails the pipe). */
  stream(): ReadableStream<Uint8Array> {
    this.#streaming = true;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        for (;;) {
          const chunk = this.#chunks.shift();
          if (chunk) {
            this.#queued -= chunk.length;
            this.#notify();
            controller.enqueue(chunk);
            return;
          }
          if (this.#state === 'finished') {
            controller.close();
            return;
          }
          if (this.#state === 'failed') {
            controller.error(this.#failure);
            return;
          }
          await this.#changed();
        }
      },
      cancel: (reason) => {
        this.fail(new HttpFailure(errorCodeOf(reason, 'internal-error'), 'the receiver stopped reading the body'));
      },
    }, { highWaterMark: 0 });
  }

  /** The whole body once the guest has finished it (rejects with the HttpFailure if it fails). */
  async bytes(): Promise<Uint8Array> {
    while (this.#state === 'open') await this.#changed();
    if (this.#state === 'failed') throw this.#failure!;
    return concat(this.#chunks.splice(0), this.#queued);
  }

  /** The body so far, when it is already finished (null otherwise). */
  finishedBytes(): Uint8Array | null {
    if (this.#state !== 'finished') return null;
    const out = concat(this.#chunks.splice(0), this.#queued);
    this.#queued = 0;
    return out;
  }
}


/**
 * `wasi:io` output stream over a pipe; stream errors carry their HTTP error-code for `http-error-code`.
 *
 * @example
 * ```ts
 * const out = new HttpOutputStream(pipe); // what outgoing-body.write() hands the guest
 * ```
 */
export class HttpOutputStream extends OutputStream {
  readonly #pipe: BodyPipe;
  constructor(pipe: BodyPipe) {
    super({
      write: (b) => pipe.write(b),
      flush: () => pipe.drained(),
      capacity: () => pipe.capacity(),
      wait: () => pipe.drained() ?? null,
    });
    this.#pipe = pipe;
  }

  override write(bytes: Uint8Array): void {
    try {
      super.write(bytes);
    } catch (e) {
      tagStreamError(e, this.#pipe.failure);
      throw e;
    }
  }
}

function tagStreamError(e: unknown, failure: HttpFailure | null): void {
  if (!failure || typeof e !== 'object' || e === null) return;
  const { tag, val } = e as { tag?: unknown; val?: unknown };
  if (tag === 'last-operation-failed' && typeof val === 'object' && val !== null) tagIoError(val as never, failure.code);
}

/** Options of a `StreamSource`. */
export interface StreamSourceOptions {
  /** the instance waits with JSPI (waits return promises); without it reads never wait */
  readonly async: boolean;
  /** fail with `connection-read-timeout` when the next chunk takes longer than this */
  readonly betweenBytesMs?: number;
  /** called once when the body ends: null when complete, else the error-code */
  readonly onEnd?: (error: HttpErrorCode | null) => void;
  /** called when the reader cancels the body (the guest dropped it) */
  readonly onCancel?: () => void;
}

/**
 * Reads a `ReadableStream` for a guest's input stream: keeps one read in flight (and up to
 * `BODY_HIGH_WATER` bytes buffered), so `read` returns what has arrived and the stream's pollable
 * is ready exactly when data (or the end) is there.
 *
 * @example
 * ```ts
 * const source = new StreamSource(response.body, { async: true, betweenBytesMs: 30_000 });
 * const stream = new HttpInputStream(source);
 * ```
 */
export class StreamSource implements InputSource {
  #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  #buf: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  #failure: HttpFailure | null = null;
  #pending: Promise<void> | null = null;
  #ended = false;
  readonly #opts: StreamSourceOptions;
  /** present only in asynchronous instances (io's InputStream waits only when it is there) */
  readonly wait?: () => Promise<void> | null;

  /** `stream` may be the whole body, read already: a synchronous instance then reads it without waiting. */
  constructor(stream: ReadableStream<Uint8Array> | Uint8Array | null, options: StreamSourceOptions) {
    this.#opts = options;
    if (stream instanceof Uint8Array) {
      if (stream.length > 0) this.#buf.push(stream);
      this.#buffered = stream.length;
      stream = null;
    }
    this.#reader = stream ? stream.getReader() : null;
    if (!this.#reader) {
      // no body, or all of it given: the end comes right after what is buffered (not an endless run of empty reads)
      this.#done = true;
      this.#finish(null);
    }
    if (options.async) {
      this.wait = () => {
        if (this.available()) return Promise.resolve();
        return this.#pump() ?? Promise.resolve();
      };
    }
  }

  get failure(): HttpFailure | null {
    return this.#failure;
  }

  get ended(): boolean {
    return this.#ended;
  }

  available(): boolean {
    return this.#buf.length > 0 || this.#done || this.#failure !== null;
  }

  read(max: number): Uint8Array | null {
    const first = this.#buf[0];
    if (first) {
      let out: Uint8Array;
      if (first.length <= max) {
        this.#buf.shift();
        out = first;
      } else {
        out = first.subarray(0, max);
        this.#buf[0] = first.subarray(max);
      }
      this.#buffered -= out.length;
      this.#pump();
      return out;
    }
    if (this.#failure) throw this.#failure;
    if (this.#done) return null;
    this.#pump();
    return new Uint8Array(0);
  }

  /** Reads and discards the rest; resolves when the body has ended (either way). */
  async drain(): Promise<void> {
    while (!this.#ended) {
      this.#buf = [];
      this.#buffered = 0;
      await (this.#pump() ?? Promise.resolve());
    }
  }

  /** Stops reading: the rest of the body is cancelled. */
  cancel(): void {
    if (!this.#ended) {
      this.#opts.onCancel?.();
      this.#fail(new HttpFailure({ tag: 'internal-error', val: 'the body was dropped before it ended' }));
    }
    this.#reader?.cancel().catch(() => {});
    this.#reader = null;
  }

  #finish(error: HttpErrorCode | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#opts.onEnd?.(error);
  }

  #fail(f: HttpFailure): void {
    if (this.#failure || this.#done) return;
    this.#failure = f;
    this.#finish(f.code);
  }

  /** Starts reading the next chunk unless one is being read, the buffer is full or the body has ended. */
  #pump(): Promise<void> | null {
    if (this.#pending) return this.#pending;
    const reader = this.#reader;
    if (!reader || this.#done || this.#failure || this.#buffered >= BODY_HIGH_WATER) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = this.#opts.betweenBytesMs;
    const timedOut = timeout === undefined ? null : new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HttpFailure({ tag: 'connection-read-timeout' }, `no body bytes arrived for ${timeout} ms`)), timeout);
    });
    const next = timedOut ? Promise.race([reader.read(), timedOut]) : reader.read();
    this.#pending = next.then(
      (r) => {
        if (r.done) {
          this.#done = true;
          this.#finish(null);
        } else if (r.value.length > 0) {
          // a view of a buffer the stream may reuse: keep a copy
          this.#buf.push(r.value.slice());
          this.#buffered += r.value.length;
        }
      },
      (e: unknown) => {
        this.#fail(e instanceof HttpFailure ? e : new HttpFailure(errorCodeOf(e, 'HTTP-response-incomplete'), e instanceof Error ? e.message : String(e)));
        reader.cancel(e).catch(() => {});
        this.#reader = null;
      },
    ).finally(() => {
      clearTimeout(timer);
      this.#pending = null;
    });
    return this.#pending;
  }
}

/**
 * `wasi:io` input stream over a StreamSource; stream errors carry their HTTP error-code for `http-error-code`.
 *
 * @example
 * ```ts
 * const stream = new HttpInputStream(new StreamSource(request.body, { async: true }));
 * ```
 */
export class HttpInputStream extends InputStream {
  readonly #src: StreamSource;
  constructor(source: StreamSource) {
    // dropping the stream leaves the body alone: its owner (incoming-body) cancels or finishes it
    super({ read: (n) => source.read(n), available: () => source.available(), ...(source.wait ? { wait: source.wait } : {}) });
    this.#src = source;
  }

  override read(len: bigint): Uint8Array {
    try {
      return super.read(len);
    } catch (e) {
      tagStreamError(e, this.#src.failure);
      throw e;
    }
  }
}
