/**
 * `wasi:http/outgoing-handler#handle` over a fetch adapter. The allow-list is checked before
 * anything reaches the network; redirects are followed here, one hop at a time
 * (`redirect: 'manual'`), and every target is checked again before it is requested.
 */
import type { DenialReport } from '../../host/capabilities.js';
import { IsowasmError } from '../../errors.js';
import { type HttpErrorCode, HttpFailure, describeErrorCode, errorCodeOf } from './errors.js';
import { FORBIDDEN_FIELDS, type FieldStore, fieldPairs, headerPairs, receivedFields, toByteString } from './fields.js';
import type { Method, Scheme } from './parts.js';
import type { HttpAllowList } from '../../host/http-policy.js';
import type { FetchAdapter } from '../../host/platform.js';
import {
  type FutureIncomingResponse, type OutgoingRequest, RequestOptions, methodName,
  newFutureIncomingResponse, newIncomingResponse, outgoingRequestParts,
} from './types.js';


/** How many redirects are followed before the request fails with `loop-detected` (as browsers do, within reason). */
export const MAX_REDIRECTS = 10;
/** Default time limits (as wasmtime's): connect, first byte and between bytes, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Whether request bodies can be streamed (sent while the guest still writes them). Node's
 * fetch (undici), Deno and workerd stream a `ReadableStream` body with `duplex: 'half'` over
 * HTTP/1.1. Chromium accepts such a Request too but then sends it only over HTTP/2 or QUIC and
 * fails on HTTP/1.1 (and other browsers don't stream uploads at all), so in a page or a worker
 * the body is collected and sent when the guest finishes it: the request starts later, the
 * guest sees the same behaviour otherwise. (Node's fetch sends the request head together with
 * the first body chunk, so a guest must write before it waits for the response.)
 *
 * @example
 * ```ts
 * canStreamRequestBodies(); // true in Node, false in a page or a worker
 * ```
 */
export function canStreamRequestBodies(): boolean {
  return (streamsHere ??= detectRequestStreams());
}

let streamsHere: boolean | undefined;

function detectRequestStreams(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  if (g.document !== undefined || g.WorkerGlobalScope !== undefined) return false;
  try {
    let duplexRead = false;
    const init = {
      method: 'POST', body: new ReadableStream(),
      get duplex() {
        duplexRead = true;
        return 'half';
      },
    };
    const hasContentType = new Request('http://127.0.0.1/', init as RequestInit).headers.has('content-type');
    return duplexRead && !hasContentType;
  } catch {
    return false;
  }
}

/** What one instance's outgoing handler works with. */
export interface OutgoingEnv {
  readonly policy: HttpAllowList;
  readonly fetch: FetchAdapter;
  /** reports a refusal (once per capability and interface, by the host context) */
  readonly report: (d: DenialReport) => void;
  /** the instance waits with JSPI */
  readonly async: boolean;
  /** send request bodies as they are written (default: canStreamRequestBodies()) */
  readonly streamRequestBodies?: boolean;
  /** told when a request fails on the way (not when the allow-list refuses it) */
  readonly onFailure?: (e: IsowasmError) => void;
}

const refused = (): HttpErrorCode => ({ tag: 'HTTP-request-denied' });

/**
 * The grant that would allow `origin` (added to the allow-list's entries, if any), for messages.
 *
 * @example
 * ```ts
 * grantFor('https://evil.example', null); // "capabilities.http = { allow: ['https://evil.example'] }"
 * ```
 */
export function grantFor(origin: string | null, policy: HttpAllowList | null): string {
  if (origin === null) return 'no grant allows this URL: only http(s) URLs without a user name or password can be allowed';
  const list = [...(policy?.patterns.map((p) => p.source) ?? []), origin].map((s) => `'${s}'`).join(', ');
  return `capabilities.http = { allow: [${list}] }`;
}

/**
 * The absolute URL a request's parts name; throws the error-code when they don't make one (a
 * path can't move the request to another host: `//evil.example/x` stays a path).
 *
 * @example
 * ```ts
 * requestUrl({ scheme: { tag: 'HTTPS' }, authority: 'api.example.com', pathWithQuery: '/v1?x=1' }).href; // 'https://api.example.com/v1?x=1'
 * ```
 */
