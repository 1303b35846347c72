/**
 * isowasm's wasi:http host driven directly (as a guest would, through the resource classes)
 * against the test endpoints: a node:http server in Node, web-test-runner's `/__http/` routes in
 * Chromium. Covers what both platforms must do the same, and states where they differ (request
 * bodies stream in Node and are collected first in browsers; browsers hide redirect targets).
 */
import type { DenialReport } from '../../src/core/host/capabilities.js';
import { Fields } from '../../src/core/wasi/http/fields.js';
import {
  type FutureIncomingResponse, type IncomingResponse, OutgoingRequest, OutgoingResponse, RequestOptions, newIncomingRequest, newResponseOutparam,
  outgoingResponseParts, IncomingBody, OutgoingBody, ResponseOutparam,
} from '../../src/core/wasi/http/types.js';
import { type HttpErrorCode, httpErrorCode } from '../../src/core/wasi/http/errors.js';
import { deniedHttpNamespaces, httpNamespaces } from '../../src/core/wasi/http/index.js';
import type { InputStream, IoError, OutputStream } from '../../src/core/wasi/io.js';
import { deepEqual, equal, ok, rejects, throws } from '../harness/assert.js';
import { type TestEndpoints, testEndpoints } from '../harness/http-endpoints.js';
import { after, before, describe, isNode, it } from '../harness/test-api.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

let ep: TestEndpoints;
const fetched: string[] = [];
const countingFetch = (r: Request): Promise<Response> => {
  fetched.push(r.url);
  return fetch(r);
};
before(async () => {
  ep = await testEndpoints();
});
after(async () => {
  await ep?.close();
});

/** A route's URL: `/echo?x` under the endpoints' base. */
const at = (route: string): URL => ep.url(route);
let tagCounter = 0;
/** A query value unique to one test, so hit counts don't mix. */
const uniqueTag = (): string => `t${Date.now().toString(36)}${(tagCounter++).toString(36)}`;

function host(allow: string[] = [ep.origin], adapter = countingFetch): { handle: (r: OutgoingRequest, o?: RequestOptions) => FutureIncomingResponse; reports: DenialReport[] } {
  const reports: DenialReport[] = [];
  const ns = httpNamespaces({ allow }, { async: true, report: (d) => reports.push(d), afterCall: () => {} }, adapter);
  return { handle: (ns['wasi:http/outgoing-handler'] as { handle: (r: OutgoingRequest, o?: RequestOptions) => FutureIncomingResponse }).handle, reports };
}

function request(method: string, url: URL | string, headers: [string, string][] = []): OutgoingRequest {
  const u = typeof url === 'string' ? new URL(url) : url;
  const r = new OutgoingRequest(Fields.fromList(headers.map(([k, v]) => [k, enc(v)])));
  r.setMethod(['GET', 'POST', 'PUT', 'HEAD'].includes(method) ? { tag: method.toLowerCase() as 'get' } : { tag: 'other', val: method });
  r.setScheme(u.protocol === 'https:' ? { tag: 'HTTPS' } : { tag: 'HTTP' });
  r.setAuthority(u.host);
  r.setPathWithQuery(`${u.pathname}${u.search}`);
  return r;
}

/** Waits for the response as a guest would (subscribe + block), throwing the error-code. */
async function response(future: FutureIncomingResponse): Promise<IncomingResponse> {
  await future.subscribe().block();
  const r = future.get();
  ok(r && r.tag === 'ok', 'the future is ready once its pollable is');
  equal(future.get()?.tag, 'err', 'a second get says the value was taken');
  if (r.val.tag === 'err') throw r.val.val;
  return r.val.val;
}

/** Reads a stream to its end with blocking reads; returns the bytes and the sizes of the reads. */
async function readAll(stream: InputStream): Promise<{ bytes: Uint8Array; reads: number[] }> {
  const parts: Uint8Array[] = [];
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.blockingRead(1n << 20n);
    } catch (e) {
      if ((e as { tag?: string }).tag === 'closed') break;
      throw e;
    }
    parts.push(chunk);
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  return { bytes, reads: parts.map((p) => p.length) };
}

