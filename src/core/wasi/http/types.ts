/**
 * The resources of `wasi:http/types` (both sides: a guest sending requests and a guest serving
 * them), as classes in jco's shape: methods in camelCase, `[static]` functions as static methods,
 * `result` errors thrown. The host reaches their state through the functions exported below
 * (`outgoingRequestParts`, `newIncomingResponse`, ...), never through extra methods, so a guest
 * sees exactly the WIT surface.
 */
import { BodyPipe, HttpInputStream, HttpOutputStream, StreamSource, type StreamSourceOptions } from './body.js';
import type { HttpErrorCode } from './errors.js';
import { HttpFailure } from './errors.js';
import { IsowasmError } from '../../errors.js';
import { Fields, lockFields, receivedFields } from './fields.js';
import { type Method, type Result, type Scheme, declaredLength, validAuthority, validMethod, validPathWithQuery, validScheme } from './parts.js';
import { type OutputStream, Pollable, type InputStream } from '../io.js';
import { symbolDispose } from '../../dispose.js';


/** Only this module constructs the resources a guest can't construct. */
const INTERNAL: unique symbol = Symbol('isowasm.http.internal');

function internalOnly(token: unknown, what: string): void {
  if (token !== INTERNAL) throw new TypeError(`${what} is created by the host, not with new`);
}

export { type Method, type Result, type Scheme, methodName, methodOf } from './parts.js';

