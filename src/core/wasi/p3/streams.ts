/**
 * The stream and future values WASI 0.3 rooms trade with the guest, in isowasm's JS
 * conventions: a `stream<u8>` the guest gives is a `ReadableStream<Uint8Array>` the room reads
 * (cancelling it drops the guest's readable end), one the room gives is a `ReadableStream` it
 * fills as the guest reads; a `future<result<_, E>>` is a promise of the result value.
 */

/** A `result` value as it travels inside a future (not thrown: it is not a function's return). */
export type ResultValue<E> = { tag: 'ok'; val?: undefined } | { tag: 'err'; val: E };

export const ok = (): ResultValue<never> => ({ tag: 'ok' });
export const err = <E>(val: E): ResultValue<E> => ({ tag: 'err', val });

/**
 * Reads the guest's `stream<u8>` to its end, handing each chunk to `write`; the first failure of
 * `write` cancels the stream (the guest's writes then see it dropped) and becomes the result's
 * error, through `failure`.
 */
export async function drain<E>(
  data: ReadableStream<Uint8Array>, write: (chunk: Uint8Array) => void | Promise<void>, failure: (e: unknown) => E,
): Promise<ResultValue<E>> {
  const reader = data.getReader();
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (e) {
      return err(failure(e));
    }
    if (next.done) return ok();
    try {
      await write(next.value);
    } catch (e) {
      await reader.cancel().catch(() => {});
      return err(failure(e));
    }
  }
}

/** Refuses the guest's stream unread (its writes see it dropped), answering `e`. */
export async function refuse<E>(data: ReadableStream<unknown>, e: E): Promise<ResultValue<E>> {
  await data.cancel().catch(() => {});
  return err(e);
}

/**
 * A stream the guest reads, filled by `next` (null: the end) one chunk per pull, and the future
 * that says how it ended: ok at the end or when the guest drops its end, the error `next` threw
 * (through `failure`) otherwise. `next` is called again while it yields nothing (an empty array).
 */
export function sourceStream<T, E>(
  next: () => T | null | Promise<T | null>, failure: (e: unknown) => E, isEmpty: (chunk: T) => boolean = () => false,
): [ReadableStream<T>, Promise<ResultValue<E>>] {
  let settle!: (r: ResultValue<E>) => void;
  const done = new Promise<ResultValue<E>>((resolve) => { settle = resolve; });
  const stream = new ReadableStream<T>({
    async pull(controller) {
      try {
        for (;;) {
          const chunk = await next();
          if (chunk === null) {
            controller.close();
            settle(ok());
            return;
          }
          if (!isEmpty(chunk)) {
            controller.enqueue(chunk);
            return;
          }
          // nothing yet (a source that can't wait): let the event loop run before asking again
          await new Promise<void>((resolve) => setTimeout(resolve, 0));
        }
      } catch (e) {
        controller.close();
        settle(err(failure(e)));
      }
    },
    cancel() {
      settle(ok());
    },
  }, { highWaterMark: 0 });
  return [stream, done];
}

/** A stream that ends at once, and the future saying why: a refusal known before any read. */
export function endedStream<T, E>(e: E): [ReadableStream<T>, Promise<ResultValue<E>>] {
  return [new ReadableStream<T>({ start: (c) => c.close() }), Promise.resolve(err(e))];
}
