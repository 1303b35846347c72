/**
 * The corpus' wasi:http@0.3.0 components (../shared/conformance-p3/components/http, and
 * cli/p3-cli-serve-sleep), with upstream's expectations (jco's test/p3 helpers/fixtures.js):
 * - handlers, served by createFetchHandler: p3-http-proxy forwards the request to the URL its
 *   `url` header names; p3-http-middleware-with-chain waits 10 ms and hands the request to the
 *   host's `local:local/chain-http` (here an echo, as upstream's); p3-cli-serve-sleep never
 *   answers, so the server answers 5xx at its timeout and reports it (wasmtime's cli_serve_sleep).
 * - the p3-http-outbound-request-* programs, wasi:cli/run@0.3.0 commands that send requests to
 *   the server in HTTP_SERVER and run to ok. That server is the test endpoints' `/p3/` route (a
 *   node:http server in Node, web-test-runner's `/__http/` routes in Chromium), which answers as
 *   upstream's does; the fetch adapter routes the guest's HTTP_SERVER there, and TEST-NET-3
 *   (203.0.113.12, which upstream expects to time out and this machine's network answers) to a
 *   route that never answers.
 * Known exceptions, each checked to fail exactly where explained: content-length's "writing too
 * much" (below); invalid-dnsname in Chromium (a browser's fetch says only "Failed to fetch").
 */
import { IsowasmError } from '../../src/core/errors.js';
import { RESPONSE_TRAILERS, TRAILERS } from '../../src/core/http/bridge.js';
import type { FetchAdapter } from '../../src/core/host/platform.js';
import type { Platform } from '../../src/core/platform.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { echo } from '../harness/chain-http-echo.js';
import { readConformanceP3 } from '../harness/files.js';
import { platform, platformValue } from '../harness/platform.js';
import { type TestEndpoints, testEndpoints } from '../harness/http-endpoints.js';
import { after, before, describe, isNode, it } from '../harness/test-api.js';

let ep: TestEndpoints;
before(async () => { ep = await testEndpoints(); });
after(async () => { await ep?.close(); });

/** The platform, with a fetch adapter that routes the guest's HTTP_SERVER to the `/p3/` route and TEST-NET-3 to `/silent`. */
async function routedPlatform(): Promise<Platform> {
  const base = await platformValue();
  const routed: FetchAdapter = async (request) => {
    const u = new URL(request.url);
    const to = u.host === ep.base.host ? ep.url(`/p3${u.pathname}${u.search}`).href : u.hostname === '203.0.113.12' ? ep.url('/silent?ms=1000').href : null;
    if (to === null) return fetch(request);
    // Node streams the body on; a browser sends a stream only over HTTP/2, so it gets the bytes
    const body = request.body === null ? null : isNode ? request.body : await request.arrayBuffer();
    return fetch(new Request(to, { method: request.method, headers: request.headers, body, signal: request.signal, redirect: 'manual', duplex: 'half' } as RequestInit));
  };
  return { ...base, wasi: { ...base.wasi!, fetch: routed } };
}

async function load(path: string) {
  const { loadComponent } = await platform();
  return loadComponent(await readConformanceP3(`components/${path}.wasm`));
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const BODY = 'And the mome raths outgrabe';

describe('conformance-p3: wasi:http/handler@0.3.0 components through createFetchHandler', () => {
  it('p3-http-proxy: forwards method, path and body to the URL in its url header; the upstream\'s answer comes back', async () => {
    const { createFetchHandler } = await platform();
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler!(await load('http/p3-http-proxy'), {
      platform: await routedPlatform(), capabilities: { http: { allow: [`http://${ep.base.host}`] } }, onError: (e) => errors.push(e),
    });
    try {
      const res = await handle(new Request('http://localhost/post', {
        method: 'POST', body: BODY, headers: { foo: 'bar', 'content-length': String(BODY.length), url: `http://${ep.base.host}/proxy` },
      }));
      equal(res.status, 200);
      equal(res.headers.get('x-wasmtime-test-method'), 'POST');
      equal(res.headers.get('x-wasmtime-test-uri'), '/proxy');
      equal(await res.text(), BODY);
      equal((await handle(new Request('http://localhost/'))).status, 400, 'no url header: 400');
      deepEqual(errors, []);
    } finally {
      await handle.close();
    }
  });

  it('p3-http-proxy without the grant: the upstream request is refused (deny by default), and the client gets a server error (500 or 502)', async () => {
    const { createFetchHandler } = await platform();
    const errors: IsowasmError[] = [];
    const denied: IsowasmError[] = [];
    const handle = createFetchHandler!(await load('http/p3-http-proxy'), { platform: await routedPlatform(), onError: (e) => errors.push(e), onCapabilityDenied: (e) => denied.push(e) });
    try {
      const res = await handle(new Request('http://localhost/post', { method: 'POST', body: BODY, headers: { url: `http://${ep.base.host}/proxy` } }));
      ok(res.status === 500 || res.status === 502, String(res.status));
      equal(denied[0]?.code, 'CAPABILITY_DENIED');
      ok(errors[0]?.message.includes('HTTP-request-denied'), errors[0]?.message);
    } finally {
      await handle.close();
    }
  });

  it('p3-http-middleware-with-chain: after its 10 ms wait, the host\'s chain-http echoes headers, body and trailers', async () => {
    const { createFetchHandler } = await platform();
    const handle = createFetchHandler!(await load('http/p3-http-middleware-with-chain'), {
      imports: { 'local:local/chain-http': { handle: echo } }, onError: (e) => { throw e; },
    });
    try {
      const request = new Request('http://localhost/', { method: 'POST', body: BODY, headers: { foo: 'bar' } });
      // as createRequestListener does: the request's trailers, and a server that sends the response's
      Object.defineProperty(request, TRAILERS, { value: () => [['fizz', 'buzz']] });
      const res = await handle(request);
      equal(res.status, 200);
      equal(res.headers.get('foo'), 'bar');
      equal(await res.text(), BODY);
      deepEqual((res as unknown as Record<symbol, () => [string, string][]>)[RESPONSE_TRAILERS]!(), [['fizz', 'buzz']]);
    } finally {
      await handle.close();
    }
  });

  // (also through `isowasm serve`, test/node/cli-serve-p3.test.ts, as wasmtime tests it); an
  // ended instance's wait ends with it, so its timer doesn't keep the process alive
  it('p3-cli-serve-sleep: a guest that waits forever gets a 5xx at the timeout, reported, and the handler goes on serving', async () => {
    const { createFetchHandler } = await platform();
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler!(await load('cli/p3-cli-serve-sleep'), { limits: { timeoutMs: 100 }, onError: (e) => errors.push(e) });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await handle(new Request('http://localhost/'));
        ok(res.status >= 500 && res.status < 600, String(res.status));
      }
      deepEqual(errors.map((e) => e.code), ['TIMEOUT', 'TIMEOUT']);
      ok(errors[0]!.message.includes('timeoutMs'), errors[0]!.message);
    } finally {
      await handle.close();
    }
  });
});