async function bodyText(res: IncomingResponse): Promise<string> {
  return dec((await readAll(res.consume().stream())).bytes);
}

function header(res: IncomingResponse, name: string): string[] {
  return res.headers().get(name).map(dec);
}

async function writeBody(r: OutgoingRequest | OutgoingResponse, ...chunks: string[]): Promise<OutgoingBody> {
  const body = r.body();
  const out: OutputStream = body.write();
  for (const c of chunks) await out.blockingWriteAndFlush(enc(c));
  return body;
}

describe('wasi:http/types fields', () => {
  it('validates names and values, forbids hop-by-hop names, compares names without case', () => {
    const f = Fields.fromList([['Content-Type', enc('text/plain')], ['x-a', enc('1')], ['X-A', enc('2')]]);
    deepEqual(f.get('x-a').map(dec), ['1', '2']);
    deepEqual(f.get('CONTENT-TYPE').map(dec), ['text/plain']);
    equal(f.has('Content-type'), true);
    deepEqual(f.entries().map(([k, v]) => [k, dec(v)]), [['content-type', 'text/plain'], ['x-a', '1'], ['x-a', '2']]);
    // set replaces every value in the place of the first
    f.set('x-a', [enc('3')]);
    deepEqual(f.entries().map(([k]) => k), ['content-type', 'x-a']);
    f.delete('X-a');
    equal(f.has('x-a'), false);
    for (const bad of ['', 'a b', 'a:b', 'ä', '(x)']) {
      deepEqual(throws(() => f.append(bad, enc('v'))), { tag: 'invalid-syntax' });
      deepEqual(f.get(bad), []);
    }
    for (const bad of [enc('a\r\nb'), enc('a\nb'), new Uint8Array([0]), new Uint8Array([0x7f])]) deepEqual(throws(() => f.append('x', bad)), { tag: 'invalid-syntax' });
    f.append('x', enc('tab\tand obs-text \u00ff'));
    for (const name of ['Connection', 'host', 'Transfer-Encoding', 'upgrade', 'keep-alive', 'te']) deepEqual(throws(() => Fields.fromList([[name, enc('x')]])), { tag: 'forbidden' });
    deepEqual(throws(() => Fields.fromList([['ok', enc('a\rb')]])), { tag: 'invalid-syntax' });
  });

  it('makes a request\'s and a response\'s own headers immutable; clones are mutable copies', () => {
    const given = Fields.fromList([['x-a', enc('1')]]);
    const req = new OutgoingRequest(given);
    const h = req.headers();
    deepEqual(throws(() => h.append('x-b', enc('2'))), { tag: 'immutable' });
    deepEqual(throws(() => h.set('x-a', [])), { tag: 'immutable' });
    deepEqual(throws(() => h.delete('x-a')), { tag: 'immutable' });
    // fields handed to a request belong to it
    deepEqual(throws(() => given.append('x-b', enc('2'))), { tag: 'immutable' });
    const copy = h.clone();
    copy.append('x-b', enc('2'));
    deepEqual(copy.entries().map(([k]) => k), ['x-a', 'x-b']);
    deepEqual(h.entries().map(([k]) => k), ['x-a']);
    // values handed out are copies: changing one changes nothing inside
    h.get('x-a')[0]![0] = 0x39;
    deepEqual(h.get('x-a').map(dec), ['1']);
    const res = new OutgoingResponse(new Fields());
    deepEqual(throws(() => res.headers().append('x', enc('y'))), { tag: 'immutable' });
  });

  it('validates request and response setters as the WIT results say', () => {
    const r = new OutgoingRequest(new Fields());
    deepEqual(r.method(), { tag: 'get' });
    equal(throws(() => r.setMethod({ tag: 'other', val: 'BAD METHOD' })), undefined);
    equal(throws(() => r.setAuthority('example.com/path')), undefined);
    equal(throws(() => r.setAuthority('exa mple.com')), undefined);
    equal(throws(() => r.setPathWithQuery('@evil.example/')), undefined);
    equal(throws(() => r.setPathWithQuery('/a b')), undefined);
    equal(throws(() => r.setPathWithQuery('/a#frag')), undefined);
    equal(throws(() => r.setScheme({ tag: 'other', val: 'no spaces' })), undefined);
    r.setPathWithQuery('/x?y=1');
    equal(r.pathWithQuery(), '/x?y=1');
    r.body();
    equal(throws(() => r.body()), undefined, 'the body can be taken once');
    const res = new OutgoingResponse(new Fields());
    equal(res.statusCode(), 200);
    equal(throws(() => res.setStatusCode(99)), undefined);
    equal(throws(() => res.setStatusCode(600)), undefined);
    res.setStatusCode(201);
    equal(res.statusCode(), 201);
    const o = new RequestOptions();
    o.setFirstByteTimeout(5n);
    equal(o.firstByteTimeout(), 5n);
    equal(o.connectTimeout(), undefined);
    throws(() => new (IncomingBody as unknown as new () => unknown)(), { instanceOf: TypeError });
  });
});

