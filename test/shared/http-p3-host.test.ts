/**
 * isowasm's wasi:http@0.3.0 host driven directly, as a guest would through its resource classes,
 * in JS terms (a `stream<u8>` is a ReadableStream, a `future` a promise): fields, request and
 * response, `client.send` against the test endpoints (a node:http server in Node, web-test-runner's
 * `/__http/` routes in Chromium), deny by default, and the request checks upstream's
 * p3-http-outbound-request-* programs expect.
 */
import type { DenialReport } from '../../src/core/host/capabilities.js';
import type { HttpErrorCode } from '../../src/core/wasi/http/errors.js';
import {
  Fields, Request, RequestOptions, Response, type TrailersResult, type Transmission, httpP3Namespaces, newIncomingRequest, requestPartsOf,
} from '../../src/core/wasi/p3/http/index.js';
import { deepEqual, equal, ok, rejects, throws } from '../harness/assert.js';
import { type TestEndpoints, testEndpoints } from '../harness/http-endpoints.js';
import { after, before, describe, isNode, it } from '../harness/test-api.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const noTrailers = (): Promise<TrailersResult> => Promise.resolve({ tag: 'ok', val: undefined });

let ep: TestEndpoints;
before(async () => { ep = await testEndpoints(); });
after(async () => { await ep?.close(); });

const at = (route: string): URL => ep.url(route);

function client(allow: string[] | null): { send: (r: Request) => Promise<Response>; reports: DenialReport[] } {
  const reports: DenialReport[] = [];
  const ns = httpP3Namespaces(allow ? { allow } : undefined, { async: true, report: (d) => reports.push(d), afterCall: () => {} }, (r) => fetch(r));
  return { send: (ns['wasi:http/client@0.3.0'] as { send: (r: Request) => Promise<Response> }).send, reports };
}

/** A stream the test writes as a guest would, chunk by chunk. */
function writable(): { stream: ReadableStream<Uint8Array>; write(s: string): void; close(): void } {
  let c!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (ctl) => { c = ctl; } });
  return { stream, write: (s) => c.enqueue(enc(s)), close: () => c.close() };
}

function request(method: Request['getMethod'] extends () => infer M ? M : never, url: URL, contents?: ReadableStream<Uint8Array>, headers: [string, string][] = []): [Request, Promise<Transmission>] {
  const [r, transmitted] = Request.new(Fields.fromList(headers.map(([k, v]) => [k, enc(v)])), contents, noTrailers(), undefined);
  r.setMethod(method);
  r.setScheme(url.protocol === 'https:' ? { tag: 'HTTPS' } : { tag: 'HTTP' });
  r.setAuthority(url.host);
  r.setPathWithQuery(`${url.pathname}${url.search}`);
  return [r, transmitted];
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new globalThis.Response(stream).text();
}