/** A value that arrives later, with a pollable for it. */
class Later<T> {
  value: T | undefined;
  settled = false;
  readonly promise: Promise<void>;
  #resolve!: () => void;
  constructor() {
    this.promise = new Promise<void>((r) => { this.#resolve = r; });
  }
  set(v: T): void {
    if (this.settled) return;
    this.value = v;
    this.settled = true;
    this.#resolve();
  }
  pollable(async: boolean): Pollable {
    return new Pollable({ ready: () => this.settled, wait: () => this.promise, async });
  }
}

/**
 * `wasi:http/types#request-options`: timeouts in nanoseconds.
 *
 * @example
 * ```ts
 * const o = new RequestOptions();
 * o.setFirstByteTimeout(5_000_000_000n); // 5 s
 * ```
 */
export class RequestOptions {
  #connect: bigint | undefined;
  #firstByte: bigint | undefined;
  #betweenBytes: bigint | undefined;
  connectTimeout(): bigint | undefined {
    return this.#connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.#connect = d;
  }
  firstByteTimeout(): bigint | undefined {
    return this.#firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.#firstByte = d;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.#betweenBytes = d;
  }
  [symbolDispose](): void {}
}

/**
 * `wasi:http/types#outgoing-body`: the write side of a request or response body. Dropping it
 * without `finish` marks the body as broken, so the receiver sees an error, not a short body.
 *
 * @example
 * ```ts
 * const body = request.body();
 * body.write().blockingWriteAndFlush(bytes);
 * OutgoingBody.finish(body, undefined);
 * ```
 */
export class OutgoingBody {
  readonly #pipe: BodyPipe;
  #taken = false;
  #finished = false;

  constructor(token: typeof INTERNAL, pipe: BodyPipe) {
    internalOnly(token, 'outgoing-body');
    this.#pipe = pipe;
  }

  write(): OutputStream {
    if (this.#taken) throw undefined;
    this.#taken = true;
    return new HttpOutputStream(this.#pipe);
  }

  /** Ends the body, with trailers if the receiver can send them. */
  static finish(body: OutgoingBody, trailers: Fields | undefined): void {
    if (!(body instanceof OutgoingBody)) throw new TypeError('outgoing-body.finish needs an outgoing-body');
    if (body.#finished) throw { tag: 'internal-error', val: 'the body was already finished' } satisfies HttpErrorCode;
    body.#finished = true;
    const hasTrailers = trailers !== undefined && trailers.entries().length > 0;
    if (hasTrailers && body.#pipe.acceptsTrailers === false) {
      const f = new HttpFailure({ tag: 'internal-error', val: 'trailers can\'t be sent here: fetch sends no request trailers' });
      body.#pipe.fail(f);
      throw f.code;
    }
    const failure = body.#pipe.finish(hasTrailers ? lockFields(trailers) : undefined);
    if (failure) throw failure.code;
  }

  [symbolDispose](): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#pipe.fail(new HttpFailure({ tag: 'internal-error', val: 'the guest dropped the body without finishing it' }));
  }
}

/** What the host needs of an outgoing request when it sends it. */
export interface OutgoingRequestParts {
  readonly method: Method;
  readonly scheme: Scheme | undefined;
  readonly authority: string | undefined;
  readonly pathWithQuery: string | undefined;
  readonly headers: Fields;
  /** null: the guest never asked for the body (there is none) */
  readonly body: BodyPipe | null;
}

let requestParts: (r: OutgoingRequest) => OutgoingRequestParts;

/**
 * `wasi:http/types#outgoing-request`.
 *
 * @example
 * ```ts
 * const r = new OutgoingRequest(Fields.fromList([['accept', new TextEncoder().encode('application/json')]]));
 * r.setScheme({ tag: 'HTTPS' });
 * r.setAuthority('api.example.com');
 * r.setPathWithQuery('/v1/items');
 * ```
 */
export class OutgoingRequest {
  readonly #headers: Fields;
  #method: Method = { tag: 'get' };
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  #path: string | undefined;
  #pipe: BodyPipe | null = null;

  static {
    requestParts = (r) => ({ method: r.#method, scheme: r.#scheme, authority: r.#authority, pathWithQuery: r.#path, headers: r.#headers, body: r.#pipe });
  }

  /** Takes ownership of `headers`, which become immutable. */
  constructor(headers: Fields) {
    if (!(headers instanceof Fields)) throw new TypeError('outgoing-request needs headers (a fields resource)');
    this.#headers = lockFields(headers);
  }

  body(): OutgoingBody {
    if (this.#pipe) throw undefined;
    this.#pipe = new BodyPipe(declaredLength(this.#headers));
    return new OutgoingBody(INTERNAL, this.#pipe);
  }

  method(): Method {
    return this.#method;
  }
  setMethod(m: Method): void {
    if (!validMethod(m)) throw undefined;
    this.#method = m;
  }
  pathWithQuery(): string | undefined {
    return this.#path;
  }
  setPathWithQuery(p: string | undefined): void {
    if (!validPathWithQuery(p)) throw undefined;
    this.#path = p;
  }
  scheme(): Scheme | undefined {
    return this.#scheme;
  }
  setScheme(s: Scheme | undefined): void {
    if (!validScheme(s)) throw undefined;
    this.#scheme = s;
  }
  authority(): string | undefined {
    return this.#authority;
  }
  setAuthority(a: string | undefined): void {
    if (!validAuthority(a)) throw undefined;
    this.#authority = a;
  }
  /** The request's own headers: immutable. */
  headers(): Fields {
    return this.#headers;
  }
  [symbolDispose](): void {}
}

/**
 * The parts of an outgoing request, for the host that sends it.
 *
 * @example
 * ```ts
 * const { method, authority, body } = outgoingRequestParts(request);
 * ```
 */
export function outgoingRequestParts(r: OutgoingRequest): OutgoingRequestParts {
  return requestParts(r);
}

/** What the host needs of an outgoing response when it sends it. */
export interface OutgoingResponseParts {
  readonly status: number;
  readonly headers: Fields;
  readonly body: BodyPipe | null;
}

let responseParts: (r: OutgoingResponse) => OutgoingResponseParts;

/**
 * `wasi:http/types#outgoing-response` (what a guest serving requests answers with).
 *
 * @example
 * ```ts
 * const res = new OutgoingResponse(new Fields());
 * res.setStatusCode(404);
 * ```
 */
export class OutgoingResponse {
  readonly #headers: Fields;
  #status = 200;
  #pipe: BodyPipe | null = null;

  static {
    responseParts = (r) => ({ status: r.#status, headers: r.#headers, body: r.#pipe });
  }

  constructor(headers: Fields) {
    if (!(headers instanceof Fields)) throw new TypeError('outgoing-response needs headers (a fields resource)');
    this.#headers = lockFields(headers);
  }
  statusCode(): number {
    return this.#status;
  }
  setStatusCode(code: number): void {
    if (!Number.isInteger(code) || code < 100 || code > 599) throw undefined;
    this.#status = code;
  }
  headers(): Fields {
    return this.#headers;
  }
  body(): OutgoingBody {
    if (this.#pipe) throw undefined;
    this.#pipe = new BodyPipe(declaredLength(this.#headers));
    // the guest may finish the body before the host takes the response (and learns where it goes)
    this.#pipe.acceptsTrailers = null;
    return new OutgoingBody(INTERNAL, this.#pipe);
  }
  [symbolDispose](): void {}
}

/**
 * The parts of an outgoing response, for the host that sends it.
 *
 * @example
 * ```ts
 * const { status, headers, body } = outgoingResponseParts(res);
 * new Response(body?.stream() ?? null, { status });
 * ```
 */
export function outgoingResponseParts(r: OutgoingResponse): OutgoingResponseParts {
  return responseParts(r);
}

/**
 * `wasi:http/types#future-trailers`.
 *
 * @example
 * ```ts
 * const trailers = IncomingBody.finish(body);
 * await trailers.subscribe().block();
 * trailers.get(); // { tag: 'ok', val: { tag: 'ok', val: undefined } }
 * ```
 */
export class FutureTrailers {
  readonly #later: Later<Result<Fields | undefined, HttpErrorCode>>;
  readonly #async: boolean;
  #taken = false;
  constructor(token: typeof INTERNAL, later: Later<Result<Fields | undefined, HttpErrorCode>>, async: boolean) {
    internalOnly(token, 'future-trailers');
    this.#later = later;
    this.#async = async;
  }
  subscribe(): Pollable {
    return this.#later.pollable(this.#async);
  }
  get(): Result<Result<Fields | undefined, HttpErrorCode>, undefined> | undefined {
    if (!this.#later.settled) return undefined;
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    return { tag: 'ok', val: this.#later.value! };
  }
  [symbolDispose](): void {}
}

/**
 * `wasi:http/types#incoming-body`: the read side of a request or response body.
 *
 * @example
 * ```ts
 * const stream = response.consume().stream();
 * const chunk = await stream.blockingRead(65536n);
 * ```
 */
export class IncomingBody {
  readonly #src: StreamSource;
  readonly #trailers = new Later<Result<Fields | undefined, HttpErrorCode>>();
  readonly #async: boolean;
  #taken = false;
  #finished = false;

  /**
   * `trailers`, where the server adapter has them (Node's does), gives the trailer fields once the
   * body has ended; without it a complete body has none (fetch hands over no trailers).
   */
  constructor(token: typeof INTERNAL, body: ReadableStream<Uint8Array> | Uint8Array | null, options: StreamSourceOptions & { readonly trailers?: TrailerSource }) {
    internalOnly(token, 'incoming-body');
    this.#async = options.async;
    this.#src = new StreamSource(body, {
      ...options,
      onEnd: (error) => {
        const pairs = error ? null : options.trailers?.() ?? null;
        this.#trailers.set(error ? { tag: 'err', val: error }
          : { tag: 'ok', val: pairs && pairs.length > 0 ? receivedFields(pairs) : undefined });
        options.onEnd?.(error);
      },
    });
  }

  stream(): InputStream {
    if (this.#taken) throw undefined;
    this.#taken = true;
    return new HttpInputStream(this.#src);
  }

  /** Ends reading: the future resolves with the trailers once the rest of the body has been read. */
  static finish(body: IncomingBody): FutureTrailers {
    if (!(body instanceof IncomingBody)) throw new TypeError('incoming-body.finish needs an incoming-body');
    body.#finished = true;
    void body.#src.drain();
    return new FutureTrailers(INTERNAL, body.#trailers, body.#async);
  }

  [symbolDispose](): void {
    if (!this.#finished) this.#src.cancel();
  }
}

/** What incoming requests and responses share: immutable headers and a body consumed once. */
abstract class IncomingMessage {
  readonly #headers: Fields;
  readonly #body: IncomingBody;
  #consumed = false;

  protected constructor(headers: Fields, body: IncomingBody) {
    this.#headers = lockFields(headers);
    this.#body = body;
  }
  headers(): Fields {
    return this.#headers;
  }
  consume(): IncomingBody {
    if (this.#consumed) throw undefined;
    this.#consumed = true;
    return this.#body;
  }
  [symbolDispose](): void {
    // a message dropped unread releases its body (and a response's connection)
    if (!this.#consumed) this.#body[symbolDispose]();
  }
}

/**
 * `wasi:http/types#incoming-response`.
 *
 * @example
 * ```ts
 * response.status(); // 200
 * response.headers().get('content-type');
 * ```
 */
export class IncomingResponse extends IncomingMessage {
  readonly #status: number;

  constructor(token: typeof INTERNAL, status: number, headers: Fields, body: IncomingBody) {
    internalOnly(token, 'incoming-response');
    super(headers, body);
    this.#status = status;
  }
  status(): number {
    return this.#status;
  }
}

/**
 * `wasi:http/types#future-incoming-response`: dropping it before it resolves cancels the request.
 *
 * @example
 * ```ts
 * await future.subscribe().block();
 * const r = future.get(); // { tag: 'ok', val: { tag: 'ok', val: IncomingResponse } }
 * ```
 */
export class FutureIncomingResponse {
  readonly #later: Later<Result<IncomingResponse, HttpErrorCode>>;
  readonly #async: boolean;
  readonly #onDrop: () => void;
  #taken = false;

  constructor(token: typeof INTERNAL, later: Later<Result<IncomingResponse, HttpErrorCode>>, async: boolean, onDrop: () => void) {
    internalOnly(token, 'future-incoming-response');
    this.#later = later;
    this.#async = async;
    this.#onDrop = onDrop;
  }
  subscribe(): Pollable {
    return this.#later.pollable(this.#async);
  }
  get(): Result<Result<IncomingResponse, HttpErrorCode>, undefined> | undefined {
    if (!this.#later.settled) return undefined;
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    return { tag: 'ok', val: this.#later.value! };
  }
  [symbolDispose](): void {
    if (!this.#later.settled) this.#onDrop();
    else if (!this.#taken && this.#later.value!.tag === 'ok') this.#later.value!.val[symbolDispose]();
  }
}

/** The parts of a request a guest serving requests receives. */
export interface IncomingRequestInit {
  readonly method: Method;
  readonly pathWithQuery: string | undefined;
  readonly scheme: Scheme | undefined;
  readonly authority: string | undefined;
  readonly headers: Fields;
  /** the body as it arrives, or all of it read already (for a synchronous instance) */
  readonly body: ReadableStream<Uint8Array> | Uint8Array | null;
  /** the instance waits with JSPI (body reads suspend the guest) */
  readonly async: boolean;
  /** the body's trailers, read once it has ended (where the server adapter has them) */
  readonly trailers?: TrailerSource;
}

/** The trailer fields of a body that has ended, as name/value pairs (none: empty or undefined). */
export type TrailerSource = () => readonly (readonly [string, string])[] | undefined;

/**
 * `wasi:http/types#incoming-request` (made with `newIncomingRequest`).
 *
 * @example
 * ```ts
 * request.method(); // { tag: 'get' }
 * request.pathWithQuery(); // '/api/notes?limit=10'
 * ```
 */
export class IncomingRequest extends IncomingMessage {
  readonly #init: IncomingRequestInit;

  constructor(token: typeof INTERNAL, init: IncomingRequestInit) {
    internalOnly(token, 'incoming-request');
    super(init.headers, new IncomingBody(INTERNAL, init.body, { async: init.async, ...(init.trailers ? { trailers: init.trailers } : {}) }));
    this.#init = init;
  }
  method(): Method {
    return this.#init.method;
  }
  pathWithQuery(): string | undefined {
    return this.#init.pathWithQuery;
  }
  scheme(): Scheme | undefined {
    return this.#init.scheme;
  }
  authority(): string | undefined {
    return this.#init.authority;
  }
}

/**
 * `wasi:http/types#response-outparam`: where a guest serving a request puts its response, once.
 *
 * @example
 * ```ts
 * ResponseOutparam.set(outparam, { tag: 'ok', val: new OutgoingResponse(new Fields()) });
 * ```
 */
export class ResponseOutparam {
  readonly #deliver: (r: Result<OutgoingResponse, HttpErrorCode>) => void;
  #set = false;

  constructor(token: typeof INTERNAL, deliver: (r: Result<OutgoingResponse, HttpErrorCode>) => void) {
    internalOnly(token, 'response-outparam');
    this.#deliver = deliver;
  }

  static set(param: ResponseOutparam, response: Result<OutgoingResponse, HttpErrorCode>): void {
    if (!(param instanceof ResponseOutparam)) throw new TypeError('response-outparam.set needs a response-outparam');
    // the param is owned and handed over: a second set is a guest bug, so it traps
    if (param.#set) throw new IsowasmError('TRAP', 'the guest called response-outparam.set twice (the interface says it must trap)');
    param.#set = true;
    param.#deliver(response);
  }
  [symbolDispose](): void {}
}

/**
 * Host-side constructors of the resources a guest can't construct, for the outgoing handler and
 * for serving requests.
 */

/**
 * A pending response the host settles later (or cancels through `onDrop` when the guest drops it).
 *
 * @example
 * ```ts
 * const { future, settle } = newFutureIncomingResponse(true, () => controller.abort());
 * settle({ tag: 'err', val: { tag: 'connection-refused' } });
 * ```
 */
export function newFutureIncomingResponse(async: boolean, onDrop: () => void): { future: FutureIncomingResponse; settle: (r: Result<IncomingResponse, HttpErrorCode>) => void } {
  const later = new Later<Result<IncomingResponse, HttpErrorCode>>();
  return { future: new FutureIncomingResponse(INTERNAL, later, async, onDrop), settle: (r) => later.set(r) };
}

/**
 * A future that is already settled with an error-code.
 *
 * @example
 * ```ts
 * failedFutureIncomingResponse({ tag: 'HTTP-request-denied' }, true).get(); // { tag: 'ok', val: { tag: 'err', ... } }
 * ```
 */
export function failedFutureIncomingResponse(code: HttpErrorCode, async: boolean): FutureIncomingResponse {
  const { future, settle } = newFutureIncomingResponse(async, () => {});
  settle({ tag: 'err', val: code });
  return future;
}

/**
 * An incoming response with a body read from `body` as the guest asks for it.
 *
 * @example
 * ```ts
 * newIncomingResponse(res.status, receivedFields(headerPairs(res.headers)), res.body, { async: true });
 * ```
 */
export function newIncomingResponse(status: number, headers: Fields, body: ReadableStream<Uint8Array> | null, options: StreamSourceOptions): IncomingResponse {
  return new IncomingResponse(INTERNAL, status, headers, new IncomingBody(INTERNAL, body, options));
}

/**
 * An incoming request for a guest serving requests.
 *
 * @example
 * ```ts
 * const req = newIncomingRequest({ method: { tag: 'get' }, pathWithQuery: '/', scheme: { tag: 'HTTPS' }, authority: 'app.local', headers: new Fields(), body: null, async: true });
 * ```
 */
export function newIncomingRequest(init: IncomingRequestInit): IncomingRequest {
  return new IncomingRequest(INTERNAL, init);
}

/**
 * A response-outparam and the promise of what the guest sets on it.
 *
 * @example
 * ```ts
 * const { outparam, response } = newResponseOutparam();
 * exports['wasi:http/incoming-handler'].handle(request, outparam);
 * const r = await response; // { tag: 'ok', val: OutgoingResponse } or { tag: 'err', val: errorCode }
 * ```
 */
export function newResponseOutparam(): { outparam: ResponseOutparam; response: Promise<Result<OutgoingResponse, HttpErrorCode>> } {
  let deliver!: (r: Result<OutgoingResponse, HttpErrorCode>) => void;
  const response = new Promise<Result<OutgoingResponse, HttpErrorCode>>((r) => { deliver = r; });
  return { outparam: new ResponseOutparam(INTERNAL, deliver), response };
}
