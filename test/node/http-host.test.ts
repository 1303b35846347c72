/**
 * Node-only behaviour of isowasm's outgoing HTTP host, driven through the wasi:http resource
 * classes: full-duplex streaming, back-pressure, redirects that must replay or strip, and how
 * network failures map onto wasi:http error-codes.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DenialReport } from '../../src/core/host/capabilities.js';
import { BODY_HIGH_WATER } from '../../src/core/wasi/http/body.js';
import { Fields } from '../../src/core/wasi/http/fields.js';
import { type FutureIncomingResponse, type IncomingResponse, OutgoingBody, OutgoingRequest, type RequestOptions } from '../../src/core/wasi/http/types.js';
import { httpNamespaces } from '../../src/core/wasi/http/index.js';
import type { InputStream } from '../../src/core/wasi/io.js';
import { type TestServer, startTestServer } from './http-test-server.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

function host(allow: string[] = [server.origin], adapter: (r: Request) => Promise<Response> = (r) => fetch(r)): { handle: (r: OutgoingRequest, o?: RequestOptions) => FutureIncomingResponse; reports: DenialReport[] } {
  const reports: DenialReport[] = [];
  const ns = httpNamespaces({ allow }, { async: true, report: (d) => reports.push(d), afterCall: () => {} }, adapter);
  return { handle: (ns['wasi:http/outgoing-handler'] as { handle: (r: OutgoingRequest, o?: RequestOptions) => FutureIncomingResponse }).handle, reports };
}

function request(method: 'get' | 'post' | 'put', url: string, headers: [string, string][] = []): OutgoingRequest {
  const u = new URL(url);
  const r = new OutgoingRequest(Fields.fromList(headers.map(([k, v]) => [k, enc(v)])));
  r.setMethod({ tag: method });
  r.setScheme({ tag: u.protocol === 'https:' ? 'HTTPS' : 'HTTP' });
  r.setAuthority(u.host);
  r.setPathWithQuery(u.pathname + u.search);
  return r;
}

async function response(future: FutureIncomingResponse): Promise<IncomingResponse> {
  await future.subscribe().block();
  const r = future.get();
  assert.ok(r?.tag === 'ok');
  if (r.val.tag === 'err') throw r.val.val;
  return r.val.val;
}

async function readAll(stream: InputStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    try {
      parts.push(await stream.blockingRead(1n << 20n));
    } catch (e) {
      if ((e as { tag?: string }).tag === 'closed') break;
      throw e;
    }
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Reads until `want` bytes have arrived. */
async function readExactly(stream: InputStream, want: number): Promise<string> {
  let got = '';
  while (got.length < want) got += dec(await stream.blockingRead(BigInt(want - got.length)));
  return got;
}

