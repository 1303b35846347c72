/**
 * Serving one request with a `wasi:http/handler@0.3.0` guest, for `createFetchHandler`: the
 * guest's `handle` gets the request (its body streaming in as the guest reads), and the response
 * it returns streams back while the guest writes it; the request is over when the body and its
 * trailers have gone out (the guest's task may still run then: the instance goes back to the pool
 * or is ended). Failures end as short 500s (502 after a failed upstream request, 504 past the
 * deadline, 413 for a body over the limit) and an `onError` report, as for a 0.2 guest.
 */
import { ComponentError, IsowasmError } from '../errors.js';
import { type HttpErrorCode, HttpFailure, describeErrorCode } from '../wasi/http/errors.js';
import { Response as P3Response } from '../wasi/p3/http/index.js';
import { type OutgoingP3, incomingRequestP3, outgoingP3 } from './bridge-p3.js';
import { RESPONSE_TRAILERS } from './bridge.js';
import type { PooledInstance } from './pool.js';
import { type Deadline, json, limitedBody, plain } from './serving.js';

/** The export a 0.3 handler serves requests with (keyed without its version, as exports also are). */
export const HANDLER_P3 = 'wasi:http/handler';

/** What a 0.3 handler export looks like in JS: `handle` returns a promise of the response (or rejects with the error-code). */
export interface HandlerP3 {
  handle(request: unknown): Promise<unknown>;
}

/**
 * The instance's 0.3 handler export, if it has one.
 *
 * @example
 * ```ts
 * const handler = handlerP3(slot.instance.exports);
 * if (handler) return serveP3(request, handler, env);
 * ```
 */
export function handlerP3(exports: Record<string, unknown>): HandlerP3 | null {
  const h = exports[HANDLER_P3] as { handle?: unknown } | undefined;
  return typeof h?.handle === 'function' ? (h as HandlerP3) : null;
}

/** What `serveP3` works with: the handler's pieces for this request. */
export interface ServeP3Env {
  readonly instance: PooledInstance;
  readonly deadline: Deadline;
  readonly maxRequestBody: number;
  readonly maxResponseBody: number;
  /** the server adapter sends response trailers (`TRAILERS` was on the request) */
  readonly sendsTrailers: boolean;
  /** the instance's last outgoing request that failed on the way during this request */
  readonly upstreamFailure: () => IsowasmError | null;
  readonly report: (e: unknown) => void;
  readonly timeoutError: (what: string) => IsowasmError;
  /** called once, when the request is over: the instance goes back to the pool (healthy) or is ended */
  readonly release: (healthy: boolean) => void;
}

/**
 * Serves `request` with a 0.3 handler on an instance the pool gave; `env.release` is called once
 * the request is over.
 *
 * @example
 * ```ts
 * return serveP3(request, handler, { instance, deadline, maxRequestBody: Infinity, maxResponseBody: Infinity, sendsTrailers: false, upstreamFailure: () => null, report: console.error, timeoutError, release });
 * ```
 */
