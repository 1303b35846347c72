/**
 * The Request/Response bridge for `wasi:http/handler@0.3.0` guests: a WHATWG `Request` becomes
 * the `request` the guest's `handle` receives (its body a stream the guest pulls, its trailers a
 * future resolved once the body has ended), and the `response` the guest returns becomes a
 * status, headers and a body that streams from the guest as the client reads, followed by the
 * guest's trailers where the server adapter sends them.
 */
import { IsowasmError } from '../errors.js';
import { type HttpErrorCode, HttpFailure } from '../wasi/http/errors.js';
import { byteString, fieldPairs, receivedFieldsOf, toByteString } from '../wasi/http/fields.js';
import { declaredLength, methodOf } from '../wasi/http/parts.js';
import {
  Fields, type Request as P3Request, type Response as P3Response, type TrailersResult, emptyBody, newIncomingRequest, responsePartsOf,
  takeResponseBody, watchBody,
} from '../wasi/p3/http/index.js';
import { NULL_BODY, TRAILERS, guestHeaderPairs, schemeOf } from './bridge.js';

/**
 * The `request` for a Request; `body` replaces the request's own (a counted copy, say). Its
 * trailers come from the server adapter (`TRAILERS`) once the body has ended.
 *
 * @example
 * ```ts
 * const request = incomingRequestP3(new Request('https://app.local/a?b=1'), null);
 * ```
 */
export function incomingRequestP3(request: Request, body: ReadableStream<Uint8Array> | null): P3Request {
  const url = new URL(request.url);
  const source = (request as unknown as Record<symbol, unknown>)[TRAILERS];
  const trailerPairs = typeof source === 'function' ? source as () => readonly (readonly [string, string])[] | undefined : null;
  let contents: ReadableStream<Uint8Array> | undefined;
  let trailers: Promise<TrailersResult> = Promise.resolve({ tag: 'ok', val: undefined });
  if (body) {
    const watched = watchBody(body);
    contents = watched.stream;
    trailers = watched.ended.then((code): TrailersResult => {
      if (code) return { tag: 'err', val: code };
      const pairs = trailerPairs?.() ?? [];
      return { tag: 'ok', val: pairs.length > 0 ? receivedFieldsOf(Fields, pairs) : undefined };
    });
  }
  return newIncomingRequest({
    method: methodOf(request.method),
    scheme: schemeOf(url.protocol),
    authority: url.host,
    pathWithQuery: url.pathname + url.search,
    headers: receivedFieldsOf(Fields, guestHeaderPairs(request).map(([n, v]) => [n, byteString(v)] as const)),
    contents,
    trailers,
  });
}

/** What the guest answered, ready for a Response. */
export interface OutgoingP3 {
  readonly status: number;
  readonly headers: Headers;
  /** the body as the guest writes it (null: a status without one) */
  readonly body: ReadableStream<Uint8Array> | null;
  /** the guest's trailer pairs, once the body has been read to its end (none: empty) */
  readonly trailers: () => [string, string][];
  /** how the body ended: delivered with its trailers (null), or why not */
  readonly ended: Promise<HttpErrorCode | null>;
}

/** Options of `outgoingP3`. */
export interface OutgoingP3Options {
  /** the most body bytes the guest may send; past it the body fails with what `onTooLarge` returns */
  readonly maxBytes?: number;
  readonly onTooLarge?: (written: bigint) => HttpFailure;
}

/**
 * Takes the `response` a guest returned: status and headers (each value apart, in order), and a
 * body that is checked against the declared `content-length` and `maxBytes` as it streams and
 * ends once the guest's trailers have come (a trailers error fails the body). The guest's
 * transmission future says how it went. Throws a `BAD_RESPONSE` IsowasmError when fetch can't
 * carry the status.
 *
 * @example
 * ```ts
 * const { status, headers, body } = outgoingP3(response);
 * return new Response(body, { status, headers });
 * ```
 */
export function outgoingP3(response: P3Response, options: OutgoingP3Options = {}): OutgoingP3 {
  const { status, headers } = responsePartsOf(response);
  const taken = takeResponseBody(response);
  const refuse = (why: string): never => {
    const code: HttpErrorCode = { tag: 'internal-error', val: why };
    taken.contents?.cancel(new HttpFailure(code, why)).catch(() => {});
    taken.settle({ tag: 'err', val: code });
    throw new IsowasmError('BAD_RESPONSE', why);
  };
  if (status < 200) refuse(`the guest answered with status ${status}, which a fetch Response can't carry (a final status is 200 to 599)`);
  const out = new Headers();
  for (const [name, value] of fieldPairs(headers)) out.append(name, toByteString(value));
  let trailerPairs: [string, string][] = [];
  const trailers = (): [string, string][] => trailerPairs;
  if (NULL_BODY.has(status)) {
    // a body the guest writes anyway goes nowhere
    taken.contents?.cancel(new HttpFailure({ tag: 'internal-error', val: `a ${status} response has no body` })).catch(() => {});
    taken.settle({ tag: 'ok', val: undefined });
    return { status, headers: out, body: null, trailers, ended: Promise.resolve(null) };
  }
  const declared = declaredLength(headers);
  const max = options.maxBytes === undefined || options.maxBytes === Infinity ? null : BigInt(options.maxBytes);
  if (declared !== null && max !== null && declared > max) {
    taken.contents?.cancel().catch(() => {});
    const f = options.onTooLarge?.(declared) ?? new HttpFailure({ tag: 'HTTP-response-body-size', val: declared });
    taken.settle({ tag: 'err', val: f.code });
    return { status, headers: out, body: null, trailers, ended: Promise.resolve(f.code) };
  }
  let written = 0n;
  const watched = watchBody(taken.contents ?? emptyBody(), {
    chunk: (bytes) => {
      written += BigInt(bytes.length);
      if (max !== null && written > max) throw options.onTooLarge?.(written) ?? new HttpFailure({ tag: 'HTTP-response-body-size', val: written });
      if (declared !== null && written > declared) {
        throw new HttpFailure({ tag: 'HTTP-response-body-size', val: written }, `the response body is longer than its Content-Length of ${declared} bytes`);
      }
    },
    end: async () => {
      if (declared !== null && written !== declared) {
        throw new HttpFailure({ tag: 'HTTP-response-body-size', val: written }, `the response body has ${written} bytes but its Content-Length says ${declared}`);
      }
      const t = await taken.trailers;
      if (t.tag === 'err') throw new HttpFailure(t.val, 'the guest ended its response body with an error');
      // a server that can't send trailers (fetch has none) drops them, as HTTP lets a hop do
      if (t.val) trailerPairs = fieldPairs(t.val).map(([n, v]) => [n, toByteString(v)]);
    },
    cancelled: { tag: 'connection-terminated' },
  });
  void watched.ended.then((code) => taken.settle(code ? { tag: 'err', val: code } : { tag: 'ok', val: undefined }));
  return { status, headers: out, body: watched.stream, trailers, ended: watched.ended };
}
