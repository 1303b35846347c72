/**
 * `createFetchHandler`: a `wasi:http/incoming-handler` component as a standard
 * `(request: Request) => Promise<Response>`, for any place that speaks fetch (a Node server through
 * `createRequestListener`, a Service Worker, Deno/Bun `serve`, workerd's `export default { fetch }`).
 * Everything a guest does wrong ends as a short 500 and an `onError` report, and the handler keeps
 * serving; an instance whose request failed is never used again.
 */
import { readWhole } from '../bytes.js';
import { IsowasmError } from '../errors.js';
import type { Capabilities } from '../host/capabilities.js';
import { type InstanceLimits, resolveLimits } from '../limits.js';
import { HttpFailure } from '../wasi/http/errors.js';
import { Deadline, TIMED_OUT, asIsowasmError, json, limitedBody, plain } from './serving.js';
import { type OutgoingResponse, newResponseOutparam, outgoingResponseParts } from '../wasi/http/types.js';
import type { BodyPipe } from '../wasi/http/body.js';
import { TRAILERS, incomingRequestOf, responseOf } from './bridge.js';
import { SYNC_BODY_LIMIT, isSynchronous } from './sync-mode.js';
import { type InstancePolicy, InstancePool, type PooledInstance } from './pool.js';
import { HANDLER_P3, handlerP3, serveP3 } from './serve-p3.js';

/**
 * What `createFetchHandler` needs of a component: a `Component` from `loadComponent` is one.
 * (Structural, so this room needs nothing of the loader.)
 */
export interface HttpComponent {
  instantiate(options: Record<string, unknown>): Promise<PooledInstance>;
  /** its exports' descriptions, to refuse a component that serves no requests at once */
  readonly exports?: readonly { readonly name: string }[];
}

/**
 * The limits of `createFetchHandler`: each instance's (`InstanceLimits`), and each request's
 * wall-clock deadline.
 *
 * @example
 * ```ts
 * createFetchHandler(component, { limits: { timeoutMs: 10_000, memoryBytes: 64 * 2 ** 20 } });
 * ```
 */
export interface RequestLimits extends InstanceLimits {
  /**
   * The deadline of each request, in milliseconds (default: none): the instance's `timeoutMs`
   * (which stops a guest looping in its own code), and the handler's own timer for a guest
   * waiting on the host.
   */
  readonly timeoutMs?: number;
}

/**
 * Options of `createFetchHandler`: the instance options of `instantiate` (grants, imports,
 * limits, platform) for every instance, and the handler's own policy.
 *
 * @example
 * ```ts
 * const handle = createFetchHandler(component, {
 *   capabilities: { http: { allow: ['https://api.example.com'] } },
 *   instances: { reuse: 50, max: 8 },
 *   maxConcurrentRequests: 256,
 *   maxRequestBodyBytes: 10 * 2 ** 20,
 *   limits: { timeoutMs: 10_000, memoryBytes: 128 * 2 ** 20 },
 *   onError: (error, request) => console.error(request.url, error.code, error.message),
 * });
 * ```
 */