export function requestUrl(parts: { readonly scheme: Scheme | undefined; readonly authority: string | undefined; readonly pathWithQuery: string | undefined }): URL {
  const invalid = (): HttpErrorCode => ({ tag: 'HTTP-request-URI-invalid' });
  const s = parts.scheme;
  const scheme = s === undefined || s.tag === 'HTTPS' ? 'https' : s.tag === 'HTTP' ? 'http' : s.val.toLowerCase();
  if (parts.authority === undefined || parts.authority === '') throw invalid();
  const path = parts.pathWithQuery === undefined || parts.pathWithQuery === '' ? '/' : parts.pathWithQuery.startsWith('?') ? `/${parts.pathWithQuery}` : parts.pathWithQuery;
  if (!path.startsWith('/')) throw invalid();
  let url: URL;
  let base: URL;
  try {
    // the authority alone, then with the path: the path can't move the request to another host
    base = new URL(`${scheme}://${parts.authority}`);
    url = new URL(`${scheme}://${parts.authority}${path}`);
  } catch {
    throw invalid();
  }
  if (base.pathname !== '/' || base.search !== '' || base.hash !== '' || url.host !== base.host || url.username !== base.username || url.password !== base.password) throw invalid();
  return url;
}

/** The longest delay setTimeout keeps (a longer one would fire at once). */
const MAX_TIMER_MS = 0x7fffffff;

/** A request's transport timeouts, in nanoseconds (WASI's `request-options`). */
export interface RequestTimeouts {
  readonly connect?: bigint | undefined;
  readonly firstByte?: bigint | undefined;
  readonly betweenBytes?: bigint | undefined;
}

/** What the sender waits for, in milliseconds, and the error-code when the response head is late. */
export interface TimeLimits {
  readonly headersMs: number;
  readonly headersCode: HttpErrorCode;
  readonly betweenBytesMs: number;
}

/**
 * The time limits of a request with these timeouts (each unset one: DEFAULT_TIMEOUT_MS).
 *
 * @example
 * ```ts
 * timeLimits({ connect: 200_000_000n }); // { headersMs: 200, headersCode: { tag: "connection-timeout" }, betweenBytesMs: 600000 }
 * ```
 */
export function timeLimits(t: RequestTimeouts | undefined): TimeLimits {
  // nanoseconds (u64) to whole milliseconds, rounded up, at most what a timer can wait
  const ms = (ns: bigint | undefined): number | undefined => (ns === undefined ? undefined : Math.min(MAX_TIMER_MS / 2, Number((ns + 999_999n) / 1_000_000n)));
  const connect = ms(t?.connect);
  const firstByte = ms(t?.firstByte);
  const betweenBytesMs = ms(t?.betweenBytes) ?? DEFAULT_TIMEOUT_MS;
  // fetch does not say when the connection is up: the connect timeout bounds the wait for the
  // response headers together with the first-byte timeout (alone when that is not set)
  if (firstByte !== undefined) return { headersMs: firstByte + (connect ?? 0), headersCode: { tag: 'connection-read-timeout' }, betweenBytesMs };
  if (connect !== undefined) return { headersMs: connect, headersCode: { tag: 'connection-timeout' }, betweenBytesMs };
  return { headersMs: DEFAULT_TIMEOUT_MS, headersCode: { tag: 'connection-read-timeout' }, betweenBytesMs };
}

function timeouts(options: RequestOptions | undefined): TimeLimits {
  const o = options instanceof RequestOptions ? options : undefined;
  return timeLimits(o ? { connect: o.connectTimeout(), firstByte: o.firstByteTimeout(), betweenBytes: o.betweenBytesTimeout() } : undefined);
}

/** The fetch Headers for a request's fields: Content-Length is left to fetch, which computes it. */
function fetchHeaders(fields: FieldStore): Headers {
  const h = new Headers();
  for (const [name, value] of fieldPairs(fields)) {
    if (name === 'content-length' || FORBIDDEN_FIELDS.has(name)) continue;
    h.append(name, toByteString(value));
  }
  return h;
}

/** Encodings fetch decodes on its own: the guest gets decoded bytes, so their headers would lie. */
const DECODED_ENCODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd']);

/**
 * The header pairs of a response as a guest should see them: without hop-by-hop fields, and
 * without the encoding headers of a body fetch decoded.
 *
 * @example
 * ```ts
 * const headers = receivedFields(responsePairs(res));
 * ```
 */
export function responsePairs(res: Response): [string, string][] {
  const pairs = headerPairs(res.headers);
  const enc = res.headers.get('content-encoding')?.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'identity') ?? [];
  const decoded = enc.length > 0 && enc.every((e) => DECODED_ENCODINGS.has(e));
  // hop-by-hop fields describe our connection, not the response (and a guest could not set them again)
  return pairs.filter(([n]) => !FORBIDDEN_FIELDS.has(n) && !(decoded && (n === 'content-encoding' || n === 'content-length')));
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Methods fetch refuses to send. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** Headers fetch drops when a redirect changes the method to GET (fetch spec, "request-body-header name"). */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
/** Headers not carried to another origin on redirect. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * Makes the `handle` function of `wasi:http/outgoing-handler` for one instance.
 *
 * @example
 * ```ts
 * const handle = outgoingHandler({ policy: new HttpAllowList(['https://api.example.com']), fetch, report: console.warn, async: true });
 * ```
 */
