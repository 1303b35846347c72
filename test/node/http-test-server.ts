/**
 * The endpoints the outgoing-HTTP suites call: echo, streamed and large bodies, redirects, slow
 * answers. Served by a node:http server on 127.0.0.1 (a free port) in Node, and under `/__http/`
 * by web-test-runner's dev server for Chromium (web-test-runner.config.mjs). Every request is
 * logged, so a suite can show that a refused request never arrived (`/hits?prefix=...` tells the
 * browser).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** requests that arrived, as `METHOD /path?query` */
  readonly log: string[];
  /** how many requests arrived whose path starts with `prefix` */
  hits(prefix?: string): number;
  close(): Promise<void>;
}

/** Deterministic bytes for `/large`: byte i is i mod 251. */
export function largeBody(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  return b;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The version `/wasm-current` serves (set by `/wasm-switch?version=`). */
let wasmVersion = 'v1';

/** `bytes` with a custom section `isowasm-test-version` holding `version` appended. */
function withVersionSection(bytes: Uint8Array, version: string): Uint8Array {
  const name = Buffer.from('isowasm-test-version');
  const payload = Buffer.from(version);
  const content = Buffer.concat([Buffer.from([name.length]), name, payload]);
  if (content.length > 127) throw new Error('the version is too long for this test section');
  return Buffer.concat([bytes, Buffer.from([0, content.length]), content]);
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, prefix: string, log: string[]): Promise<void> {
  const q = url.searchParams;
  const rel = url.pathname.slice(prefix.length);
  if (rel.startsWith('/p3/')) {
    // what upstream's tests of the wasi:http@0.3 programs serve (jco's helpers/http.js): the
    // method and the URI (below /p3) as headers, and the body echoed as it arrives
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-wasmtime-test-method': req.method ?? '', 'x-wasmtime-test-uri': `${rel.slice(3)}${url.search}` };
    if (req.headers['content-length']) headers['content-length'] = req.headers['content-length'];
    res.writeHead(200, headers);
    res.flushHeaders();
    req.pipe(res);
    return;
  }
  switch (rel) {
    case '/silent': {
      // no answer at all for a while (a destination that never answers)
      await sleep(Number(q.get('ms') ?? 5000));
      if (!res.destroyed) res.end();
      return;
    }
    case '/hits': {
      // how many logged requests start with `prefix` (relative to the routes), for the browser
      const p = `${prefix}${q.get('prefix') ?? '/'}`;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(log.filter((l) => l.split(' ')[1]!.startsWith(p)).length));
      return;
    }
    case '/echo': {
      const body = await readBody(req);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo-method', req.method ?? '');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({
        method: req.method, url: req.url, headers: req.headers, length: body.length, sha256: sha256(body),
        text: body.length <= 4096 ? body.toString('utf8') : null,
      }));
      return;
    }
    case '/duplex': {
      // answers at once, then echoes each request chunk as it arrives
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.flushHeaders();
      req.on('data', (c: Buffer) => res.write(c));
      req.on('end', () => res.end());
      return;
    }
    case '/stream': {
      const n = Number(q.get('n') ?? 4);
      const delay = Number(q.get('delay') ?? 60);
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < n; i++) {
        res.write(`chunk ${i};`);
        await sleep(delay);
      }
      res.end();
      return;
    }
    case '/large': {
      const size = Number(q.get('size') ?? 3_000_000);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      res.end(largeBody(size));
      return;
    }
    case '/redirect': {
      await readBody(req);
      res.writeHead(Number(q.get('status') ?? 302), { location: q.get('to') ?? `${prefix}/echo` });
      res.end('redirecting');
      return;
    }
    case '/loop': {
      res.writeHead(302, { location: `${prefix}/loop?n=${Number(q.get('n') ?? 0) + 1}` });
      res.end();
      return;
    }
    case '/slow': {
      await sleep(Number(q.get('ms') ?? 2000));
      if (!res.destroyed) res.end('late');
      return;
    }
    case '/stall': {
      // headers and a first chunk, then nothing for a while
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      await sleep(Number(q.get('ms') ?? 2000));
      if (!res.destroyed) res.end('last');
      return;
    }
    case '/wasm': {
      // a built fixture with an ETag (the version asked for), and 304 to a request that has it
      const name = q.get('name') ?? '';
      if (!/^[a-z0-9-]+$/.test(name)) {
        res.writeHead(400);
        res.end('bad name');
        return;
      }
      const etag = `"${q.get('etag') ?? 'v1'}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      const bytes = await readFile(`build/fixtures/${name}.wasm`);
      res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': String(bytes.length), etag, 'cache-control': 'no-cache' });
      res.end(bytes);
      return;
    }
    case '/wasm-current': {
      // the http-server fixture as version `wasmVersion` (a custom section naming it makes the
      // bytes differ), with that version as its ETag, and 304 to a request that has it
      const etag = `"${wasmVersion}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      const bytes = withVersionSection(await readFile('build/fixtures/http-server.wasm'), wasmVersion);
      res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': String(bytes.length), etag, 'cache-control': 'no-cache' });
      res.end(bytes);
      return;
    }
    case '/wasm-switch': {
      wasmVersion = q.get('version') ?? 'v1';
      res.end(wasmVersion);
      return;
    }
    case '/cut': {
      // promises more than it sends, then drops the connection
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only a little');
      await sleep(50);
      res.destroy();
      return;
    }
    default:
      res.writeHead(404);
      res.end('not found');
  }
}

/** The routes under `prefix` ('' or '/__http'), and the log of requests that reached them. */
export function createTestRoutes(prefix = ''): { handle(req: IncomingMessage, res: ServerResponse): void; log: string[] } {
  const log: string[] = [];
  return {
    log,
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!url.pathname.endsWith('/hits')) log.push(`${req.method} ${req.url}`);
      // (Koa, under web-test-runner, starts every response as a 404)
      res.statusCode = 200;
      route(req, res, url, prefix, log).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(e));
      });
    },
  };
}

/** Starts the server on 127.0.0.1 (never on other interfaces). */
export async function startTestServer(): Promise<TestServer> {
  const routes = createTestRoutes();
  const server: Server = createServer((req, res) => routes.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const log = routes.log;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    log,
    hits: (prefix = '/') => log.filter((l) => l.split(' ')[1]!.startsWith(prefix)).length,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