describe('wasi:http outgoing-handler through fetch', () => {
  it('sends method, headers and a body written before handle; reads status, headers and body', async () => {
    const { handle } = host();
    const tag = uniqueTag();
    const req = request('PUT', at(`/echo?tag=${tag}`), [['x-custom', 'hello'], ['content-type', 'text/plain']]);
    const body = await writeBody(req, 'hello ', 'world');
    OutgoingBody.finish(body, undefined);
    const res = await response(handle(req));
    equal(res.status(), 200);
    deepEqual(header(res, 'x-echo-method'), ['PUT']);
    deepEqual(throws(() => res.headers().append('x', enc('y'))), { tag: 'immutable' });
    const echo = JSON.parse(await bodyText(res)) as { method: string; url: string; headers: Record<string, string>; text: string; length: number };
    equal(echo.method, 'PUT');
    equal(echo.url, at(`/echo?tag=${tag}`).pathname + `?tag=${tag}`);
    equal(echo.headers['x-custom'], 'hello');
    equal(echo.text, 'hello world');
    // a body finished before handle is sent whole, with its length
    equal(echo.headers['content-length'], '11');
    if (isNode) deepEqual(header(res, 'set-cookie'), ['a=1', 'b=2']);
  });

  it(`${isNode ? 'streams' : 'collects, then sends'} a body written after handle`, async () => {
    const { handle } = host();
    const req = request('POST', at('/echo'));
    const body = req.body();
    const future = handle(req);
    const out = body.write();
    for (let i = 0; i < 5; i++) await out.blockingWriteAndFlush(enc(`part ${i};`));
    OutgoingBody.finish(body, undefined);
    const echo = JSON.parse(await bodyText(await response(future))) as { text: string; headers: Record<string, string> };
    equal(echo.text, 'part 0;part 1;part 2;part 3;part 4;');
    // Node's fetch streams it (chunked); Chromium streams uploads only over HTTP/2, so it is collected
    if (isNode) equal(echo.headers['transfer-encoding'], 'chunked');
    else equal(echo.headers['content-length'], '35');
  });

  it('streams the response body: the first chunk is readable while the server still holds back the rest', async () => {
    const { handle } = host();
    const started = performance.now();
    const res = await response(handle(request('GET', at('/stall?ms=1500'))));
    const stream = res.consume().stream();
    const first = await stream.blockingRead(100n);
    equal(dec(first), 'first;');
    ok(performance.now() - started < 1200, `the first chunk took ${Math.round(performance.now() - started)} ms`);
    // the pollable is not ready while nothing has arrived
    equal(stream.subscribe().ready(), false);
    const rest = await readAll(stream);
    equal(dec(rest.bytes), 'last');
    ok(performance.now() - started >= 1400);
  });

  it('downloads a few MB intact', async () => {
    const { handle } = host();
    const res = await response(handle(request('GET', at('/large?size=3000000'))));
    equal(header(res, 'content-length')[0], '3000000');
    const { bytes, reads } = await readAll(res.consume().stream());
    equal(bytes.length, 3_000_000);
    for (let i = 0; i < bytes.length; i += 9973) equal(bytes[i], i % 251, `byte ${i}`);
    ok(reads.length > 1, 'it arrived in several reads');
  });

  it('enforces a first-byte timeout from request-options', async () => {
    const { handle } = host();
    const options = new RequestOptions();
    options.setFirstByteTimeout(200_000_000n);
    const started = performance.now();
    const e = await rejects(response(handle(request('GET', at('/slow?ms=3000')), options)));
    deepEqual(e, { tag: 'connection-read-timeout' });
    ok(performance.now() - started < 2000);
    // the longest timeouts a guest can ask for are long, not "at once" (timers overflow past 2^31 ms)
    const longest = new RequestOptions();
    longest.setConnectTimeout(2n ** 64n - 1n);
    longest.setFirstByteTimeout(2n ** 64n - 1n);
    longest.setBetweenBytesTimeout(2n ** 64n - 1n);
    equal(await bodyText(await response(handle(request('GET', at('/stream?n=2&delay=30')), longest))), 'chunk 0;chunk 1;');
  });

  it('enforces a between-bytes timeout: the read fails with an error http-error-code explains', async () => {
    const { handle } = host();
    const options = new RequestOptions();
    options.setBetweenBytesTimeout(200_000_000n);
    const res = await response(handle(request('GET', at('/stall?ms=3000')), options));
    const body = res.consume();
    const stream = body.stream();
    equal(dec(await stream.blockingRead(100n)), 'first;');
    const e = await rejects(Promise.resolve().then(() => stream.blockingRead(100n))) as { tag: string; val: IoError };
    equal(e.tag, 'last-operation-failed');
    deepEqual(httpErrorCode(e.val), { tag: 'connection-read-timeout' } satisfies HttpErrorCode);
    const trailers = IncomingBody.finish(body);
    await trailers.subscribe().block();
    deepEqual(trailers.get(), { tag: 'ok', val: { tag: 'err', val: { tag: 'connection-read-timeout' } } });
  });

  it('resolves future-trailers with none once a body has been read or finished', async () => {
    const { handle } = host();
    const res = await response(handle(request('GET', at('/stream?n=3&delay=20'))));
    const body = res.consume();
    // finish without reading: the rest is read and dropped, then the trailers (none) are there
    const trailers = IncomingBody.finish(body);
    await trailers.subscribe().block();
    deepEqual(trailers.get(), { tag: 'ok', val: { tag: 'ok', val: undefined } });
    deepEqual(trailers.get(), { tag: 'err', val: undefined });
  });

  it('refuses what the allow-list does not allow, before fetch is called, whatever the authority says', async () => {
    const { handle, reports } = host();
    const allowedHost = ep.base.host;
    const port = ep.base.port || '80';
    const tag = uniqueTag();
    const before = fetched.length;
    const tricks: [string, string][] = [
      ['http', 'evil.example'],
      ['http', `${ep.base.hostname}.evil.example:${port}`],
      ['http', `${allowedHost}@evil.example`],
      ['http', `user:pw@${allowedHost}`],
      ['http', `[::1]:${port}`],
      ['http', `127.0.0.2:${port}`],
      ['https', allowedHost],
      ['http', `${ep.base.hostname}:${Number(port) + 1}`],
      ['http', isNode ? `localhost:${port}` : `127.0.0.1:${port}`],
    ];
    for (const [scheme, authority] of tricks) {
      const r = request('GET', at(`/echo?tag=${tag}`));
      r.setScheme(scheme === 'https' ? { tag: 'HTTPS' } : { tag: 'HTTP' });
      r.setAuthority(authority);
      deepEqual(throws(() => handle(r)), { tag: 'HTTP-request-denied' }, `${scheme}://${authority}`);
    }
    // a scheme other than http(s), and no authority at all
    const ftp = request('GET', at('/echo'));
    ftp.setScheme({ tag: 'other', val: 'ftp' });
    deepEqual(throws(() => handle(ftp)), { tag: 'HTTP-request-denied' });
    const none = request('GET', at('/echo'));
    none.setAuthority(undefined);
    deepEqual(throws(() => handle(none)), { tag: 'HTTP-request-URI-invalid' });
    equal(fetched.length, before, 'fetch was never called');
    equal(await ep.hits(`/echo?tag=${tag}`), 0);
    equal(reports.length, 9 + 1);
    ok(reports.every((d) => d.capability === 'http' && d.interface === 'wasi:http/outgoing-handler'));
    ok(reports[0]!.grant.includes(`'${ep.origin}', 'http://evil.example'`), reports[0]!.grant);
    // the allowed origin in upper case and with a path that looks like a host still go where the authority says
    const upper = request('GET', at(`/echo?tag=${tag}`));
    upper.setAuthority(allowedHost.toUpperCase());
    equal((await response(handle(upper))).status(), 200);
    const sneaky = request('GET', at(`/echo?tag=${tag}`));
    // (in the browser under /__http/, where web-test-runner's static files would refuse a path starting with //)
    const sneakyPath = `${isNode ? '' : '/__http/'}/evil.example/echo`;
    sneaky.setPathWithQuery(sneakyPath);
    (await response(handle(sneaky)))[Symbol.dispose]();
    // the path stays a path: the request went to the allowed origin
    equal(fetched.at(-1), `${ep.origin}${sneakyPath}`);
  });

  it('fails the request body when the request is refused', () => {
    const { handle } = host();
    const r = request('POST', 'http://evil.example/');
    const body = r.body();
    const out = body.write();
    throws(() => handle(r));
    deepEqual((throws(() => out.write(enc('x'))) as { tag: string }).tag, 'last-operation-failed');
    deepEqual(throws(() => OutgoingBody.finish(body, undefined)), { tag: 'HTTP-request-denied' });
  });

  it(isNode ? 'follows redirects to allowed origins and refuses the others without requesting them' : 'refuses to follow redirects, whose targets a browser hides', async () => {
    const { handle, reports } = host();
    const tag = uniqueTag();
    const allowedTarget = at(`/echo?tag=${tag}&via=allowed`).href;
    const future = handle(request('GET', at(`/redirect?to=${encodeURIComponent(allowedTarget)}`)));
    if (isNode) {
      const echo = JSON.parse(await bodyText(await response(future))) as { url: string };
      ok(echo.url.endsWith(`via=allowed`));
      equal(reports.length, 0);
    } else {
      deepEqual(await rejects(response(future)), { tag: 'HTTP-request-denied' });
      equal(reports.length, 1);
      ok(reports[0]!.detail.includes('the browser hides'), reports[0]!.detail);
      equal(await ep.hits(`/echo?tag=${tag}&via=allowed`), 0);
    }
    const otherOrigin = new URL(at(`/echo?tag=${tag}&via=refused`));
    otherOrigin.hostname = isNode ? 'localhost' : '127.0.0.1';
    const refused = handle(request('GET', at(`/redirect?status=307&to=${encodeURIComponent(otherOrigin.href)}`)));
    deepEqual(await rejects(response(refused)), { tag: 'HTTP-request-denied' });
    equal(await ep.hits(`/echo?tag=${tag}&via=refused`), 0);
    if (isNode) ok(reports[0]!.detail.includes('redirected'), reports[0]!.detail);
  });

  it('cancels the request when the guest drops the future', async () => {
    const requests: Request[] = [];
    const { handle } = host([ep.origin], (r) => { requests.push(r); return fetch(r); });
    const future = handle(request('GET', at('/slow?ms=400')));
    await new Promise((r) => setTimeout(r, 20));
    equal(requests.length, 1);
    equal(requests[0]!.signal.aborted, false);
    future[Symbol.dispose]();
    equal(requests[0]!.signal.aborted, true);
  });

  it('refuses every request when HTTP was not granted, naming the grant for that origin', () => {
    const reports: DenialReport[] = [];
    const ns = deniedHttpNamespaces((d) => reports.push(d));
    const handle = (ns['wasi:http/outgoing-handler'] as { handle: (r: OutgoingRequest) => unknown }).handle;
    const before = fetched.length;
    deepEqual(throws(() => handle(request('GET', at('/echo')))), { tag: 'HTTP-request-denied' });
    equal(fetched.length, before);
    equal(reports.length, 1);
    equal(reports[0]!.grant, `capabilities.http = { allow: ['${ep.origin}'] }`);
    // the types still work without the grant (they are what a guest serving requests uses)
    ok(new (ns['wasi:http/types'] as { Fields: typeof Fields }).Fields() instanceof Fields);
  });
});