/** The outbound-request programs; `browser: false` where Chromium can't do what upstream checks (see below). */
const OUTBOUND: readonly { name: string; browser: boolean }[] = [
  { name: 'get', browser: true },
  { name: 'post', browser: true },
  { name: 'put', browser: true },
  { name: 'large-post', browser: true },
  { name: 'invalid-header', browser: true },
  { name: 'invalid-port', browser: true },
  { name: 'invalid-version', browser: true },
  { name: 'missing-path-and-query', browser: true },
  { name: 'response-build', browser: true },
  { name: 'timeout', browser: true },
  { name: 'unknown-method', browser: true },
  { name: 'unsupported-scheme', browser: true },
  // a browser's fetch fails a name that doesn't resolve with a bare "Failed to fetch", so the
  // error-code can't be DNS-error (it is internal-error); Node's says ENOTFOUND
  { name: 'invalid-dnsname', browser: false },
];

/** Runs a program's wasi:cli/run@0.3.0 to its end; resolves with what it printed, rejects as the run fails. */
async function run(name: string, printed: string[]): Promise<void> {
  const component = await load(`http/p3-http-outbound-request-${name}`);
  const sink = (b: Uint8Array): void => { printed.push(new TextDecoder().decode(b)); };
  const { exports } = await component.instantiate({
    platform: await routedPlatform(),
    async: true,
    capabilities: {
      env: { HTTP_SERVER: ep.base.host },
      stdio: { stdout: sink, stderr: sink },
      http: {
        allow: [`http://${ep.base.host}`, 'http://203.0.113.12', 'http://some.invalid.dnsname:3000', 'http://localhost:3000'],
        // what upstream's runner forbids besides the hop-by-hop names (jco's cli-runner.js)
        forbiddenHeaders: ['custom-forbidden-header'],
      },
    },
  });
  await (exports as { 'wasi:cli/run': { run(): Promise<void> } })['wasi:cli/run'].run();
}

describe('conformance-p3: the p3-http-outbound-request-* programs run to ok (wasi:cli/run@0.3.0)', () => {
  for (const { name, browser } of OUTBOUND) {
    if (!browser && !isNode) continue;
    it(name, async () => {
      const printed: string[] = [];
      await run(name, printed).catch((e: unknown) => {
        throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}\n${printed.join('')}`);
      });
    });
  }

  it('content-length: a body as long as its Content-Length goes out, a shorter one fails with HTTP-request-body-size(3); "writing too much" can\'t pass', async () => {
    // The program's third case writes 18 bytes to a body whose Content-Length is 11 and asserts
    // that none of them were taken (wasmtime's host sees the write's length before it copies and
    // refuses it whole). A host that reads a stream<u8> (a ReadableStream) takes a write's bytes
    // when it reads them, so it can only fail the body after 18 bytes arrived: the transmission
    // fails with HTTP-request-body-size(18), as the program expects, but its assertion on the
    // bytes left unwritten fails first.
    const printed: string[] = [];
    const e = await rejects(run('content-length', printed));
    const out = printed.join('');
    ok(out.includes('writing enough\nwriting too little\nwriting too much\n'), out);
    ok(/left: ""\s+right: "more than 11 bytes"/.test(out), out);
    ok(e instanceof Error, String(e));
  });
});
