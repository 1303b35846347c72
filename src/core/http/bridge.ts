/**
 * The Request/Response bridge of the incoming side: a WHATWG `Request` becomes the
 * `incoming-request` a `wasi:http/incoming-handler` guest receives, and the `outgoing-response`
 * it sets becomes a `Response` whose body streams from the guest's writes (never held whole:
 * the body pipe slows the guest down while the reader is behind).
 */
import { IsowasmError } from '../errors.js';
import { FORBIDDEN_FIELDS, byteString, headerPairs, receivedFields, toByteString } from '../wasi/http/fields.js';
import { HttpFailure } from '../wasi/http/errors.js';
import {
  type IncomingRequest, type OutgoingResponse, type Scheme, type TrailerSource, methodOf, newIncomingRequest, outgoingResponseParts,
} from '../wasi/http/types.js';

/**
 * Where a server adapter may leave the request's header pairs as they arrived (order and
 * repetition kept), which fetch's `Headers` sorts and joins; `createRequestListener` of
 * `isowasm/node` sets it.
 *
 * @example
 * ```ts
 * Object.defineProperty(request, RAW_HEADERS, { value: [['x-b', '1'], ['x-a', '2']] });
 * ```
 */
export const RAW_HEADERS: unique symbol = Symbol.for('isowasm.http.rawHeaders') as never;

/**
 * Where a server adapter that has request trailers puts a function giving them once the body has
 * ended (`createRequestListener` does: Node reads chunked trailers); the guest's
 * `incoming-body.finish` future then carries them. Set to anything on a Request, it also says the
 * adapter sends the response's trailers (see `RESPONSE_TRAILERS`).
 *
 * @example
 * ```ts
 * Object.defineProperty(request, TRAILERS, { value: () => [['x-checksum', 'abc']] });
 * ```
 */
export const TRAILERS: unique symbol = Symbol.for('isowasm.http.trailers') as never;

/**
 * On a Response `createFetchHandler` made for a request that carried `TRAILERS`: a function
 * giving the trailer pairs the guest finished its body with, once the body has been read to its
 * end (none: an empty list). fetch can't carry them; a server adapter sends them after the body.
 */
export const RESPONSE_TRAILERS: unique symbol = Symbol.for('isowasm.http.responseTrailers') as never;

/** Statuses whose responses have no body (fetch refuses one). */
export const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The `scheme` of a URL's protocol (`https:`).
 *
 * @example
 * ```ts
 * schemeOf('https:'); // { tag: 'HTTPS' }
 * ```
 */
export function schemeOf(protocol: string): Scheme {
  const name = protocol.replace(/:$/, '');
  if (name === 'http') return { tag: 'HTTP' };
  if (name === 'https') return { tag: 'HTTPS' };
  return { tag: 'other', val: name };
}

/**
 * The request's header pairs as a guest should see them: as they arrived when an adapter kept
 * them (else from `Headers`), without connection-level fields.
 *
 * @example
 * ```ts
 * const pairs = guestHeaderPairs(request);
 * ```
 */
export function guestHeaderPairs(request: Request): (readonly [string, string])[] {
  return requestHeaderPairs(request).filter(([name]) => !FORBIDDEN_FIELDS.has(name.toLowerCase()));
}

/** The request's header pairs: as they arrived when an adapter kept them, else from `Headers`. */
function requestHeaderPairs(request: Request): (readonly [string, string])[] {
  const raw = (request as unknown as Record<symbol, unknown>)[RAW_HEADERS];
  if (Array.isArray(raw) && raw.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) {
    return raw as [string, string][];
  }
  return headerPairs(request.headers);
}

/**
 * The `incoming-request` for a Request. Connection-level fields (`connection`, `host`,
 * `transfer-encoding`, ...) are left out, as wasmtime does: they are the host's, and the
 * authority carries the host. `body` replaces the request's own body (a counted copy, say; or all
 * of it, read already, for a synchronous instance).
 *
 * @example
 * ```ts
 * const incoming = incomingRequestOf(new Request('https://app.local/a?b=1'), null, true);
 * incoming.pathWithQuery(); // '/a?b=1'
 * ```
 */
export function incomingRequestOf(request: Request, body: ReadableStream<Uint8Array> | Uint8Array | null, async: boolean): IncomingRequest {
  const url = new URL(request.url);
  const pairs = guestHeaderPairs(request);
  const trailers = (request as unknown as Record<symbol, unknown>)[TRAILERS];
  return newIncomingRequest({
    ...(typeof trailers === 'function' ? { trailers: trailers as TrailerSource } : {}),
    method: methodOf(request.method),
    scheme: schemeOf(url.protocol),
    authority: url.host,
    pathWithQuery: url.pathname + url.search,
    headers: receivedFields(pairs.map(([n, v]) => [n, byteString(v)] as const)),
    body,
    async,
  });
}

/**
 * The Response for what a guest set: its status and headers (in order, each value apart), and a
 * body that streams while the guest writes it. Throws a `BAD_RESPONSE` IsowasmError when fetch
 * can't carry it (a 1xx status, say).
 *
 * @example
 * ```ts
 * const response = responseOf(outgoing);
 * ```
 */
export function responseOf(outgoing: OutgoingResponse, sendsTrailers = false): Response {
  const { status, headers, body } = outgoingResponseParts(outgoing);
  if (status < 200) {
    body?.fail(new HttpFailure({ tag: 'internal-error', val: 'a 1xx response can\'t be sent' }));
    throw new IsowasmError('BAD_RESPONSE', `the guest answered with status ${status}, which a fetch Response can't carry (a final status is 200 to 599)`);
  }
  const out = new Headers();
  for (const [name, value] of headers.entries()) out.append(name, toByteString(value));
  if (NULL_BODY.has(status)) {
    // a body the guest writes anyway goes nowhere; failing the pipe tells its writes so
    body?.fail(new HttpFailure({ tag: 'internal-error', val: `a ${status} response has no body` }));
    return new Response(null, { status, headers: out });
  }
  if (body) {
    body.acceptsTrailers = sendsTrailers;
    if (!sendsTrailers && body.trailers && body.trailers.entries().length > 0) {
      throw new IsowasmError('BAD_RESPONSE', 'the guest finished its response body with trailers, which this server can\'t send (a fetch Response has none; createRequestListener of isowasm/node sends them)');
    }
  }
  const response = new Response(body ? body.stream() : null, { status, headers: out });
  if (body && sendsTrailers) {
    const trailers = (): [string, string][] => (body.trailers ? body.trailers.entries().map(([n, v]) => [n, toByteString(v)]) : []);
    Object.defineProperty(response, RESPONSE_TRAILERS, { value: trailers });
  }
  return response;
}