export interface FetchHandlerOptions {
  /** What each instance may reach (deny by default), as in `instantiate`; outgoing HTTP from the handler goes through `capabilities.http`. */
  readonly capabilities?: Capabilities;
  /** Host imports, as in `instantiate`. */
  readonly imports?: Record<string, unknown>;
  /** As in `instantiate` (default: console.warn). */
  readonly onCapabilityDenied?: (error: IsowasmError) => void;
  /**
   * Limits: those of `instantiate` for each instance (`memoryBytes` caps each guest memory, so a
   * request can't grow one past it), and `timeoutMs`, the wall-clock deadline of each request,
   * from its arrival until the guest's `handle` returns (writing the body at the client's pace
   * included). Past it the client gets 504 (or, if the response has started, a body that ends in
   * an error), `onError` a `TIMEOUT` error, and the instance is ended: a guest waiting on the host
   * (a request body, an upstream, a timer) unwinds at once, and one looping in its own code is
   * stopped by its metered code (see `InstanceLimits.timeoutMs`).
   */
  readonly limits?: RequestLimits;
  /**
   * The `Platform` serving grants and workers (default: the component's). Where the runtime has
   * no JSPI, its workers run the guests; without either, instances are synchronous (see
   * `createFetchHandler`).
   */
  readonly platform?: unknown;
  /** How instances are made and reused (default: a fresh instance per request). */
  readonly instances?: InstancePolicy;
  /** Requests served at once; more get 503 with `retry-after` (default 1024). */
  readonly maxConcurrentRequests?: number;
  /** The longest request body; a longer one gets 413 (default: no limit). */
  readonly maxRequestBodyBytes?: number;
  /**
   * The longest response body the guest may send (default: no limit). A longer declared
   * `content-length` is a 500; a guest that writes past it gets the `HTTP-response-body-size`
   * error on its write, the client a body that ends in an error, `onError` a `BODY_TOO_LARGE`
   * error, and the instance is not reused.
   */
  readonly maxResponseBodyBytes?: number;
  /** The `retry-after` of a 503, in seconds (default 1). */
  readonly retryAfterSeconds?: number;
  /**
   * Called for each request the guest failed (a trap, no response, an invalid one), with an
   * IsowasmError and the request; the client got a short 500 (default: console.error).
   */
  readonly onError?: (error: IsowasmError, request: Request) => void;
}

/**
 * A fetch handler: call it with a Request. `close()` refuses new requests (503), ends the idle
 * instances and resolves once the requests in flight have finished.
 */
export interface FetchHandler {
  (request: Request): Promise<Response>;
  /** Requests being served now (until their response body has been written). */
  readonly inFlight: number;
  /** Instances alive now. */
  readonly instances: number;
  close(): Promise<void>;
  /**
   * Does now what the first request would otherwise wait for (the warm spares, or one
   * instantiation, which compiles the component for these limits); rejects if the component
   * can't be instantiated with these options. `serve` calls it before it listens.
   */
  warmUp(): Promise<void>;
}

const INCOMING_HANDLER = 'wasi:http/incoming-handler';

/**
 * Whether an export's name is one `createFetchHandler` serves requests with: WASI 0.2's
 * `wasi:http/incoming-handler`, or 0.3's `wasi:http/handler@0.3.x`.
 *
 * @example
 * ```ts
 * servesHttp('wasi:http/handler@0.3.0'); // true
 * ```
 */
export function servesHttp(name: string): boolean {
  return name === INCOMING_HANDLER || name.startsWith(`${INCOMING_HANDLER}@`) || name.startsWith(`${HANDLER_P3}@0.3.`);
}

/**
 * Turns a `wasi:http/incoming-handler` component into a fetch handler. Each request goes to an
 * instance (a fresh one by default; see `instances`), whose `handle` receives the method
 * (extension methods too), scheme, authority, path with query, headers (each value apart, in the
 * order they arrived where the server adapter keeps it; connection-level fields such as `host`
 * and `connection` are left out, as wasi:http says) and the body as a stream; the Response it
 * sets streams back while the guest writes it, with its status and headers (`content-length`
 * kept and checked against the bytes the guest writes).
 *
 * Instances wait with JSPI (Node 24+, Deno, Bun, workerd, Chromium), so the guest reads the
 * request body as it arrives; outgoing requests from the handler go through `capabilities.http`.
 * Where the runtime lacks JSPI, each instance runs in a worker that blocks in `Atomics.wait`
 * while this thread does the I/O (the 'worker' strategy: Node 20, cross-origin isolated pages),
 * which costs a worker start per fresh instance (`instances: { warm: 1 }` hides it). With
 * neither (Safari or Firefox outside a cross-origin isolated page), instances are synchronous:
 * the request body is read whole before the guest runs (at most `maxRequestBodyBytes`, else
 * 16 MiB), the response body collects until the guest returns, and a handler granted outgoing
 * HTTP answers every request with a 500 whose `onError` says `UNSUPPORTED` (the guest can't wait
 * for the network).
 *
 * A guest trap, a response never set (or its outparam dropped), an error-code set instead, or a
 * status fetch can't carry: a 500 with a short body, `onError(error, request)`, and the instance
 * is dropped. Over `maxConcurrentRequests`: 503 with `retry-after`; a body over
 * `maxRequestBodyBytes`: 413.
 *
 * @example
 * ```ts
 * import { loadComponent, createFetchHandler } from 'isowasm';
 * const component = await loadComponent(new URL('./app.wasm', import.meta.url));
 * const handle = createFetchHandler(component, { capabilities: { http: { allow: ['https://api.example.com'] } } });
 * const response = await handle(new Request('https://app.local/api/notes?limit=10'));
 * console.log(response.status, await response.text());
 * ```
 */
