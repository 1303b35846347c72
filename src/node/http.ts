/**
 * A fetch handler on a Node `http` server: `createRequestListener` converts IncomingMessage to
 * Request and Response to ServerResponse, streaming both ways at the socket's pace, and `serve`
 * runs a `wasi:http/incoming-handler` (or 0.3 `wasi:http/handler`) component on its own server
 * with a graceful shutdown.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RAW_HEADERS, RESPONSE_TRAILERS, TRAILERS } from '../core/http/bridge.js';
import { createFetchHandler, type FetchHandler, type FetchHandlerOptions, type HttpComponent } from '../core/http/fetch-handler.js';
import { headerPairs } from '../core/wasi/http/fields.js';
import type { ComponentSource } from '../core/load.js';
import { loadComponent } from './load.js';

/** A `(request) => Promise<Response>` function, such as `createFetchHandler` returns. */
export type RequestHandler = (request: Request) => Promise<Response>;

/** Options of `createRequestListener`. */
export interface RequestListenerOptions {
  /** Called when the handler itself throws (the client got a 500) or a response body fails mid-way (the connection is cut). */
  readonly onError?: (error: unknown, request: Request | null) => void;
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

/**
 * The request body as a web stream that ends in an error when the client goes away before the
 * body ended, whenever that happens (`Readable.toWeb` can leave the stream open forever when the
 * socket was destroyed early, and a guest reading it would wait for good).
 */
const abandoned = new WeakSet<IncomingMessage>();

function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let over = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const gone = (e?: Error): void => {
        if (over) return;
        over = true;
        controller.error(e ?? new Error('the client went away before the request body ended'));
      };
      req.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        // backpressure: the socket stops being read while the guest is behind
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => {
        if (over) return;
        over = true;
        controller.close();
      });
      req.once('error', gone);
      req.once('close', () => gone());
      if (req.destroyed) gone();
    },
    pull() {
      req.resume();
    },
    cancel() {
      over = true;
      // nobody reads the rest: stop receiving it; the response closes the connection (see `write`)
      abandoned.add(req);
      req.pause();
    },
  }, { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength });
}

/** The Request for a Node request; its body streams from the socket and errors if the client goes away. */
function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  const host = req.headers.host ?? `${req.socket.localAddress ?? 'localhost'}:${req.socket.localPort ?? 80}`;
  const url = new URL(req.url ?? '/', `${encrypted ? 'https' : 'http'}://${host}`);
  const headers = new Headers();
  const raw: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    if (name.startsWith(':')) continue;
    try {
      headers.append(name, value);
      raw.push([name.toLowerCase(), value]);
    } catch {
      // a pair fetch can't carry is left out of both
    }
  }
  const method = req.method ?? 'GET';
  const bodyless = method === 'GET' || method === 'HEAD';
  if (bodyless) req.resume();
  const request = new Request(url, {
    method,
    headers,
    signal,
    ...(bodyless ? {} : { body: bodyOf(req), duplex: 'half' }),
  } as RequestInit);
  // fetch's Headers sorts and joins: the handler gets the pairs as they arrived
  Object.defineProperty(request, RAW_HEADERS, { value: raw });
  // Node reads chunked trailers (there by the body's end) and can send the response's
  Object.defineProperty(request, TRAILERS, { value: () => pairsOf(req.rawTrailers) });
  return request;
}

/** Node's flat [name, value, ...] list as lower-case pairs. */
function pairsOf(flat: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!.toLowerCase(), flat[i + 1]!]);
  return pairs;
}

/** Resolves when the response can take more bytes, or the client has gone (false). */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