export async function serveP3(request: Request, handler: HandlerP3, env: ServeP3Env): Promise<Response> {
  const what = `${request.method} ${request.url}`;
  let over = false;
  let healthy = true;
  let timedOut = false;
  let tooLarge = false;
  let reported = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const release = (): void => {
    if (over) return;
    over = true;
    env.deadline.clear();
    env.release(healthy);
  };
  const report = (e: unknown): void => {
    reported = true;
    env.report(e);
  };
  /** A guest failure as the client sees it: 502 after a failed upstream request, else 500 (504 for a metered timeout). */
  const failed = (failure: unknown): Response => {
    healthy = false;
    release();
    if (tooLarge) return plain(413, 'Content Too Large');
    if (failure instanceof IsowasmError && failure.code === 'TIMEOUT') {
      report(failure);
      return plain(504, 'Gateway Timeout');
    }
    const upstream = env.upstreamFailure();
    const error = failure instanceof IsowasmError ? failure : failure instanceof Error && !(failure instanceof ComponentError) ? failure
      : new IsowasmError('BAD_RESPONSE', `the guest answered ${what} with an error-code instead of a response: ${json(failure instanceof ComponentError ? failure.payload : failure)}`, { cause: failure });
    if (upstream) {
      report(new IsowasmError('UPSTREAM_FAILED', `${error.message}, after ${upstream.message}`, { cause: error, details: upstream.details }));
      return plain(502, 'Bad Gateway');
    }
    report(error);
    return plain(500, 'Internal Server Error');
  };
  // registered first, so it runs before the races below see the deadline
  void env.deadline.passed.then(() => {
    if (over) return;
    timedOut = true;
    healthy = false;
    // a body on its way ends in an error rather than looking complete
    reader?.cancel(new HttpFailure({ tag: 'internal-error', val: 'the request went over its time limit' })).catch(() => {});
    // the guest waits on the host, or loops (stopped by its metered code): end it either way
    void env.instance.terminate().catch(() => {});
    report(env.timeoutError(reader ? 'did not finish its response body' : 'got no response'));
    release();
  });

  const body = request.body ? limitedBody(request.body, env.maxRequestBody, () => { tooLarge = true; }) : null;
  let answer: { ok: unknown } | { failed: unknown } | { timedOut: true };
  try {
    const incoming = incomingRequestP3(request, body);
    const call = Promise.resolve().then(() => handler.handle(incoming));
    answer = await Promise.race([
      call.then((ok) => ({ ok }), (e: unknown) => ({ failed: e })),
      env.deadline.passed.then(() => ({ timedOut: true as const })),
    ]);
  } catch (e) {
    return failed(e);
  }
  if (timedOut || 'timedOut' in answer) return plain(504, 'Gateway Timeout');
  if ('failed' in answer) return failed(answer.failed);
  const response = answer.ok;
  if (!(response instanceof P3Response)) return failed(new IsowasmError('BAD_RESPONSE', `the guest's handle returned ${typeof response} for ${what}, not a wasi:http@0.3 response`));

  let out: OutgoingP3;
  try {
    out = outgoingP3(response, {
      maxBytes: env.maxResponseBody,
      onTooLarge: (n) => {
        healthy = false;
        report(new IsowasmError('BODY_TOO_LARGE', `the guest's response to ${what} went over maxResponseBodyBytes (${env.maxResponseBody} bytes; at least ${n}); it was cut off`));
        return new HttpFailure({ tag: 'HTTP-response-body-size', val: n }, `the response body is longer than the server's limit of ${env.maxResponseBody} bytes`);
      },
    });
  } catch (e) {
    return failed(e);
  }
  void out.ended.then((code) => {
    // the client going away ends a body without the guest's fault
    if (code && code.tag !== 'connection-terminated') {
      healthy = false;
      if (!reported) report(new IsowasmError('BAD_RESPONSE', `the guest's response body to ${what} failed: ${describeErrorCode(code)}`, { details: code }));
    }
    release();
  });
  if (tooLarge) {
    await out.body?.cancel().catch(() => {});
    return failed(null);
  }
  if (!out.body) {
    if (reported) return plain(500, 'Internal Server Error');
    return new Response(null, { status: out.status, headers: out.headers });
  }

  // the head waits for the first bytes (or the end), so a body that fails before anything went
  // out is a clean 500 on every server, not a head and a cut connection
  reader = out.body.getReader();
  const head = await Promise.race([
    reader.read().then((r) => ({ r }), (e: unknown) => ({ e })),
    env.deadline.passed.then(() => ({ timedOut: true as const })),
  ]);
  if (timedOut || 'timedOut' in head) return plain(504, 'Gateway Timeout');
  if (tooLarge) {
    reader.cancel().catch(() => {});
    return failed(null);
  }
  if ('e' in head) {
    healthy = false;
    if (reported) return plain(500, 'Internal Server Error');
    const code: HttpErrorCode | null = head.e instanceof HttpFailure ? head.e.code : null;
    return failed(new IsowasmError('BAD_RESPONSE', `the guest's response body to ${what} failed before its first byte: ${code ? describeErrorCode(code) : String(head.e)}`, { cause: head.e }));
  }
  const first = head.r;
  const rest = reader;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(first.value);
    },
    async pull(controller) {
      try {
        const r = await rest.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        controller.error(e);
      }
    },
    cancel(reason) {
      return rest.cancel(reason);
    },
  }, { highWaterMark: 0 });
  const result = new Response(stream, { status: out.status, headers: out.headers });
  if (env.sendsTrailers) Object.defineProperty(result, RESPONSE_TRAILERS, { value: out.trailers });
  return result;
}
