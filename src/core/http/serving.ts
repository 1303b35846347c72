/**
 * What serving a request needs whichever wasi:http version the guest speaks: short plain answers,
 * failures as the IsowasmError `onError` receives, a request body bounded in size, and the
 * request's wall-clock deadline.
 */
import { IsowasmError, trapError } from '../errors.js';
import { HttpFailure } from '../wasi/http/errors.js';

/**
 * A short plain-text answer (`500 Internal Server Error`, say).
 *
 * @example
 * ```ts
 * return plain(503, 'Service Unavailable', { 'retry-after': '1' });
 * ```
 */
export function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}

/**
 * A wasi value (a guest's error-code, say) as JSON, its bigints as numbers' text.
 *
 * @example
 * ```ts
 * json({ tag: 'HTTP-request-body-size', val: 5n }); // '{"tag":"HTTP-request-body-size","val":"5"}'
 * ```
 */
export function json(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

/**
 * Any failure as the IsowasmError onError receives.
 *
 * @example
 * ```ts
 * onError(asIsowasmError(e), request);
 * ```
 */
export function asIsowasmError(e: unknown): IsowasmError {
  if (e instanceof IsowasmError) return e;
  // a wasi error value (a guest's error-code, say) as its data rather than [object Object]
  const message = e instanceof Error ? e.message : typeof e === 'object' && e !== null ? json(e) : String(e);
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return trapError(message, e);
  return new IsowasmError('HOST_ERROR', `serving the request failed: ${message}`, { cause: e });
}

/**
 * The body, failing with `HTTP-request-body-size` past `max` bytes (and telling `onOver`).
 *
 * @example
 * ```ts
 * const body = limitedBody(request.body, 1 << 20, () => { tooLarge = true; });
 * ```
 */
export function limitedBody(body: ReadableStream<Uint8Array>, max: number, onOver: () => void): ReadableStream<Uint8Array> {
  if (max === Infinity) return body;
  const reader = body.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await reader.read();
      if (r.done) {
        controller.close();
        return;
      }
      total += r.value.length;
      if (total > max) {
        onOver();
        reader.cancel().catch(() => {});
        controller.error(new HttpFailure({ tag: 'HTTP-request-body-size', val: BigInt(total) }, `the request body is longer than ${max} bytes`));
        return;
      }
      controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** What `Deadline.passed` resolves with. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * A request's wall-clock deadline: `passed` resolves when it passes (never, for Infinity).
 *
 * @example
 * ```ts
 * const deadline = new Deadline(10_000);
 * if ((await Promise.race([work, deadline.passed])) === TIMED_OUT) return plain(504, 'Gateway Timeout');
 * ```
 */
export class Deadline {
  readonly passed: Promise<typeof TIMED_OUT>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.passed = ms === Infinity ? new Promise(() => {}) : new Promise((resolve) => {
      this.#timer = setTimeout(() => resolve(TIMED_OUT), ms);
    });
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}