describe('wasi:http@0.3.0 types', () => {
  it('fields: 0.2\'s rules, copy-all, get-and-delete, size-exceeded past the limit', () => {
    const f = Fields.fromList([['Content-Type', enc('text/plain')], ['x-a', enc('1')], ['X-A', enc('2')]]);
    deepEqual(f.copyAll().map(([k, v]) => [k, dec(v)]), [['content-type', 'text/plain'], ['x-a', '1'], ['x-a', '2']]);
    deepEqual(f.getAndDelete('X-a').map(dec), ['1', '2']);
    equal(f.has('x-a'), false);
    // what p3-http-outbound-request-invalid-header checks
    deepEqual(throws(() => f.append('malformed header name', enc('ok'))), { tag: 'invalid-syntax' });
    deepEqual(throws(() => f.append('ok-header-name', enc('bad\nvalue'))), { tag: 'invalid-syntax' });
    for (const name of ['Connection', 'Keep-Alive', 'Host']) deepEqual(throws(() => f.append(name, enc('x'))), { tag: 'forbidden' });
    deepEqual(throws(() => Fields.fromList([['bad header', enc('v')]])), { tag: 'invalid-syntax' });
    deepEqual(throws(() => f.append('x-big', new Uint8Array(200 * 1024).fill(0x61))), { tag: 'size-exceeded' });
    const clone = f.clone();
    ok(clone instanceof Fields && clone !== f);
    const [req] = Request.new(f, undefined, noTrailers(), undefined);
    const own = req.getHeaders();
    for (const op of [() => own.set('content-length', [enc('10')]), () => own.append('content-length', enc('10')), () => own.delete('content-length'), () => own.getAndDelete('content-type')]) {
      deepEqual(throws(op), { tag: 'immutable' });
    }
    clone.append('x-b', enc('1'));
  });

  it('capabilities.http.forbiddenHeaders: the guest\'s fields refuse those names too; the host\'s own fields still pass as the guest\'s', () => {
    const ns = httpP3Namespaces({ allow: [], forbiddenHeaders: ['Custom-Forbidden-Header'] }, { async: true, report: () => {}, afterCall: () => {} }, (r) => fetch(r));
    const GuestFields = (ns['wasi:http/types@0.3.0'] as { Fields: typeof Fields }).Fields;
    const f = new GuestFields();
    for (const name of ['custom-forbidden-header', 'Custom-Forbidden-Header', 'connection']) deepEqual(throws(() => f.append(name, enc('x'))), { tag: 'forbidden' });
    deepEqual(throws(() => GuestFields.fromList([['custom-forbidden-header', enc('v')]])), { tag: 'forbidden' });
    f.append('x-ok', enc('1'));
    ok(f.clone() instanceof GuestFields && new Fields() instanceof GuestFields, 'one resource type for the guest\'s and the host\'s fields');
    deepEqual(throws(() => f.clone().append('custom-forbidden-header', enc('x'))), { tag: 'forbidden' });
    new Fields().append('custom-forbidden-header', enc('x'));
    equal((httpP3Namespaces({ allow: [], forbiddenHeaders: ['custom-forbidden-header'] }, { async: true, report: () => {}, afterCall: () => {} }, (r) => fetch(r))['wasi:http/types@0.3.0'] as { Fields: unknown }).Fields, GuestFields, 'one class per list');
  });

  it('request setters refuse what upstream\'s response-build refuses; options are the request\'s immutable copy', () => {
    const [req] = Request.new(new Fields(), undefined, noTrailers(), undefined);
    deepEqual(req.getMethod(), { tag: 'get' });
    equal(req.getPathWithQuery(), undefined);
    throws(() => req.setMethod({ tag: 'other', val: 'invalid method' }));
    for (const a of ['bad-port:99999', 'bad-\nhost', 'too-many-ports:80:80:80']) equal(throws(() => req.setAuthority(a)), undefined, a);
    for (const a of ['[::]:443', '[::]', 'example.com:8080', 'user@example.com']) req.setAuthority(a);
    throws(() => req.setScheme({ tag: 'other', val: 'bad\nscheme' }));
    throws(() => req.setPathWithQuery('/bad\npath'));
    req.setPathWithQuery('/a?b=1');
    equal(req.getPathWithQuery(), '/a?b=1');

    const o = new RequestOptions();
    o.setConnectTimeout(5n);
    const [withOptions] = Request.new(new Fields(), undefined, noTrailers(), o);
    const own = withOptions.getOptions()!;
    equal(own.getConnectTimeout(), 5n);
    deepEqual(throws(() => own.setFirstByteTimeout(1n)), { tag: 'immutable' });
    own.clone().setFirstByteTimeout(1n);
    o.setConnectTimeout(9n);
    equal(withOptions.getOptions()!.getConnectTimeout(), 5n, 'the request keeps the options it was made with');
  });

  it('consume-body: the contents, then the trailers (only after the contents ended); the consumer\'s result settles the transmission', async () => {
    const body = writable();
    let giveTrailers!: (t: TrailersResult) => void;
    const trailers = new Promise<TrailersResult>((r) => { giveTrailers = r; });
    const [res, transmitted] = Response.new(new Fields(), body.stream, trailers);
    let result!: (t: Transmission) => void;
    const [contents, trailersOut] = Response.consumeBody(res, new Promise<Transmission>((r) => { result = r; }));
    throws(() => Response.consumeBody(res, Promise.resolve({ tag: 'ok', val: undefined })));
    // trailers first: the host read them at once, and hands them on after the contents end
    giveTrailers({ tag: 'ok', val: Fields.fromList([['fizz', enc('buzz')]]) });
    let trailersSeen = false;
    void trailersOut.then(() => { trailersSeen = true; });
    body.write('hello, ');
    body.write('world');
    const reader = contents.getReader();
    equal(dec((await reader.read()).value!), 'hello, ');
    await new Promise((r) => setTimeout(r, 10));
    equal(trailersSeen, false, 'no trailers before the contents end');
    body.close();
    equal(dec((await reader.read()).value!), 'world');
    equal((await reader.read()).done, true);
    const t = await trailersOut;
    ok(t.tag === 'ok' && t.val instanceof Fields);
    deepEqual(t.val.copyAll().map(([k, v]) => [k, dec(v)]), [['fizz', 'buzz']]);
    result({ tag: 'err', val: { tag: 'HTTP-response-incomplete' } });
    deepEqual(await transmitted, { tag: 'err', val: { tag: 'HTTP-response-incomplete' } });
  });

  it('a message dropped unconsumed cancels its contents and fails its transmission', async () => {
    let cancelled: unknown = null;
    const contents = new ReadableStream<Uint8Array>({ cancel: (reason) => { cancelled = reason; } });
    const [req, transmitted] = Request.new(new Fields(), contents, noTrailers(), undefined);
    req[Symbol.dispose]();
    ok(cancelled instanceof Error);
    equal((await transmitted).tag, 'err');
  });

  it('newIncomingRequest: what a serving guest receives', async () => {
    const req = newIncomingRequest({
      method: { tag: 'post' }, scheme: { tag: 'HTTPS' }, authority: 'app.local', pathWithQuery: '/a', headers: Fields.fromList([['x', enc('1')]]),
      contents: new globalThis.Response('body').body!, trailers: noTrailers(),
    });
    deepEqual(requestPartsOf(req).method, { tag: 'post' });
    const [contents, trailers] = Request.consumeBody(req, Promise.resolve({ tag: 'ok', val: undefined }));
    equal(await text(contents), 'body');
    deepEqual(await trailers, { tag: 'ok', val: undefined });
  });
});

