// The notes demo's Node server: `/api/...` answered by the notes component (demos/notes/build/
// notes.wasm) through createFetchHandler + createRequestListener, its notes in a SQLite file
// (demos/notes/data/kv.sqlite), and the page's static files beside it: public/ (index.html,
// app.js, style.css, sw.js), the component at /notes.wasm (ETag, so the Service Worker's copy is
// revalidated with a 304) and the browser build at /dist/. Binds 127.0.0.1 only.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFetchHandler, createRequestListener, createSqliteKeyValue, loadComponent } from '../../dist/index.node.js';
import { buildNotes } from './build.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json', '.json': 'application/json', '.png': 'image/png',
};

/** A file below `base` for a URL path, or null (never a path that climbs out of it). */
function fileBelow(base, path) {
  const file = join(base, normalize(path));
  if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) return null;
  return file;
}

/**
 * Starts the server; resolves once it listens. `port` 0 picks a free one (and a busy default
 * port falls back to a free one when `fallbackPort` is true).
 */
export async function startNotesServer({ port = 0, dataDir = join(here, 'data'), accessLog = false, fallbackPort = false } = {}) {
  const wasm = await buildNotes();
  const kv = createSqliteKeyValue(join(dataDir, 'kv.sqlite'));
  const handle = createFetchHandler(await loadComponent(wasm), {
    capabilities: { kv: { buckets: { notes: kv } } },
    instances: { warm: 1, reset: true }, // a pristine instance per request: the last one, reset
    limits: { timeoutMs: 10_000, memoryBytes: 256 * 2 ** 20 },
    maxRequestBodyBytes: 1 << 20,
    onError: (error, request) => console.error(`notes: ${request.url}: ${error.code ?? ''} ${error.message}`),
  });
  const api = createRequestListener(async (request) => {
    const started = performance.now();
    const r = await handle(request);
    const headers = new Headers(r.headers);
    headers.set('x-served-by', 'server');
    headers.set('cache-control', 'no-store');
    if (accessLog) console.log(`${request.method} ${new URL(request.url).pathname} ${r.status} ${(performance.now() - started).toFixed(1)}ms`);
    return new Response(r.body, { status: r.status, headers });
  });
  // the component's bytes, versioned by their hash (re-read when the file changes)
  let wasmVersion = { mtime: -1, etag: '', bytes: new Uint8Array() };
  const component = () => {
    const mtime = statSync(wasm).mtimeMs;
    if (mtime !== wasmVersion.mtime) {
      const bytes = readFileSync(wasm);
      wasmVersion = { mtime, bytes, etag: `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"` };
    }
    return wasmVersion;
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://notes').pathname;
    if (path.startsWith('/api/')) return api(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed');
      return;
    }
    if (path === '/notes.wasm') {
      const { etag, bytes } = component();
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag, 'cache-control': 'no-cache' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': bytes.length, etag, 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    let decoded;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad path');
      return;
    }
    const file = decoded.startsWith('/dist/') ? fileBelow(join(root, 'dist'), decoded.slice(6))
      : fileBelow(join(here, 'public'), decoded === '/' ? 'index.html' : decoded.slice(1));
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve, reject) => {
    const onError = (e) => {
      if (e.code === 'EADDRINUSE' && fallbackPort && port !== 0) {
        server.listen(0, '127.0.0.1');
        return;
      }
      reject(e);
    };
    server.on('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const url = `http://127.0.0.1:${address.port}/`;
  let closing;
  return {
    server,
    url,
    /** Stops listening, cuts open connections, and closes the handler and the store. */
    close() {
      closing ??= (async () => {
        await new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await handle.close();
        await kv.close?.();
      })();
      return closing;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  const { url, close } = await startNotesServer({ port, fallbackPort: true, accessLog: process.env.ACCESS_LOG === '1' });
  console.log(`isowasm notes demo: ${url}  (the API is demos/notes/build/notes.wasm; notes in demos/notes/data/kv.sqlite; Ctrl-C stops it)`);
  const stop = () => {
    void close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