export function outgoingHandler(env: OutgoingEnv): (request: OutgoingRequest, options?: RequestOptions) => FutureIncomingResponse {
  const streamBodies = env.streamRequestBodies ?? env.fetch.streamsRequestBodies ?? canStreamRequestBodies();
  const deny = denier(env);

  return function handle(request: OutgoingRequest, options?: RequestOptions): FutureIncomingResponse {
    const parts = outgoingRequestParts(request);
    const pipe = parts.body;
    const fail = (code: HttpErrorCode): never => {
      pipe?.fail(new HttpFailure(code, describeErrorCode(code)));
      throw code;
    };
    let target: { url: URL; method: string };
    try {
      target = outgoingTarget(env.policy, parts, deny);
    } catch (e) {
      return fail(e as HttpErrorCode);
    }
    const { url, method } = target;
    const noBody = method === 'GET' || method === 'HEAD';
    // fetch can't send a body with GET or HEAD: an empty one is fine (guests often finish one
    // anyway), bytes fail the request or the write
    if (pipe && noBody && !pipe.forbidBytes(new HttpFailure({ tag: 'HTTP-request-method-invalid' }, `a ${method} request can't have a body`))) {
      fail({ tag: 'HTTP-request-method-invalid' });
    }

    const controller = new AbortController();
    const { future, settle } = newFutureIncomingResponse(env.async, () => controller.abort(new HttpFailure({ tag: 'internal-error', val: 'the guest dropped the response future' })));
    const limits = timeouts(options);
    fetchFollowingRedirects(env, { url, method, headers: parts.headers, body: noBody ? null : pipe, streamBodies }, controller, limits, deny).then(
      (res) => {
        const body = res.body;
        settle({
          tag: 'ok',
          val: newIncomingResponse(res.status, receivedFields(responsePairs(res)), body, {
            async: env.async,
            betweenBytesMs: limits.betweenBytesMs,
            onCancel: () => controller.abort(new HttpFailure({ tag: 'internal-error', val: 'the guest dropped the response body' })),
          }),
        });
      },
      (e: unknown) => {
        const code = failureCode(env, e, method, url);
        pipe?.fail(new HttpFailure(code, describeErrorCode(code)));
        settle({ tag: 'err', val: code });
      },
    );
    return future;
  };
}

/** Reports a refusal of the allow-list and gives the error-code a guest sees for it. */
export type Deny = (detail: string, origin: string | null, grant?: string) => HttpErrorCode;

/**
 * The refusal reporter of one instance's outgoing requests.
 *
 * @example
 * ```ts
 * const deny = denier(env);
 * throw deny('the guest requested https://evil.example', 'https://evil.example');
 * ```
 */
export function denier(env: Pick<OutgoingEnv, 'report' | 'policy'>, iface = 'wasi:http/outgoing-handler'): Deny {
  return (detail, origin, grant) => {
    env.report({ capability: 'http', interface: iface, detail, grant: grant ?? grantFor(origin, env.policy) });
    return refused();
  };
}

/**
 * Where a request goes and with which method, checked before anything reaches the network: the
 * URL its parts make, the allow-list, methods fetch can't send. Throws the error-code otherwise.
 *
 * @example
 * ```ts
 * const { url, method } = outgoingTarget(policy, parts, denier(env));
 * ```
 */
export function outgoingTarget(
  policy: HttpAllowList,
  parts: { readonly method: Method; readonly scheme: Scheme | undefined; readonly authority: string | undefined; readonly pathWithQuery: string | undefined },
  deny: Deny,
): { url: URL; method: string } {
  const url = requestUrl(parts);
  // the allow-list, before anything else happens
  const verdict = policy.check(url);
  if (!verdict.allowed) throw deny(`the guest requested ${verdict.origin ?? 'a URL'}, but ${verdict.reason}`, verdict.origin);
  const method = methodName(parts.method);
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) throw { tag: 'HTTP-request-method-invalid' } satisfies HttpErrorCode;
  return { url, method };
}

/**
 * The error-code for a request that failed on the way, told to `env.onFailure` (a refusal was
 * reported already).
 *
 * @example
 * ```ts
 * fetching.catch((e) => settle({ tag: 'err', val: failureCode(env, e, 'GET', url) }));
 * ```
 */
export function failureCode(env: Pick<OutgoingEnv, 'onFailure'>, e: unknown, method: string, url: URL): HttpErrorCode {
  const code = errorCodeOf(e);
  if (code.tag !== 'HTTP-request-denied' && env.onFailure) {
    const detail = e instanceof Error && e.message ? e.message : describeErrorCode(code);
    env.onFailure(new IsowasmError('UPSTREAM_FAILED', `the guest's ${method} request to ${url.origin}${url.pathname} failed (${code.tag}): ${detail}`, { cause: e, details: code }));
  }
  return code;
}