describe('outgoing HTTP host (Node)', () => {
  it('streams both ways at once: the response to the first chunk arrives before the second is written', async () => {
    const { handle } = host();
    const req = request('post', `${server.origin}/duplex`);
    const body = req.body();
    const future = handle(req);
    const out = body.write();
    // (Node's fetch sends the request head together with the first chunk of a streamed body)
    await out.blockingWriteAndFlush(enc('ping-1;'));
    const input = (await response(future)).consume().stream();
    assert.equal(await readExactly(input, 7), 'ping-1;');
    await out.blockingWriteAndFlush(enc('ping-2;'));
    assert.equal(await readExactly(input, 7), 'ping-2;');
    out[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
    assert.equal(dec(await readAll(input)), '');
  });

  it('slows a writer that flushes down to the pace of the network (flush waits while a backlog is queued)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    // an adapter that starts reading the body only when told to
    const { handle } = host([server.origin], async (r) => {
      await gate;
      return fetch(r);
    });
    const req = request('post', `${server.origin}/echo`);
    const body = req.body();
    const future = handle(req);
    const out = body.write();
    await new Promise((r) => setTimeout(r, 10));
    out.write(new Uint8Array(BODY_HIGH_WATER + 1));
    let flushed = false;
    const flush = Promise.resolve(out.blockingFlush()).then(() => { flushed = true; });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(flushed, false, 'the flush waits while nothing reads the body');
    release();
    await flush;
    OutgoingBody.finish(body, undefined);
    const echo = JSON.parse(dec(await readAll((await response(future)).consume().stream()))) as { length: number };
    assert.equal(echo.length, BODY_HIGH_WATER + 1);
  });

  it('replays a body it holds on a 307, and hands the guest a 307 it can\'t replay (a streamed body)', async () => {
    const { handle } = host();
    const to = encodeURIComponent(`${server.origin}/echo?after=307`);
    const held = request('put', `${server.origin}/redirect?status=307&to=${to}`);
    const body = held.body();
    await body.write().blockingWriteAndFlush(enc('kept'));
    OutgoingBody.finish(body, undefined);
    const echo = JSON.parse(dec(await readAll((await response(handle(held))).consume().stream()))) as { method: string; text: string; url: string };
    assert.deepEqual([echo.method, echo.text, echo.url], ['PUT', 'kept', '/echo?after=307']);

    const streamed = request('put', `${server.origin}/redirect?status=307&to=${to}`);
    const sbody = streamed.body();
    const future = handle(streamed);
    await sbody.write().blockingWriteAndFlush(enc('gone'));
    OutgoingBody.finish(sbody, undefined);
    const res = await response(future);
    assert.equal(res.status(), 307);
    assert.deepEqual(res.headers().get('location').map(dec), [decodeURIComponent(to)]);
  });

  it('drops credentials on a redirect to another (allowed) origin, keeps them on the same origin', async () => {
    const other = `http://localhost:${server.port}`;
    const { handle } = host([server.origin, other]);
    const auth: [string, string][] = [['authorization', 'Bearer secret'], ['cookie', 'c=1'], ['x-other', 'kept']];
    const cross = JSON.parse(dec(await readAll((await response(handle(request('get', `${server.origin}/redirect?to=${encodeURIComponent(`${other}/echo`)}`, auth)))).consume().stream()))) as { headers: Record<string, string> };
    assert.equal(cross.headers.authorization, undefined);
    assert.equal(cross.headers.cookie, undefined);
    assert.equal(cross.headers['x-other'], 'kept');
    const same = JSON.parse(dec(await readAll((await response(handle(request('get', `${server.origin}/redirect?to=/echo`, auth)))).consume().stream()))) as { headers: Record<string, string> };
    assert.equal(same.headers.authorization, 'Bearer secret');
  });

  it('stops after 10 redirects with loop-detected', async () => {
    const { handle } = host();
    const before = server.hits('/loop');
    await assert.rejects(response(handle(request('get', `${server.origin}/loop`))), (e) => (e as { tag: string }).tag === 'loop-detected');
    assert.equal(server.hits('/loop') - before, 11);
  });

  it('maps network failures to error-codes: refused connection, a body cut short, an unknown host', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = `http://127.0.0.1:${deadPort}`;
    const { handle } = host([server.origin, dead, 'http://isowasm-test.invalid']);
    await assert.rejects(response(handle(request('get', `${dead}/`))), (e) => (e as { tag: string }).tag === 'connection-refused');

    const cut = await response(handle(request('get', `${server.origin}/cut`)));
    const stream = cut.consume().stream();
    const err = await readAll(stream).then(() => null, (e: unknown) => e) as { tag: string; val: unknown } | null;
    assert.equal(err?.tag, 'last-operation-failed');
    const ns = httpNamespaces({ allow: [] }, { async: true, report: () => {}, afterCall: () => {} }, fetch);
    const code = (ns['wasi:http/types'] as { httpErrorCode: (e: unknown) => { tag: string } | undefined }).httpErrorCode(err!.val);
    assert.ok(code && ['HTTP-response-incomplete', 'connection-terminated'].includes(code.tag), JSON.stringify(code));

    await assert.rejects(response(handle(request('get', 'http://isowasm-test.invalid/'))), (e) => ['DNS-error', 'DNS-timeout'].includes((e as { tag: string }).tag));
  });

  it('refuses a body with GET, a body longer or shorter than its Content-Length, and a body dropped unfinished', async () => {
    const { handle } = host();
    // a GET may finish an empty body; bytes fail the write, or the request when written before it was sent
    const get = request('get', `${server.origin}/echo`);
    const gbody = get.body();
    const res = await response(handle(get));
    assert.equal(res.status(), 200);
    const gout = gbody.write();
    gout.write(new Uint8Array(0));
    assert.throws(() => gout.write(enc('x')), (e) => (e as { tag: string }).tag === 'last-operation-failed');
    const empty = request('get', `${server.origin}/echo`);
    const ebody = empty.body();
    const eres = handle(empty);
    OutgoingBody.finish(ebody, undefined);
    assert.equal((await response(eres)).status(), 200);
    const early = request('get', `${server.origin}/echo`);
    early.body().write().write(enc('x'));
    assert.throws(() => handle(early), (e) => (e as { tag: string }).tag === 'HTTP-request-method-invalid');

    const long = request('post', `${server.origin}/echo`, [['content-length', '3']]);
    const lbody = long.body();
    const lout = lbody.write();
    lout.write(enc('abc'));
    assert.throws(() => lout.write(enc('d')), (e) => (e as { tag: string }).tag === 'last-operation-failed');
    assert.throws(() => OutgoingBody.finish(lbody, undefined), (e) => (e as { tag: string }).tag === 'HTTP-request-body-size');

    const short = request('post', `${server.origin}/echo`, [['content-length', '10']]);
    const sbody = short.body();
    sbody.write().write(enc('abc'));
    assert.throws(() => OutgoingBody.finish(sbody, undefined), (e) => (e as { tag: string; val: bigint }).tag === 'HTTP-request-body-size' && (e as { val: bigint }).val === 3n);

    const dropped = request('post', `${server.origin}/echo`);
    const dbody = dropped.body();
    const future = handle(dropped);
    await dbody.write().blockingWriteAndFlush(enc('partial'));
    dbody[Symbol.dispose]();
    await assert.rejects(response(future).then((r) => readAll(r.consume().stream())));
  });

  it('does not send trailers fetch can\'t carry, and says so', () => {
    const req = request('post', `${server.origin}/echo`);
    const body = req.body();
    assert.throws(() => OutgoingBody.finish(body, Fields.fromList([['x-trailer', enc('1')]])), (e) => (e as { tag: string }).tag === 'internal-error');
  });

  it('hides the encoding fetch already decoded (the guest gets decoded bytes)', async () => {
    const gz = createServer((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
      res.end(gzipSync('decoded text'));
    });
    await new Promise<void>((r) => gz.listen(0, '127.0.0.1', r));
    try {
      const origin = `http://127.0.0.1:${(gz.address() as AddressInfo).port}`;
      const { handle } = host([origin]);
      const res = await response(handle(request('get', `${origin}/`)));
      assert.deepEqual(res.headers().get('content-encoding'), []);
      assert.equal(dec(await readAll(res.consume().stream())), 'decoded text');
    } finally {
      gz.closeAllConnections();
      await new Promise<void>((r) => gz.close(() => r()));
    }
  });
});
