/**
 * The resources of `wasi:http/types@0.3.0` as classes in jco's shape (camelCase methods, `[static]`
 * functions as static methods, `result` errors thrown): `request`, `response` and
 * `request-options` (`fields` is in fields.ts). A body is a `stream<u8>` (a
 * `ReadableStream<Uint8Array>`) with a `future` of its trailers (a promise), and each message
 * gives a `future` of its transmission's result to whoever made it. The host reaches their state
 * through the functions exported below, never through extra methods, so a guest sees exactly the
 * WIT surface.
 */
import { symbolDispose } from '../../../dispose.js';
import type { HttpErrorCode } from '../../http/errors.js';
import { lockFields } from '../../http/fields.js';
import {
  type Method, type Result, type Scheme, validAuthorityShape, validMethod, validPathWithQuery, validScheme,
} from '../../http/parts.js';
import { emptyBody, watchBody } from './bodies.js';
import { Fields } from './fields.js';

export type { Method, Result, Scheme };

/** The value of a body's trailers future: its trailers (none: undefined), or why the body failed. */
export type TrailersResult = Result<Fields | undefined, HttpErrorCode>;
/** The value of a message's transmission future (and of the future its consumer hands back). */
export type Transmission = Result<undefined, HttpErrorCode>;

/** Only this module constructs resources the host makes. */
const INTERNAL: unique symbol = Symbol('isowasm.http.p3.internal');