export function createFetchHandler(component: HttpComponent, options: FetchHandlerOptions = {}): FetchHandler {
  if (typeof component !== 'object' || component === null || typeof component.instantiate !== 'function') {
    throw new TypeError('createFetchHandler(component, options): component must be a loaded Component');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('createFetchHandler(component, options): options must be an object');
  const described = component.exports;
  if (described && !described.some((e) => servesHttp(e.name))) {
    throw new IsowasmError('LINK_ERROR', `the component exports no ${INCOMING_HANDLER} (WASI 0.2) or ${HANDLER_P3}@0.3 (it exports ${described.map((e) => e.name).join(', ') || 'nothing'}), so it can't serve HTTP requests`);
  }
  const maxConcurrent = options.maxConcurrentRequests ?? 1024;
  if (!(maxConcurrent >= 1)) throw new TypeError('createFetchHandler: maxConcurrentRequests must be at least 1');
  const maxBody = options.maxRequestBodyBytes ?? Infinity;
  if (!(maxBody >= 0)) throw new TypeError('createFetchHandler: maxRequestBodyBytes must be 0 or more');
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const onError = options.onError ?? ((e: IsowasmError) => console.error(`isowasm: ${e.message}`));
  const report = (e: unknown, request: Request): void => {
    try {
      onError(asIsowasmError(e), request);
    } catch {
      // a failing logger must not take the server down
    }
  };

  const instanceLimits: RequestLimits = options.limits ?? {};
  // checked as instantiate checks them, now rather than at the first request
  const deadlineMs = resolveLimits(instanceLimits).timeoutMs ?? Infinity;
  const maxResponse = options.maxResponseBodyBytes ?? Infinity;
  if (!(maxResponse >= 0)) throw new TypeError('createFetchHandler: maxResponseBodyBytes must be 0 or more');

  const instanceOptions: Record<string, unknown> = {
    ...(options.imports ? { imports: options.imports } : {}),
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    ...(options.onCapabilityDenied ? { onCapabilityDenied: options.onCapabilityDenied } : {}),
    ...(Object.keys(instanceLimits).length > 0 ? { limits: instanceLimits } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    // the guest's body reads and outgoing requests wait for the host: JSPI suspends it where the
    // runtime has it (Node 24+, Deno, Bun, workerd, Chromium); elsewhere 'auto' runs the guest in a
    // worker that blocks in Atomics.wait (Node 20), or makes a synchronous instance (sync-mode.ts)
    async: true,
    strategy: 'auto',
  };
  /** the last outgoing request of each instance's current request that failed on the way, for 502 */
  const upstream = new WeakMap<PooledInstance, { failure: IsowasmError | null }>();
  /** with `instances.reset`: whether instances are made resettable (until the component refuses) */
  let resettable = options.instances?.reset === true;
  const resettables = new WeakSet<PooledInstance>();
  const create = async (): Promise<PooledInstance> => {
    const seen: { failure: IsowasmError | null } = { failure: null };
    const made = { ...instanceOptions, onOutgoingError: (e: IsowasmError) => { seen.failure = e; } };
    let instance: PooledInstance;
    if (resettable) {
      try {
        instance = await component.instantiate({ ...made, resettable: true });
        resettables.add(instance);
      } catch (e) {
        if (!(e instanceof IsowasmError && e.code === 'UNSUPPORTED')) throw e;
        // the component (or the strategy) can't be reset: a fresh instance per request, said once
        resettable = false;
        console.warn(`isowasm: instances.reset: ${e.message}; each request gets a fresh instance instead`);
        instance = await component.instantiate(made);
      }
    } else instance = await component.instantiate(made);
    if (handlerP3(instance.exports) && (instance as { strategy?: unknown }).strategy === 'worker') {
      // its request and response are host objects with streams, which don't cross to a worker
      await instance.terminate().catch(() => {});
      throw new IsowasmError('UNSUPPORTED', 'a wasi:http/handler@0.3.0 component is served with JavaScript Promise Integration (Node 24+, Deno, Bun, workerd, Chromium); this runtime lacks it, so its instances would run in workers (the \'worker\' strategy), which can\'t carry a 0.3 request');
    }
    upstream.set(instance, seen);
    return instance;
  };
  const pool = new InstancePool(create, options.instances ?? {}, maxConcurrent, (i) => resettables.has(i));
  let inFlight = 0;
  let closed = false;
  const idle: (() => void)[] = [];
  const finished = (): void => {
    inFlight--;
    if (inFlight === 0) for (const w of idle.splice(0)) w();
  };
  const timeoutError = (request: Request, what: string): IsowasmError =>
    new IsowasmError('TIMEOUT', `${request.method} ${request.url} ${what} within limits.timeoutMs (${deadlineMs} ms); the instance was ended`);

  /** Serves one counted request, and ends its count exactly once: at once, or when the guest's call ends. */
  async function serve(request: Request): Promise<Response> {
    let tooLarge = false;
    const declared = request.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBody) {
      await request.body?.cancel().catch(() => {});
      finished();
      return plain(413, 'Content Too Large');
    }
    if (request.signal.aborted) {
      // the client went away while the request waited in line: no instance for nobody
      finished();
      return plain(499, 'Client Closed Request');
    }
    const deadline = new Deadline(deadlineMs);
    let slot: Awaited<ReturnType<InstancePool['acquire']>>;
    try {
      const acquiring = pool.acquire();
      const got = await Promise.race([acquiring, deadline.passed]);
      if (got === TIMED_OUT) {
        // the instance still comes: unused, it goes back to the pool as a fresh one
        acquiring.then((s) => pool.giveBack(s), () => {});
        finished();
        report(timeoutError(request, 'got no instance'), request);
        return plain(504, 'Gateway Timeout');
      }
      slot = got;
    } catch (e) {
      deadline.clear();
      finished();
      report(e, request);
      return plain(500, 'Internal Server Error');
    }
    const seen = upstream.get(slot.instance);
    if (seen) seen.failure = null;
    const p3 = handlerP3(slot.instance.exports);
    if (p3) {
      return serveP3(request, p3, {
        instance: slot.instance, deadline, maxRequestBody: maxBody, maxResponseBody: maxResponse, sendsTrailers: TRAILERS in request,
        upstreamFailure: () => seen?.failure ?? null,
        report: (e) => report(e, request),
        timeoutError: (what) => timeoutError(request, what),
        release: (healthy) => {
          pool.release(slot, healthy);
          finished();
        },
      });
    }
    let healthy = true;
    let pipe: BodyPipe | null = null;
    let timedOut = false;
    let callEnded = false;
    // registered before the race below, so it runs first when the deadline passes
    void deadline.passed.then(() => {
      if (callEnded) return;
      timedOut = true;
      healthy = false;
      // a body already on its way ends in an error rather than looking complete
      pipe?.fail(new HttpFailure({ tag: 'internal-error', val: 'the request went over its time limit' }));
      // the guest waits in a host call (it can't be stopped inside its own code yet): end that wait
      void slot.instance.terminate().catch(() => {});
      report(timeoutError(request, pipe ? 'did not finish its response body' : 'got no response'), request);
    });
    try {
      const handler = slot.instance.exports[INCOMING_HANDLER] as { handle?: (req: unknown, out: unknown) => unknown } | undefined;
      if (typeof handler?.handle !== 'function') throw new IsowasmError('LINK_ERROR', `the instance exports no ${INCOMING_HANDLER}#handle`);
      // a synchronous instance (no JSPI, no workers) gets the whole body before the call (sync-mode.ts)
      const sync = isSynchronous(slot.instance);
      const body = request.body ? limitedBody(request.body, sync ? options.maxRequestBodyBytes ?? SYNC_BODY_LIMIT : maxBody, () => { tooLarge = true; }) : null;
      const whole = sync ? await readWhole(body).catch((e: unknown) => ({ failed: e })) : null;
      if (whole && 'failed' in whole) {
        callEnded = true;
        deadline.clear();
        pool.release(slot, true);
        finished();
        if (tooLarge) return plain(413, 'Content Too Large');
        report(whole.failed, request);
        return plain(500, 'Internal Server Error');
      }
      const incoming = incomingRequestOf(request, whole ?? body, !sync);
      const { outparam, response } = newResponseOutparam();
      const call = Promise.resolve().then(() => handler.handle!(incoming, outparam));
      // the guest may keep writing the body after it set the response: the call's end is the request's end
      const ended = call.then(() => null, (e: unknown) => ({ error: e }));
      /** how the call ended, once it has (undefined before) */
      let outcome: { error: unknown } | null | undefined;
      void ended.then((r) => { outcome = r; });
      const first = await Promise.race([
        response.then((r) => ({ set: r })),
        ended.then((r) => ({ returned: r })),
        deadline.passed.then(() => ({ timedOut: true as const })),
      ]);
      let set: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: unknown } | undefined;
      if ('set' in first) set = first.set;
      else if ('returned' in first) {
        // a response set just before the return wins the race above only by a microtask: look again
        set = await Promise.race([response, Promise.resolve(undefined)]);
      }
      let result: Response;
      let failure: unknown = null;
      let overLimit = false;
      if (timedOut) {
        result = plain(504, 'Gateway Timeout');
      } else if (set?.tag === 'ok') {
        pipe = outgoingResponseParts(set.val).body;
        const fits = !pipe || maxResponse === Infinity || pipe.limit(maxResponse, (n) => {
          overLimit = true;
          healthy = false;
          report(new IsowasmError('BODY_TOO_LARGE', `the guest's response to ${request.method} ${request.url} went over maxResponseBodyBytes (${maxResponse} bytes; at least ${n}); it was cut off`), request);
          return new HttpFailure({ tag: 'HTTP-response-body-size', val: n }, `the response body is longer than the server's limit of ${maxResponse} bytes`);
        });
        try {
          result = responseOf(set.val, TRAILERS in request);
        } catch (e) {
          failure = e;
          result = plain(500, 'Internal Server Error');
        }
        if (!fits) {
          await result.body?.cancel().catch(() => {});
          result = plain(500, 'Internal Server Error');
        } else if (!failure && pipe) {
          // the head waits for the first bytes (or the end), so a body that is lost before the head
          // goes (the guest failed, or returned without finishing it) is a clean 500 (or 502) on
          // every server, not a head and a cut connection: Deno's, Bun's and workerd's servers send
          // the head as soon as they have the Response
          await Promise.race([pipe.started(), ended, deadline.passed]);
          const unstarted = pipe.state === 'failed' || (pipe.state === 'open' && outcome !== undefined);
          if (timedOut) {
            result = plain(504, 'Gateway Timeout');
          } else if (unstarted && !overLimit) {
            await result.body?.cancel().catch(() => {});
            result = plain(500, 'Internal Server Error');
            failure = outcome?.error
              ?? (outcome === undefined
                ? new IsowasmError('BAD_RESPONSE', `the guest's response body to ${request.method} ${request.url} failed before its first byte: ${pipe.failure?.message ?? 'no reason given'}`, { cause: pipe.failure ?? undefined })
                : new IsowasmError('BAD_RESPONSE', `the guest returned from handling ${request.method} ${request.url} without finishing the response body`));
          } else if (unstarted) {
            result = plain(500, 'Internal Server Error');
          }
        }
      } else {
        const thrown = 'returned' in first ? first.returned : null;
        failure = thrown ? thrown.error
          : set ? new IsowasmError('BAD_RESPONSE', `the guest answered ${request.method} ${request.url} with an error-code instead of a response: ${json(set.val)}`)
          : null;
        result = plain(500, 'Internal Server Error');
      }
      if (tooLarge) {
        await result.body?.cancel().catch(() => {});
        result = plain(413, 'Content Too Large');
        failure = null;
      }
      if (failure) {
        healthy = false;
        // the meter stopped a guest that ran past the deadline in its own code
        if (failure instanceof IsowasmError && failure.code === 'TIMEOUT' && result.status === 500) result = plain(504, 'Gateway Timeout');
        if (seen?.failure && result.status === 500) {
          // the guest failed after its own upstream did: the gateway's error, with both reasons
          result = plain(502, 'Bad Gateway');
          report(new IsowasmError('UPSTREAM_FAILED', `${asIsowasmError(failure).message}, after ${seen.failure.message}`, { cause: failure, details: seen.failure.details }), request);
        } else {
          report(failure, request);
        }
      }
      const reported = failure !== null || timedOut || overLimit;
      void ended.then((r) => {
        callEnded = true;
        deadline.clear();
        if (r) {
          healthy = false;
          // the response has started: its body ends in an error rather than looking complete
          pipe?.fail(new HttpFailure({ tag: 'internal-error', val: 'the guest failed while writing the body' }));
          if (!reported && !timedOut && !overLimit) report(r.error, request);
        } else if (timedOut) {
          healthy = false;
        } else if (set === undefined) {
          healthy = false;
          report(new IsowasmError('BAD_RESPONSE', `the guest returned from handling ${request.method} ${request.url} without setting a response (or dropped its response-outparam)`), request);
        } else if (pipe?.state === 'open') {
          // the guest can't write any more once handle returned: the body would never end
          healthy = false;
          pipe.fail(new HttpFailure({ tag: 'internal-error', val: 'the guest returned without finishing the response body' }));
          report(new IsowasmError('BAD_RESPONSE', `the guest returned from handling ${request.method} ${request.url} without finishing the response body`), request);
        }
        if (pipe?.state === 'failed') healthy = false;
        pool.release(slot, healthy);
        finished();
      });
      return result;
    } catch (e) {
      callEnded = true;
      deadline.clear();
      pool.release(slot, false);
      finished();
      report(e, request);
      return plain(500, 'Internal Server Error');
    }
  }

  const handle = async (request: Request): Promise<Response> => {
    if (!(request instanceof Request)) throw new TypeError('the fetch handler takes a Request');
    if (closed) return plain(503, 'Service Unavailable', { 'retry-after': retryAfter });
    if (inFlight >= maxConcurrent) return plain(503, 'Service Unavailable', { 'retry-after': retryAfter });
    inFlight++;
    return serve(request);
  };
  return Object.defineProperties(handle, {
    inFlight: { get: () => inFlight },
    instances: { get: () => pool.live },
    warmUp: { value: (): Promise<void> => pool.warmUp() },
    close: {
      value: (): Promise<void> => {
        closed = true;
        pool.close();
        return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
      },
    },
  }) as FetchHandler;
}
