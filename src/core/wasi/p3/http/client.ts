/**
 * `wasi:http/client@0.3.0#send` over the same fetch adapter, allow-list and redirect handling as
 * WASI 0.2's outgoing handler (outgoing.ts): the request's contents stream into fetch as the
 * guest writes them (collected first where fetch can't stream uploads), the response's body
 * streams to the guest as it reads, and the request's transmission future says whether all of
 * it went out (a body shorter or longer than its Content-Length fails it with
 * `HTTP-request-body-size`).
 */
import { readWhole } from '../../../bytes.js';
import type { DenialReport } from '../../../host/capabilities.js';
import { type HttpErrorCode, HttpFailure, describeErrorCode } from '../../http/errors.js';
import { receivedFieldsOf } from '../../http/fields.js';
import {
  type OutgoingBodySource, type OutgoingEnv, canStreamRequestBodies, denier, failureCode, fetchFollowingRedirects, grantFor,
  outgoingTarget, requestUrl, responsePairs, timeLimits,
} from '../../http/outgoing.js';
import { declaredLength } from '../../http/parts.js';
import { type WatchedBody, watchBody } from './bodies.js';
import { Fields } from './fields.js';
import { Request, type Response, type TakenBody, newResponse, requestPartsOf, takeRequestBody } from './types.js';

const CLIENT = 'wasi:http/client';

/** The checks of WASI 0.3's request before the shared ones, as wasmtime and upstream's tests expect them. */
function checkP3Request(request: Request): void {
  const { pathWithQuery, scheme, method } = requestPartsOf(request);
  // 0.3 sends no request without a path (wasmtime refuses it; 0.2 took none as `/`)
  if (pathWithQuery === undefined) throw { tag: 'HTTP-request-URI-invalid' } satisfies HttpErrorCode;
  // a scheme no HTTP client speaks, or CONNECT (a tunnel, not a request fetch can make): the
  // exchange can't happen, as a server would say with a protocol error
  if (scheme?.tag === 'other' && !/^https?$/i.test(scheme.val)) throw { tag: 'HTTP-protocol-error' } satisfies HttpErrorCode;
  if (method.tag === 'connect') throw { tag: 'HTTP-protocol-error' } satisfies HttpErrorCode;
}

/** Fails a request before it was sent: its contents are cancelled and its transmission fails with `code`. */
function refuse(body: TakenBody, code: HttpErrorCode): never {
  body.contents?.cancel(new HttpFailure(code, describeErrorCode(code))).catch(() => {});
  body.settle({ tag: 'err', val: code });
  throw code;
}

/** The request's contents as fetch reads them, counted against the declared Content-Length. */
function outgoingContents(contents: ReadableStream<Uint8Array>, declared: bigint | null, method: string, bodyless: boolean): WatchedBody {
  let written = 0n;
  const sizeError = (): HttpFailure => new HttpFailure({ tag: 'HTTP-request-body-size', val: written },
    `the request body has ${written} bytes but its Content-Length says ${String(declared)}`);
  return watchBody(contents, {
    chunk: (bytes) => {
      if (bodyless) throw new HttpFailure({ tag: 'HTTP-request-method-invalid' }, `a ${method} request can't have a body`);
      written += BigInt(bytes.length);
      if (declared !== null && written > declared) throw sizeError();
    },
    end: () => {
      if (declared !== null && written !== declared) throw sizeError();
    },
  });
}

/**
 * Makes `send` of `wasi:http/client@0.3.0` for one instance granted outgoing HTTP.
 *
 * @example
 * ```ts
 * const send = clientSend({ policy: new HttpAllowList(['https://api.example.com']), fetch, report: console.warn, async: true });
 * const response = await send(request);
 * ```
 */