async function writeResponse(response: Response, method: string, res: ServerResponse): Promise<void> {
  const flat: string[] = [];
  for (const [name, value] of headerPairs(response.headers)) flat.push(name, value);
  // the rest of an abandoned request body is never read: the connection can't carry another request
  if (abandoned.has(res.req) && !response.headers.has('connection')) flat.push('connection', 'close');
  if (!response.body || method === 'HEAD') {
    await response.body?.cancel().catch(() => {});
    res.writeHead(response.status, flat);
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // the client going away stops the guest's body (its writes fail) instead of buffering it
  const onClose = (): void => { if (!res.writableFinished) reader.cancel().catch(() => {}); };
  res.on('close', onClose);
  try {
    // the head waits for the first bytes (or the end), so a body that fails before any byte is
    // still a clean 500 rather than a cut connection
    let next = await reader.read();
    res.writeHead(response.status, flat);
    while (!next.done) {
      if (!res.write(next.value) && !(await drained(res))) return;
      next = await reader.read();
    }
    // sent after a chunked body (Node drops them after a body of declared length, as HTTP/1.1 must)
    const trailers = (response as unknown as Record<symbol, (() => [string, string][]) | undefined>)[RESPONSE_TRAILERS]?.() ?? [];
    if (trailers.length > 0) res.addTrailers(trailers);
    res.end();
  } finally {
    res.off('close', onClose);
  }
}

/**
 * A Node `http` request listener serving a fetch handler: the request (method, URL with the
 * `Host` header's authority, headers in the order they arrived, body streamed) becomes a
 * `Request`, and the `Response` is written back as it streams, slowed to the client's pace.
 * A client that goes away mid-request ends the handler's request body with an error (and aborts
 * `request.signal`); a response body that fails mid-way cuts the connection, so the client sees
 * an incomplete response rather than a short one.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { loadComponent, createFetchHandler, createRequestListener } from 'isowasm/node';
 * const handle = createFetchHandler(await loadComponent('./app.wasm'));
 * http.createServer(createRequestListener(handle)).listen(8080, '127.0.0.1');
 * ```
 */
export function createRequestListener(handler: RequestHandler, options: RequestListenerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  if (typeof handler !== 'function') throw new TypeError('createRequestListener(handler): handler must be a function (request) => Promise<Response>');
  const onError = options.onError ?? ((e: unknown) => console.error(`isowasm: ${e instanceof Error ? e.message : String(e)}`));
  return (req, res) => {
    const controller = new AbortController();
    res.on('close', () => { if (!res.writableFinished) controller.abort(new Error('the client went away')); });
    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch {
      plain(res, 400, 'Bad Request', { connection: 'close' });
      return;
    }
    void (async () => {
      let response: Response;
      try {
        response = await handler(request);
      } catch (e) {
        onError(e, request);
        plain(res, 500, 'Internal Server Error');
        return;
      }
      try {
        await writeResponse(response, request.method, res);
      } catch (e) {
        // before the head: a clean 500; after it, the connection is cut so the client can tell
        if (!controller.signal.aborted) onError(e, request);
        plain(res, 500, 'Internal Server Error');
      }
    })();
  };
}

/** Options of `serve`: where to listen, when to stop, and the fetch handler's options. */
export interface ServeOptions extends FetchHandlerOptions {
  /** default 8080; 0 picks a free port */
  readonly port?: number;
  /** default '127.0.0.1' (pass '0.0.0.0' or '::' to listen beyond this machine) */
  readonly hostname?: string;
  /** aborting it shuts the server down gracefully */
  readonly signal?: AbortSignal;
  /** how long requests in flight may take to finish once shutdown starts (default 10 000 ms); then their connections are cut */
  readonly gracePeriodMs?: number;
  /**
   * How long a client may take to send a request's headers (default 20 000 ms): a slow-headers
   * client (slowloris) gets 408 and its connection is closed. Checked every second at most.
   */
  readonly headersTimeoutMs?: number;
  /** How long a client may take to send a whole request, body included (default 120 000 ms); then 408. */
  readonly requestTimeoutMs?: number;
  /**
   * One line per request once its response has been sent (or cut): `true` writes
   * `127.0.0.1 "GET /path?q HTTP/1.1" 200 1234 5.2ms` to stdout; a function receives each entry.
   */
  readonly accessLog?: boolean | ((entry: AccessLogEntry) => void);
}

/** One request of the access log. */
export interface AccessLogEntry {
  readonly remoteAddress: string;
  readonly method: string;
  /** the path with query, as the client sent it */
  readonly url: string;
  readonly httpVersion: string;
  /** the status sent (0 when the connection ended before a response head) */
  readonly status: number;
  /** body bytes sent */
  readonly bytes: number;
  readonly durationMs: number;
  /** false when the connection ended before the whole response was sent */
  readonly completed: boolean;
}

/** The access log line of an entry (the common log format's fields that matter here, and the time taken). */
export function accessLogLine(e: AccessLogEntry): string {
  return `${e.remoteAddress} "${e.method} ${e.url} HTTP/${e.httpVersion}" ${e.status} ${e.bytes} ${e.durationMs.toFixed(1)}ms${e.completed ? '' : ' (cut)'}`;
}

/** Counts the body bytes written to `res` and calls `log` once it ends. */
function logWhenDone(req: IncomingMessage, res: ServerResponse, log: (entry: AccessLogEntry) => void): void {
  const start = performance.now();
  let bytes = 0;
  const count = (chunk: unknown): void => {
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk);
    else if (chunk instanceof Uint8Array) bytes += chunk.length;
  };
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => { count(chunk); return write(chunk, ...rest); }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => { if (typeof chunk !== 'function') count(chunk); return end(chunk, ...rest); }) as ServerResponse['end'];
  res.once('close', () => {
    try {
      log({
        remoteAddress: req.socket.remoteAddress ?? '-', method: req.method ?? '-', url: req.url ?? '-', httpVersion: req.httpVersion,
        status: res.headersSent ? res.statusCode : 0, bytes, durationMs: performance.now() - start, completed: res.writableFinished,
      });
    } catch {
      // a failing logger must not take the server down
    }
  });
}