function internalOnly(token: unknown, what: string): void {
  if (token !== INTERNAL) throw new TypeError(`${what} is made with ${what}.new, not with new`);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function checkBody(contents: unknown, trailers: unknown, what: string): void {
  if (contents !== undefined && !(contents instanceof ReadableStream)) throw new TypeError(`${what}: contents must be a ReadableStream<Uint8Array> or undefined`);
  if (!isThenable(trailers)) throw new TypeError(`${what}: trailers must be a promise (the future of the trailers)`);
}

/**
 * What a request and a response share: immutable headers, and a body taken once by its consumer.
 * The trailers future is read as soon as the message is made, so a guest that writes it before
 * ending its contents stream never waits on a host that would read it only after.
 */
class Message {
  readonly headers: Fields;
  #contents: ReadableStream<Uint8Array> | undefined;
  readonly #trailers: Promise<TrailersResult>;
  #taken = false;
  #settle!: (r: Transmission) => void;
  /** the transmission's result, for whoever made the message */
  readonly transmitted: Promise<Transmission>;

  constructor(headers: Fields, contents: ReadableStream<Uint8Array> | undefined, trailers: PromiseLike<TrailersResult>) {
    this.headers = lockFields(headers);
    this.#contents = contents;
    this.#trailers = Promise.resolve(trailers).then(
      (r) => r,
      (e: unknown): TrailersResult => ({ tag: 'err', val: { tag: 'internal-error', val: `the trailers never came: ${e instanceof Error ? e.message : String(e)}` } }),
    );
    this.transmitted = new Promise<Transmission>((resolve) => { this.#settle = resolve; });
  }

  get taken(): boolean {
    return this.#taken;
  }

  /** Settles the transmission future (the first result counts). */
  settle(r: Transmission): void {
    this.#settle(r);
  }

  /** Takes the body as it was given: its contents (undefined: none) and its trailers. */
  takeRaw(what: string): { contents: ReadableStream<Uint8Array> | undefined; trailers: Promise<TrailersResult> } {
    if (this.#taken) throw new TypeError(`the ${what}'s body was taken already`);
    this.#taken = true;
    const contents = this.#contents;
    this.#contents = undefined;
    return { contents, trailers: this.#trailers };
  }

  /**
   * `consume-body`: the contents, and a trailers future that resolves only after the contents
   * have ended (with the error-code if they failed); `res`, the consumer's result, settles the
   * transmission.
   */
  consume(what: string, res: PromiseLike<Transmission> | undefined): [ReadableStream<Uint8Array>, Promise<TrailersResult>] {
    const { contents, trailers } = this.takeRaw(what);
    if (res !== undefined) {
      Promise.resolve(res).then((r) => this.settle(r), (e: unknown) => this.settle({ tag: 'err', val: { tag: 'internal-error', val: e instanceof Error ? e.message : String(e) } }));
    }
    if (!contents) return [emptyBody(), trailers];
    const { stream, ended } = watchBody(contents);
    return [stream, ended.then((code) => (code ? { tag: 'err', val: code } : trailers))];
  }

  /** The guest dropped the message unconsumed: its contents are cancelled, its trailers read and let go. */
  drop(what: string): void {
    if (this.#taken) return;
    this.#taken = true;
    this.#contents?.cancel(new Error(`the ${what} was dropped`)).catch(() => {});
    this.#contents = undefined;
    void this.#trailers.then((r) => { if (r.tag === 'ok') r.val?.[symbolDispose](); });
    this.settle({ tag: 'err', val: { tag: 'internal-error', val: `the ${what} was dropped before it was sent` } });
  }
}

/**
 * `wasi:http/types@0.3.0#request-options`: timeouts in nanoseconds; a request's own options are immutable.
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
  #immutable = false;

  getConnectTimeout(): bigint | undefined {
    return this.#connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.#connect = this.#check(d);
  }
  getFirstByteTimeout(): bigint | undefined {
    return this.#firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.#firstByte = this.#check(d);
  }
  getBetweenBytesTimeout(): bigint | undefined {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.#betweenBytes = this.#check(d);
  }
  /** A mutable copy. */
  clone(): RequestOptions {
    const o = new RequestOptions();
    o.#connect = this.#connect;
    o.#firstByte = this.#firstByte;
    o.#betweenBytes = this.#betweenBytes;
    return o;
  }

  #check(d: bigint | undefined): bigint | undefined {
    if (this.#immutable) throw { tag: 'immutable' };
    if (d !== undefined && (typeof d !== 'bigint' || d < 0n || d >= 1n << 64n)) throw new TypeError('a request-options timeout is a duration in nanoseconds (a u64 bigint) or undefined');
    return d;
  }

  /** An immutable copy (a request's own options). */
  static frozen(o: RequestOptions): RequestOptions {
    const c = o.clone();
    c.#immutable = true;
    return c;
  }

  [symbolDispose](): void {}
}

/** What the host needs of a request to send it or serve it. */
export interface RequestParts {
  readonly method: Method;
  readonly scheme: Scheme | undefined;
  readonly authority: string | undefined;
  readonly pathWithQuery: string | undefined;
  readonly headers: Fields;
  readonly options: RequestOptions | undefined;
}

let requestParts: (r: Request) => RequestParts;
let requestMessage: (r: Request) => Message;

/**
 * `wasi:http/types@0.3.0#request`.
 *
 * @example
 * ```ts
 * const [request, transmitted] = Request.new(new Fields(), undefined, Promise.resolve({ tag: 'ok', val: undefined }), undefined);
 * request.setAuthority('api.example.com');
 * ```
 */
export class Request {
  readonly #m: Message;
  readonly #options: RequestOptions | undefined;
  #method: Method = { tag: 'get' };
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  #path: string | undefined;

  static {
    requestParts = (r) => ({ method: r.#method, scheme: r.#scheme, authority: r.#authority, pathWithQuery: r.#path, headers: r.#m.headers, options: r.#options });
    requestMessage = (r) => r.#m;
  }

  constructor(token: typeof INTERNAL, m: Message, options: RequestOptions | undefined) {
    internalOnly(token, 'request');
    this.#m = m;
    this.#options = options;
  }

  /** A request (GET, no scheme, authority or path yet) and the future of its transmission's result. */
  static new(headers: Fields, contents: ReadableStream<Uint8Array> | undefined, trailers: PromiseLike<TrailersResult>, options: RequestOptions | undefined): [Request, Promise<Transmission>] {
    if (!(headers instanceof Fields)) throw new TypeError('request.new needs headers (a wasi:http@0.3 fields)');
    if (options !== undefined && !(options instanceof RequestOptions)) throw new TypeError('request.new: options must be a request-options or undefined');
    checkBody(contents, trailers, 'request.new');
    const m = new Message(headers, contents, trailers);
    return [new Request(INTERNAL, m, options && RequestOptions.frozen(options)), m.transmitted];
  }

  getMethod(): Method {
    return this.#method;
  }
  setMethod(m: Method): void {
    if (!validMethod(m)) throw undefined;
    this.#method = m;
  }
  getPathWithQuery(): string | undefined {
    return this.#path;
  }
  setPathWithQuery(p: string | undefined): void {
    if (!validPathWithQuery(p)) throw undefined;
    this.#path = p;
  }
  getScheme(): Scheme | undefined {
    return this.#scheme;
  }
  setScheme(s: Scheme | undefined): void {
    if (!validScheme(s)) throw undefined;
    this.#scheme = s;
  }
  getAuthority(): string | undefined {
    return this.#authority;
  }
  setAuthority(a: string | undefined): void {
    if (!validAuthorityShape(a)) throw undefined;
    this.#authority = a;
  }
  /** The request's options, as an immutable copy. */
  getOptions(): RequestOptions | undefined {
    return this.#options && RequestOptions.frozen(this.#options);
  }
  /** The request's own headers: immutable. */
  getHeaders(): Fields {
    return this.#m.headers;
  }

  /** Takes the request's body: its contents, and the future of its trailers (after the contents end). */
  static consumeBody(request: Request, res: PromiseLike<Transmission>): [ReadableStream<Uint8Array>, Promise<TrailersResult>] {
    if (!(request instanceof Request)) throw new TypeError('request.consume-body needs a request');
    return request.#m.consume('request', res);
  }

  [symbolDispose](): void {
    this.#m.drop('request');
  }
}

let responseStatus: (r: Response) => number;
let responseMessage: (r: Response) => Message;

/**
 * `wasi:http/types@0.3.0#response`.
 *
 * @example
 * ```ts
 * const [response] = Response.new(new Fields(), body, Promise.resolve({ tag: 'ok', val: undefined }));
 * response.setStatusCode(201);
 * ```
 */
export class Response {
  readonly #m: Message;
  #status = 200;

  static {
    responseStatus = (r) => r.#status;
    responseMessage = (r) => r.#m;
  }

  constructor(token: typeof INTERNAL, m: Message, status = 200) {
    internalOnly(token, 'response');
    this.#m = m;
    this.#status = status;
  }

  /** A response (status 200) and the future of its transmission's result. */
  static new(headers: Fields, contents: ReadableStream<Uint8Array> | undefined, trailers: PromiseLike<TrailersResult>): [Response, Promise<Transmission>] {
    if (!(headers instanceof Fields)) throw new TypeError('response.new needs headers (a wasi:http@0.3 fields)');
    checkBody(contents, trailers, 'response.new');
    const m = new Message(headers, contents, trailers);
    return [new Response(INTERNAL, m), m.transmitted];
  }

  getStatusCode(): number {
    return this.#status;
  }
  setStatusCode(code: number): void {
    if (!Number.isInteger(code) || code < 100 || code > 599) throw undefined;
    this.#status = code;
  }
  getHeaders(): Fields {
    return this.#m.headers;
  }

  /** Takes the response's body: its contents, and the future of its trailers (after the contents end). */
  static consumeBody(response: Response, res: PromiseLike<Transmission>): [ReadableStream<Uint8Array>, Promise<TrailersResult>] {
    if (!(response instanceof Response)) throw new TypeError('response.consume-body needs a response');
    return response.#m.consume('response', res);
  }

  [symbolDispose](): void {
    this.#m.drop('response');
  }
}

/** A body the host takes from a message to send it: the contents as given (none: undefined), the trailers, and the transmission to settle. */
export interface TakenBody {
  readonly contents: ReadableStream<Uint8Array> | undefined;
  readonly trailers: Promise<TrailersResult>;
  /** settles the transmission future of whoever made the message (the first result counts) */
  readonly settle: (r: Transmission) => void;
}

/**
 * The parts of a request, for the host that sends or serves it.
 *
 * @example
 * ```ts
 * const { method, authority, headers } = requestPartsOf(request);
 * ```
 */
export function requestPartsOf(r: Request): RequestParts {
  return requestParts(r);
}

/**
 * Takes a request's body, for the host that sends it (the guest can't consume it afterwards).
 *
 * @example
 * ```ts
 * const { contents, trailers, settle } = takeRequestBody(request);
 * ```
 */
export function takeRequestBody(r: Request): TakenBody {
  const m = requestMessage(r);
  return { ...m.takeRaw('request'), settle: (t) => m.settle(t) };
}

/**
 * A response's status and headers, for the host that sends it on.
 *
 * @example
 * ```ts
 * const { status, headers } = responsePartsOf(response);
 * ```
 */
export function responsePartsOf(r: Response): { readonly status: number; readonly headers: Fields } {
  return { status: responseStatus(r), headers: responseMessage(r).headers };
}

/**
 * Takes a response's body, for the host that sends it on.
 *
 * @example
 * ```ts
 * const { contents, trailers, settle } = takeResponseBody(response);
 * ```
 */
export function takeResponseBody(r: Response): TakenBody {
  const m = responseMessage(r);
  return { ...m.takeRaw('response'), settle: (t) => m.settle(t) };
}

/** A message the host makes: headers (made immutable), contents (none: undefined) and the trailers' future. */
export interface HostMessageInit {
  readonly headers: Fields;
  readonly contents: ReadableStream<Uint8Array> | undefined;
  readonly trailers: PromiseLike<TrailersResult>;
}

/**
 * A request the host hands a guest that serves requests.
 *
 * @example
 * ```ts
 * const request = newIncomingRequest({ method: { tag: 'get' }, scheme: { tag: 'HTTPS' }, authority: 'app.local', pathWithQuery: '/', headers: new Fields(), contents: undefined, trailers: Promise.resolve({ tag: 'ok', val: undefined }) });
 * ```
 */
export function newIncomingRequest(init: HostMessageInit & { readonly method: Method; readonly scheme: Scheme | undefined; readonly authority: string | undefined; readonly pathWithQuery: string | undefined }): Request {
  if (!validMethod(init.method) || !validScheme(init.scheme) || !validAuthorityShape(init.authority) || !validPathWithQuery(init.pathWithQuery)) {
    throw new TypeError(`newIncomingRequest: ${JSON.stringify([init.method, init.scheme, init.authority, init.pathWithQuery])} is not a method, scheme, authority and path with query`);
  }
  const r = new Request(INTERNAL, new Message(init.headers, init.contents, init.trailers), undefined);
  r.setMethod(init.method);
  r.setScheme(init.scheme);
  r.setAuthority(init.authority);
  r.setPathWithQuery(init.pathWithQuery);
  return r;
}

/**
 * A response the host hands a guest (what `client.send` answers).
 *
 * @example
 * ```ts
 * const response = newResponse(200, { headers, contents: res.body ?? undefined, trailers });
 * ```
 */
export function newResponse(status: number, init: HostMessageInit): Response {
  return new Response(INTERNAL, new Message(init.headers, init.contents, init.trailers), status);
}