describe('wasi:http incoming side (for serving requests)', () => {
  it('gives a guest an incoming request whose body streams from a ReadableStream', async () => {
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => { ctl = c; } });
    const req = newIncomingRequest({
      method: { tag: 'post' }, pathWithQuery: '/api?x=1', scheme: { tag: 'HTTPS' }, authority: 'app.local',
      headers: Fields.fromList([['content-type', enc('text/plain')]]), body: stream, async: true,
    });
    deepEqual([req.method(), req.pathWithQuery(), req.scheme(), req.authority()], [{ tag: 'post' }, '/api?x=1', { tag: 'HTTPS' }, 'app.local']);
    deepEqual(throws(() => req.headers().append('x', enc('y'))), { tag: 'immutable' });
    const body = req.consume();
    equal(throws(() => req.consume()), undefined);
    const input = body.stream();
    ctl.enqueue(enc('one;'));
    equal(dec(await input.blockingRead(100n)), 'one;');
    const pollable = input.subscribe();
    equal(pollable.ready(), false);
    setTimeout(() => { ctl.enqueue(enc('two;')); ctl.close(); }, 20);
    await pollable.block();
    equal(dec(input.read(100n)), 'two;');
    equal(((await rejects(Promise.resolve().then(() => input.blockingRead(10n)))) as { tag: string }).tag, 'closed');
  });

  it('takes the guest\'s response from a response-outparam and streams its body to a Response', async () => {
    const { outparam, response: answered } = newResponseOutparam();
    const res = new OutgoingResponse(Fields.fromList([['content-type', enc('text/plain')]]));
    res.setStatusCode(201);
    const body = res.body();
    ResponseOutparam.set(outparam, { tag: 'ok', val: res });
    throws(() => ResponseOutparam.set(outparam, { tag: 'ok', val: res }), { message: 'twice' });
    const got = await answered;
    ok(got.tag === 'ok');
    const parts = outgoingResponseParts(got.val);
    equal(parts.status, 201);
    const web = new Response(parts.body!.stream(), { status: parts.status, headers: parts.headers.entries().map(([k, v]) => [k, dec(v)]) });
    const out = body.write();
    out.write(enc('streamed '));
    const reader = web.body!.getReader();
    equal(dec((await reader.read()).value!), 'streamed ');
    out.write(enc('body'));
    OutgoingBody.finish(body, undefined);
    equal(dec((await reader.read()).value!), 'body');
    equal((await reader.read()).done, true);
    equal(web.headers.get('content-type'), 'text/plain');
  });
});