/** A running `serve`. */
export interface Served {
  readonly server: Server;
  /** where it listens, e.g. `http://127.0.0.1:8080/` */
  readonly url: URL;
  readonly handler: FetchHandler;
  /** Shuts down gracefully (as aborting `signal` does); resolves once the server has closed. */
  close(): Promise<void>;
  /** resolves once the server has closed */
  readonly closed: Promise<void>;
}

/**
 * Serves a `wasi:http/incoming-handler` (or 0.3 `wasi:http/handler`) component over HTTP on its
 * own Node server: a fresh instance per request by default, with one kept ready ahead (`instances.warm`: 1; see
 * `createFetchHandler` for the options). Aborting `signal`
 * (or `close()`) shuts down gracefully: the server stops accepting connections, new requests on
 * open connections get 503, requests in flight finish within `gracePeriodMs`, then the rest are cut.
 *
 * @example
 * ```ts
 * import { serve } from 'isowasm/node';
 * const stop = new AbortController();
 * const { url } = await serve('./app.wasm', { port: 8080, signal: stop.signal, capabilities: { http: { allow: ['https://api.example.com'] } } });
 * console.log(`listening on ${url}`);
 * process.once('SIGINT', () => stop.abort());
 * ```
 */
export async function serve(component: HttpComponent | ComponentSource, options: ServeOptions = {}): Promise<Served> {
  const {
    port = 8080, hostname = '127.0.0.1', signal, gracePeriodMs = 10_000, headersTimeoutMs = 20_000, requestTimeoutMs = 120_000,
    accessLog, ...handlerOptions
  } = options;
  const log = accessLog === true ? (e: AccessLogEntry): void => { process.stdout.write(`${accessLogLine(e)}\n`); } : accessLog || null;
  const loaded = typeof (component as HttpComponent).instantiate === 'function' ? component as HttpComponent : await loadComponent(component as ComponentSource);
  // a server keeps one fresh instance ready, so a request does not wait for an instantiation
  const handler = createFetchHandler(loaded, { ...handlerOptions, instances: { warm: 1, ...handlerOptions.instances } });
  // the first request must not wait for a compilation, and a component that can't be
  // instantiated with these options fails here rather than on every request
  await handler.warmUp();
  const listener = createRequestListener(handler);
  let draining = false;
  const open = new Set<ServerResponse>();
  // node:http loads Node's fetch implementation (undici) with it: some 40 ms a program that
  // never serves must not spend when it imports isowasm
  const { createServer } = await import('node:http');
  const server = createServer({
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Node checks both only this often (default 30 s): a slow-headers client must not get 30 s more
    connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeoutMs / 2, requestTimeoutMs / 2)),
  }, (req, res) => {
    if (log) logWhenDone(req, res, log);
    if (draining) {
      req.resume();
      plain(res, 503, 'Service Unavailable', { 'retry-after': String(handlerOptions.retryAfterSeconds ?? 1), connection: 'close' });
      return;
    }
    open.add(res);
    res.on('close', () => {
      open.delete(res);
      if (draining && open.size === 0) server.closeAllConnections();
    });
    listener(req, res);
  });
  server.listen(port, hostname);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = new URL(`http://${host}:${address.port}/`);
  const closed = once(server, 'close').then(() => {});
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      // ends idle instances now; busy ones end as their requests finish or are cut
      void handler.close();
      server.close();
      server.closeIdleConnections();
      if (open.size === 0) server.closeAllConnections();
      const grace = setTimeout(() => server.closeAllConnections(), gracePeriodMs);
      grace.unref();
      await closed;
      clearTimeout(grace);
    })();
    return closing;
  };
  if (signal) {
    if (signal.aborted) void close();
    else signal.addEventListener('abort', () => void close(), { once: true });
  }
  return { server, url, handler, close, closed };
}