export function clientSend(env: OutgoingEnv): (request: Request) => Promise<Response> {
  const streamBodies = env.streamRequestBodies ?? env.fetch.streamsRequestBodies ?? canStreamRequestBodies();
  const deny = denier(env, CLIENT);

  return async function send(request: Request): Promise<Response> {
    if (!(request instanceof Request)) throw new TypeError('client.send needs a wasi:http@0.3 request');
    const parts = requestPartsOf(request);
    const body = takeRequestBody(request);
    let target: { url: URL; method: string };
    try {
      checkP3Request(request);
      target = outgoingTarget(env.policy, parts, deny);
    } catch (e) {
      return refuse(body, e as HttpErrorCode);
    }
    const { url, method } = target;
    const bodyless = method === 'GET' || method === 'HEAD';
    const controller = new AbortController();
    const abort = (code: HttpErrorCode): void => controller.abort(new HttpFailure(code, describeErrorCode(code)));

    let sent: Promise<HttpErrorCode | null> = Promise.resolve(null);
    let source: OutgoingBodySource | null = null;
    if (body.contents) {
      const watched = outgoingContents(body.contents, declaredLength(parts.headers), method, bodyless);
      sent = watched.ended;
      if (bodyless) {
        // fetch sends no body with GET or HEAD: an empty one is read here, bytes fail the request
        void readWhole(watched.stream).catch(() => {});
      } else {
        source = { finishedBytes: () => null, stream: () => watched.stream, bytes: () => readWhole(watched.stream) };
      }
    }
    // a trailers error ends the exchange at once; trailers themselves can't go out: fetch sends
    // none, and HTTP lets a hop drop them (RFC 9110, 6.5.1)
    const trailersDone = body.trailers.then((t): HttpErrorCode | null => {
      if (t.tag === 'err') {
        abort(t.val);
        return t.val;
      }
      return null;
    });
    void sent.then((code) => { if (code) abort(code); });

    const limits = timeLimits(parts.options && {
      connect: parts.options.getConnectTimeout(), firstByte: parts.options.getFirstByteTimeout(), betweenBytes: parts.options.getBetweenBytesTimeout(),
    });
    let res: globalThis.Response;
    try {
      res = await fetchFollowingRedirects(env, { url, method, headers: parts.headers, body: source, streamBodies }, controller, limits, deny);
    } catch (e) {
      // the body's own failure (a short body, say) is the reason when it has one
      const own = await Promise.race([sent, Promise.resolve(null)]);
      const code = own ?? failureCode(env, e, method, url);
      body.settle({ tag: 'err', val: code });
      throw code;
    }
    // transmitted: the body went out whole and the trailers came
    void Promise.all([sent, trailersDone]).then(([a, b]) => body.settle(a ?? b ? { tag: 'err', val: (a ?? b)! } : { tag: 'ok', val: undefined }));

    const headers = receivedFieldsOf(Fields, responsePairs(res));
    if (!res.body) return newResponse(res.status, { headers, contents: undefined, trailers: Promise.resolve({ tag: 'ok', val: undefined }) });
    const incoming = watchBody(res.body, { betweenBytesMs: limits.betweenBytesMs });
    // the guest stopped reading (or dropped the response): the rest is not fetched
    void incoming.ended.then((code) => { if (code) abort(code); });
    return newResponse(res.status, {
      headers,
      contents: incoming.stream,
      trailers: incoming.ended.then((code) => (code ? { tag: 'err', val: code } : { tag: 'ok', val: undefined })),
    });
  };
}

/**
 * `send` for an instance without the HTTP grant: every request fails with `HTTP-request-denied`
 * and is reported with the grant that would allow its origin.
 *
 * @example
 * ```ts
 * const send = deniedSend((d) => console.warn(d.detail));
 * ```
 */
export function deniedSend(report: (d: DenialReport) => void): (request: Request) => Promise<Response> {
  return async function send(request: Request): Promise<Response> {
    if (!(request instanceof Request)) throw new TypeError('client.send needs a wasi:http@0.3 request');
    const parts = requestPartsOf(request);
    let origin: string | null = null;
    try {
      origin = requestUrl(parts).origin;
    } catch {
      // not even a URL: the report names no origin
    }
    report({
      capability: 'http', interface: CLIENT,
      detail: `the guest sent an HTTP request${origin ? ` to ${origin}` : ''}, and outgoing HTTP was not granted`,
      grant: origin && origin !== 'null' ? grantFor(origin, null) : 'capabilities.http = { allow: [\'https://...\'] }',
    });
    return refuse(takeRequestBody(request), { tag: 'HTTP-request-denied' });
  };
}
