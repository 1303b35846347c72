/**
 * `isowasm serve` of wasi:http/handler@0.3.0 components from the corpus (the issue's
 * done-criterion: a 0.3 handler answers through `isowasm serve`), spawned as a user runs it on a
 * free port of 127.0.0.1: p3-http-proxy forwards to a local server the `--allow-http` grant names
 * (and is refused without it); p3-cli-serve-sleep never answers, so with `--timeout` every request
 * gets a 5xx and the server says the guest timed out, as wasmtime's `cli_serve_sleep` checks.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startServe } from '../harness/cli.js';
import { equal, ok } from '../harness/assert.js';
import { conformanceP3Path } from '../harness/conformance-dir.js';

const BODY = 'And the mome raths outgrabe';

/** Upstream's p3 test server (jco's helpers/http.js): method and URI as headers, the body echoed. */
const upstream = createServer((req, res) => {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-wasmtime-test-method': req.method ?? '', 'x-wasmtime-test-uri': req.url ?? '' };
  if (req.headers['content-length']) headers['content-length'] = req.headers['content-length'];
  res.writeHead(200, headers);
  res.flushHeaders();
  req.pipe(res);
});
let origin = '';
before(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** Stops the server with SIGTERM; resolves with its exit code, or 'hung' (then kills it) if it is still there after 20 s. */
async function stop(child: ChildProcess): Promise<number | null | 'hung'> {
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), 20_000); });
  const r = await Promise.race([done, hung]);
  clearTimeout(timer);
  if (r === 'hung') child.kill('SIGKILL');
  return r;
}

describe('isowasm serve: wasi:http/handler@0.3.0 components', () => {
  it('p3-http-proxy answers on the printed URL, forwarding to the origin --allow-http grants', async () => {
    const { url, child, err } = await startServe(['--port', '0', '--allow-http', origin, conformanceP3Path('components/http/p3-http-proxy.wasm')]);
    try {
      equal(url.hostname, '127.0.0.1');
      const res = await fetch(new URL('/post', url), { method: 'POST', body: BODY, headers: { foo: 'bar', url: `${origin}/proxy` } });
      equal(res.status, 200, err());
      equal(res.headers.get('x-wasmtime-test-method'), 'POST');
      equal(res.headers.get('x-wasmtime-test-uri'), '/proxy');
      equal(await res.text(), BODY);
      equal((await fetch(new URL('/', url))).status, 400, 'no url header: the guest\'s 400');
    } finally {
      equal(await stop(child), 0, err());
    }
  });

  it('p3-http-proxy without --allow-http: the guest\'s request is refused, the client gets 502, and the server says which grant would allow it', async () => {
    const { url, child, err } = await startServe(['--port', '0', conformanceP3Path('components/http/p3-http-proxy.wasm')]);
    try {
      const res = await fetch(new URL('/post', url), { method: 'POST', body: BODY, headers: { url: `${origin}/proxy` } });
      ok(res.status === 502 || res.status === 500, String(res.status));
      await res.arrayBuffer();
      ok(err().includes(origin), err());
    } finally {
      await stop(child);
    }
  });

  it('p3-cli-serve-sleep with --timeout: every request gets a 5xx, and the server says the guest timed out', async () => {
    const { url, child, err } = await startServe(['--port', '0', '--timeout', '100ms', conformanceP3Path('components/cli/p3-cli-serve-sleep.wasm')]);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(new URL('/', url));
        ok(res.status >= 500 && res.status < 600, String(res.status));
        await res.arrayBuffer();
      }
      ok(/timeoutMs|timed out/.test(err()), err());
    } finally {
      // a graceful stop: nothing of the ended instances (their waits' timers) keeps the server alive
      equal(await stop(child), 0, `the server did not exit after SIGTERM: ${err()}`);
    }
  });
});