/** A request body the sender reads: all of it, once the guest has finished it, or as a stream. */
export interface OutgoingBodySource {
  /** the whole body when the guest has finished it already (it can then be sent again on a redirect); else null */
  finishedBytes(): Uint8Array | null;
  /** the body as it is written */
  stream(): ReadableStream<Uint8Array>;
  /** the whole body once the guest has finished it (rejects as the body fails) */
  bytes(): Promise<Uint8Array>;
}

/** A request on its way to fetch. */
export interface OutgoingFetch {
  readonly url: URL;
  readonly method: string;
  readonly headers: FieldStore;
  readonly body: OutgoingBodySource | null;
  /** send the body as it is written (else collect it first) */
  readonly streamBodies: boolean;
}

/**
 * Sends a request through the fetch adapter, following redirects one hop at a time and checking
 * each target against the allow-list; resolves with the final response or rejects (map the
 * error with `errorCodeOf`). Aborting `controller` cancels it.
 *
 * @example
 * ```ts
 * const res = await fetchFollowingRedirects(env, { url, method: 'GET', headers, body: null, streamBodies: true }, new AbortController(), timeLimits(undefined), denier(env));
 * ```
 */
export async function fetchFollowingRedirects(
  env: Pick<OutgoingEnv, 'fetch' | 'policy'>, req: OutgoingFetch, controller: AbortController,
  limits: Pick<TimeLimits, 'headersMs' | 'headersCode'>, deny: Deny,
): Promise<Response> {
  let url = req.url;
  let method = req.method;
  const headers = fetchHeaders(req.headers);
  // the body: what the guest already finished is sent at once (and can be sent again on a 307/308)
  let replayable: Uint8Array | null = null;
  let streamed: ReadableStream<Uint8Array> | null = null;
  if (req.body) {
    replayable = req.body.finishedBytes();
    if (replayable === null) {
      if (req.streamBodies) streamed = req.body.stream();
      else replayable = await req.body.bytes();
    }
  }
  for (let hops = 0; ; hops++) {
    // credentials: 'omit': in a page, the guest must not ride on the user's cookies for the page's
    // own origin (and in Node there are none), so it behaves the same everywhere
    const init: RequestInit & { duplex?: 'half' } = { method, headers, redirect: 'manual', signal: controller.signal, credentials: 'omit' };
    if (streamed) {
      init.body = streamed;
      init.duplex = 'half';
    } else if (replayable) {
      init.body = replayable as Uint8Array<ArrayBuffer>;
    }
    const res = await withTimeout(env.fetch(new Request(url.href, init)), limits.headersMs, limits.headersCode, controller);
    if (res.type === 'opaqueredirect') {
      // a browser hides a redirect's target from scripts, so it can't be checked: not followed
      throw new HttpFailure(deny(`${url.origin} answered with a redirect, and the browser hides where to (fetch with redirect: 'manual' gives an opaque response), so the target can't be checked against the allow-list and was not requested`, null,
        'no grant: in a browser, request the final URL directly (and put its origin on capabilities.http.allow)'));
    }
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || location === null) return res;
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      await res.body?.cancel();
      throw new HttpFailure({ tag: 'HTTP-protocol-error' }, `the redirect location ${JSON.stringify(location)} is not a URL`);
    }
    // as fetch does: 303 (and 301/302 after POST) continue as a GET without the body
    const toGet = (res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST');
    // a streamed body can't be sent again: the guest gets the redirect itself
    if (!toGet && streamed) return res;
    await res.body?.cancel();
    if (hops + 1 > MAX_REDIRECTS) throw new HttpFailure({ tag: 'loop-detected' }, `more than ${MAX_REDIRECTS} redirects`);
    target.hash = '';
    const verdict = env.policy.check(target);
    if (!verdict.allowed) throw new HttpFailure(deny(`${url.origin} redirected the guest's request to ${verdict.origin ?? 'a URL'}, but ${verdict.reason}; the redirect was not followed`, verdict.origin));
    if (toGet) {
      method = 'GET';
      replayable = null;
      streamed = null;
      for (const h of BODY_HEADERS) headers.delete(h);
    }
    if (target.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
    url = target;
  }
}

/** Races a fetch against its time limit; on timeout the request is aborted with the error-code. */
async function withTimeout(p: Promise<Response>, ms: number, code: HttpErrorCode, controller: AbortController): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const f = new HttpFailure(code, `no response within ${ms} ms`);
      controller.abort(f);
      reject(f);
    }, ms);
  });
  try {
    return await Promise.race([p, timedOut]);
  } catch (e) {
    // an abort surfaces as the reason we aborted with
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    throw reason instanceof HttpFailure ? reason : e;
  } finally {
    clearTimeout(timer);
  }
}