describe('wasi:http/client@0.3.0 send', () => {
  it('GET: status, headers, and a body that streams to the guest; the transmission succeeds', async () => {
    const { send } = client([ep.origin]);
    const [req, transmitted] = request({ tag: 'get' }, at('/echo?some=arg'), undefined, [['x-test', 'p3']]);
    const res = await send(req);
    equal(res.getStatusCode(), 200);
    deepEqual(res.getHeaders().get('x-echo-method').map(dec), ['GET']);
    const [body, trailers] = Response.consumeBody(res, Promise.resolve({ tag: 'ok', val: undefined }));
    const echoed = JSON.parse(await text(body)) as { url: string; headers: Record<string, string> };
    ok(echoed.url.endsWith('/echo?some=arg'), echoed.url);
    equal(echoed.headers['x-test'], 'p3');
    deepEqual(await trailers, { tag: 'ok', val: undefined });
    deepEqual(await transmitted, { tag: 'ok', val: undefined });
  });

  it('POST: the contents go out as the guest writes them (Content-Length kept to)', async () => {
    const { send } = client([ep.origin]);
    const body = writable();
    const [req, transmitted] = request({ tag: 'post' }, at('/echo'), body.stream, [['content-length', '11']]);
    const sending = send(req);
    body.write('long ');
    body.write('enough');
    body.close();
    const res = await sending;
    const [contents] = Response.consumeBody(res, Promise.resolve({ tag: 'ok', val: undefined }));
    equal((JSON.parse(await text(contents)) as { text: string }).text, 'long enough');
    deepEqual(await transmitted, { tag: 'ok', val: undefined });
  });

  it('a body shorter or longer than its Content-Length fails the transmission with HTTP-request-body-size', async () => {
    const { send } = client([ep.origin]);
    for (const [written, n] of [['msg', 3n], ['more than 11 bytes', 18n]] as const) {
      const body = writable();
      const [req, transmitted] = request({ tag: 'post' }, at('/echo'), body.stream, [['content-length', '11']]);
      const sending = send(req).then((res) => Response.consumeBody(res, Promise.resolve({ tag: 'ok', val: undefined }))[0].cancel(), () => {});
      body.write(written);
      body.close();
      deepEqual(await transmitted, { tag: 'err', val: { tag: 'HTTP-request-body-size', val: n } });
      await sending;
    }
  });

  it('refuses what can\'t be sent before anything reaches the network: no path, a scheme no client speaks, CONNECT', async () => {
    const { send } = client([ep.origin]);
    const [noPath] = Request.new(new Fields(), undefined, noTrailers(), undefined);
    noPath.setScheme({ tag: 'HTTP' });
    noPath.setAuthority(ep.base.host);
    deepEqual(await rejects(send(noPath)), { tag: 'HTTP-request-URI-invalid' });
    const [ws] = request({ tag: 'get' }, at('/echo'));
    ws.setScheme({ tag: 'other', val: 'WS' });
    deepEqual(await rejects(send(ws)), { tag: 'HTTP-protocol-error' });
    const [connect] = request({ tag: 'connect' }, at('/echo'));
    deepEqual(await rejects(send(connect)), { tag: 'HTTP-protocol-error' });
  });

  it('deny by default: without the grant, and to an origin not allowed, send fails with HTTP-request-denied and is reported', async () => {
    for (const allow of [null, ['https://api.example.com']]) {
      const { send, reports } = client(allow);
      const body = writable();
      const [req, transmitted] = request({ tag: 'post' }, at('/echo'), body.stream);
      deepEqual(await rejects(send(req)), { tag: 'HTTP-request-denied' } satisfies HttpErrorCode);
      deepEqual(await transmitted, { tag: 'err', val: { tag: 'HTTP-request-denied' } });
      equal(reports.length, 1);
      equal(reports[0]!.interface, 'wasi:http/client');
      ok(reports[0]!.grant.includes(ep.origin), reports[0]!.grant);
    }
  });
});
