// `npm run demo:browser`: builds the demo component and serves the repository on 127.0.0.1 (port
// 8080, or the first argument; 0 picks a free one), with the cross-origin isolation headers the
// 'worker' strategy needs in browsers. Open http://127.0.0.1:8080/ for demos/browser/index.html.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGreet } from './greet/build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json', '.json': 'application/json' };

/** Serves the repository; resolves to the server once it listens. */
export async function serveDemo(port = 8080) {
  await buildGreet();
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://demo').pathname));
    if (path === sep || path === '/') path = '/demos/browser/index.html';
    const file = join(root, path);
    // only files below the repository, never a path that climbs out of it
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      // cross-origin isolation: SharedArrayBuffer and Atomics.wait, for strategy 'worker'
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serveDemo(Number(process.argv[2] ?? 8080));
  console.log(`isowasm demo: http://127.0.0.1:${server.address().port}/  (Ctrl-C stops it)`);
}
