/**
 * HTTP bodies of WASI 0.3 in JS terms: a body is a `ReadableStream<Uint8Array>` (the
 * `stream<u8>`), read by whoever consumes the request or response. `watchBody` passes a body
 * through, chunk by chunk and only as its reader pulls (a guest writing it waits for the reader),
 * and tells how it ended: complete, failed, or cancelled by its reader.
 */
import { type HttpErrorCode, HttpFailure, errorCodeOf } from '../../http/errors.js';

/** What `watchBody` does along the way. */
export interface WatchOptions {
  /** sees each chunk before it is passed on; throwing an HttpFailure fails the body with its code */
  readonly chunk?: (bytes: Uint8Array) => void;
  /** runs when the source has ended, before the reader sees the end; throwing an HttpFailure fails the body */
  readonly end?: () => Promise<void> | void;
  /** fail with `connection-read-timeout` when the next chunk takes longer than this */
  readonly betweenBytesMs?: number;
  /** the error-code of a reader's cancel (default internal-error) */
  readonly cancelled?: HttpErrorCode;
}

/** A watched body: the stream to hand on, and how it ended (null: complete). */
export interface WatchedBody {
  readonly stream: ReadableStream<Uint8Array>;
  readonly ended: Promise<HttpErrorCode | null>;
}

/**
 * A stream that has ended, for a body of none.
 *
 * @example
 * ```ts
 * new Response(emptyBody()).arrayBuffer(); // an empty ArrayBuffer
 * ```
 */
export function emptyBody(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
}

/**
 * Passes `source` through as it is pulled, telling through `ended` how it ended. A failure of the
 * source, or of a hook, errors the stream with an HttpFailure and cancels the source; a reader's
 * cancel cancels the source.
 *
 * @example
 * ```ts
 * const { stream, ended } = watchBody(guestContents, { chunk: (b) => count(b) });
 * const res = new Response(stream);
 * ended.then((code) => code ? console.warn(code.tag) : null);
 * ```
 */
export function watchBody(source: ReadableStream<Uint8Array>, options: WatchOptions = {}): WatchedBody {
  const reader = source.getReader();
  let settle!: (code: HttpErrorCode | null) => void;
  const ended = new Promise<HttpErrorCode | null>((resolve) => { settle = resolve; });
  let over = false;
  const finish = (code: HttpErrorCode | null): void => {
    if (over) return;
    over = true;
    settle(code);
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, e: unknown): void => {
    const failure = e instanceof HttpFailure ? e : new HttpFailure(errorCodeOf(e, 'HTTP-response-incomplete'), e instanceof Error ? e.message : String(e));
    reader.cancel(failure).catch(() => {});
    controller.error(failure);
    finish(failure.code);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const r = await timed(reader.read(), options.betweenBytesMs);
          if (r.done) {
            await options.end?.();
            controller.close();
            finish(null);
            return;
          }
          if (r.value.length === 0) continue;
          options.chunk?.(r.value);
          controller.enqueue(r.value);
          return;
        }
      } catch (e) {
        fail(controller, e);
      }
    },
    cancel(reason) {
      finish(options.cancelled ?? { tag: 'internal-error', val: 'the body was cancelled by its reader' });
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { stream, ended };
}

/** A read that fails with `connection-read-timeout` after `ms` (none: waits as long as it takes). */
function timed<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined || ms === Infinity) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpFailure({ tag: 'connection-read-timeout' }, `no body bytes arrived for ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
