/**
 * `createFetchHandler` serving a `wasi:http/handler@0.3.0` export, in JS terms: the "guest" is a
 * JS object with a `handle` that receives the 0.3 request and returns a 0.3 response (what the
 * component's async export gives JS), so the serving path is checked apart from the async ABI:
 * the request's parts and streamed body, a response body streamed while it is written, trailers,
 * the transmission future, error-codes as 500/502, the deadline, the response-size limit and the
 * instance's release.
 */
import { ComponentError, IsowasmError } from '../../src/core/errors.js';
import { RESPONSE_TRAILERS, TRAILERS } from '../../src/core/http/bridge.js';
import { createFetchHandler } from '../../src/core/http/fetch-handler.js';
import {
  Fields, Request as P3Request, Response as P3Response, type TrailersResult, type Transmission,
} from '../../src/core/wasi/p3/http/index.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

type Handle = (request: P3Request) => Promise<P3Response>;

/** A component whose instances export `handle` as a 0.3 handler; counts instances made and ended. */
function component(handle: Handle): { component: Parameters<typeof createFetchHandler>[0]; made: number; ended: number } {
  const stats = { made: 0, ended: 0 };
  const c = {
    exports: [{ name: 'wasi:http/handler@0.3.0' }],
    instantiate: async () => {
      stats.made++;
      let ended = false;
      // an instance may be told to end more than once (the deadline, then the pool)
      return { exports: { 'wasi:http/handler': { handle } }, terminate: async () => { if (!ended) stats.ended++; ended = true; } };
    },
  };
  return Object.assign(stats, { component: c });
}

function streamOf(...chunks: (string | Promise<string>)[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i === chunks.length) {
        c.close();
        return;
      }
      c.enqueue(enc(await chunks[i++]!));
    },
  }, { highWaterMark: 0 });
}

const ok200 = (): Promise<TrailersResult> => Promise.resolve({ tag: 'ok', val: undefined });

/** An echo handler: the request's method, path, headers and body, and its trailers as the response's. */
const echo: Handle = async (request) => {
  const [body, trailers] = P3Request.consumeBody(request, Promise.resolve({ tag: 'ok', val: undefined }));
  const text = await new Response(body).text();
  const headers = Fields.fromList([
    ['x-method', enc(request.getMethod().tag)], ['x-path', enc(request.getPathWithQuery() ?? '')], ['x-authority', enc(request.getAuthority() ?? '')],
    ...request.getHeaders().copyAll().filter(([n]) => n.startsWith('x-')),
  ]);
  return P3Response.new(headers, streamOf(text), trailers)[0];
};

describe('createFetchHandler: a wasi:http/handler@0.3.0 export', () => {
  it('serves the request\'s parts and body, and streams the response back; the instance ends with the request', async () => {
    const c = component(echo);
    const handle = createFetchHandler(c.component, { onError: (e) => { throw e; } });
    const res = await handle(new Request('https://app.local/a/b?c=1', { method: 'POST', body: 'hello', headers: { 'x-one': '1' } }));
    equal(res.status, 200);
    equal(res.headers.get('x-method'), 'post');
    equal(res.headers.get('x-path'), '/a/b?c=1');
    equal(res.headers.get('x-authority'), 'app.local');
    equal(res.headers.get('x-one'), '1');
    equal(await res.text(), 'hello');
    await handle.close();
    equal(handle.inFlight, 0);
    equal(c.ended, c.made);
  });

  it('a body streams while it is written: the head goes with the first bytes, the transmission resolves once it is all out', async () => {
    let more!: (s: string) => void;
    let transmitted!: Promise<Transmission>;
    const handle = createFetchHandler(component(async () => {
      const [r, t] = P3Response.new(new Fields(), streamOf('first;', new Promise<string>((resolve) => { more = resolve; })), ok200());
      transmitted = t;
      return r;
    }).component);
    const res = await handle(new Request('https://app.local/'));
    const reader = res.body!.getReader();
    equal(dec((await reader.read()).value!), 'first;');
    more('second');
    equal(dec((await reader.read()).value!), 'second');
    equal((await reader.read()).done, true);
    deepEqual(await transmitted, { tag: 'ok', val: undefined });
    await handle.close();
  });

  it('trailers both ways where the server adapter has them (TRAILERS / RESPONSE_TRAILERS)', async () => {
    const handle = createFetchHandler(component(echo).component);
    const request = new Request('https://app.local/', { method: 'POST', body: 'x' });
    Object.defineProperty(request, TRAILERS, { value: () => [['fizz', 'buzz']] });
    const res = await handle(request);
    equal(await res.text(), 'x');
    deepEqual((res as unknown as Record<symbol, () => [string, string][]>)[RESPONSE_TRAILERS]!(), [['fizz', 'buzz']]);
    await handle.close();
  });

  it('an error-code answer is a 500 and an onError report; a body failing before its first byte too; the instance is not reused', async () => {
    const errors: IsowasmError[] = [];
    for (const guest of [
      async (): Promise<P3Response> => { throw new ComponentError({ tag: 'internal-error', val: 'nope' }); },
      async (): Promise<P3Response> => P3Response.new(new Fields(), streamOf(), Promise.resolve({ tag: 'err', val: { tag: 'HTTP-protocol-error' } }))[0],
    ] as Handle[]) {
      const c = component(guest);
      const handle = createFetchHandler(c.component, { instances: { reuse: 5 }, onError: (e) => errors.push(e) });
      equal((await handle(new Request('https://app.local/'))).status, 500);
      equal((await handle(new Request('https://app.local/'))).status, 500);
      equal(c.made, 2, 'each failure ends its instance');
      await handle.close();
    }
    equal(errors.length, 4);
    ok(errors.every((e) => e instanceof IsowasmError), errors.map((e) => e.message).join('; '));
    ok(errors[2]!.message.includes('HTTP-protocol-error'), errors[2]!.message);
  });

  it('a guest that never answers gets 504 at the deadline, and its instance is ended', async () => {
    const c = component(() => new Promise<P3Response>(() => {}));
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(c.component, { limits: { timeoutMs: 50 }, onError: (e) => errors.push(e) });
    equal((await handle(new Request('https://app.local/'))).status, 504);
    equal(errors[0]?.code, 'TIMEOUT');
    await handle.close();
    equal(c.ended, 1);
  });

  it('maxResponseBodyBytes: a declared length over it is a 500, a body that grows past it is cut off', async () => {
    const errors: IsowasmError[] = [];
    const declared = createFetchHandler(component(async () => P3Response.new(Fields.fromList([['content-length', enc('100')]]), streamOf('x'.repeat(100)), ok200())[0]).component,
      { maxResponseBodyBytes: 10, onError: (e) => errors.push(e) });
    equal((await declared(new Request('https://app.local/'))).status, 500);
    const grows = createFetchHandler(component(async () => P3Response.new(new Fields(), streamOf('12345', '67890', 'abc'), ok200())[0]).component,
      { maxResponseBodyBytes: 10, onError: (e) => errors.push(e) });
    const res = await grows(new Request('https://app.local/'));
    equal(res.status, 200);
    let failed = false;
    await res.text().catch(() => { failed = true; });
    ok(failed, 'the body ends in an error rather than looking complete');
    ok(errors.some((e) => e.code === 'BODY_TOO_LARGE'), errors.map((e) => e.code).join());
    await declared.close();
    await grows.close();
  });

  it('instances in workers (no JSPI) can\'t serve a 0.3 handler: the instance is refused when made, each request a 500 and UNSUPPORTED saying why, warmUp rejects', async () => {
    let called = false;
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler({
      exports: [{ name: 'wasi:http/handler@0.3.0' }],
      instantiate: async () => ({ strategy: 'worker', exports: { 'wasi:http/handler': { handle: async () => { called = true; } } }, terminate: async () => {} }),
    }, { onError: (e) => errors.push(e) });
    equal((await handle(new Request('https://app.local/'))).status, 500);
    equal(called, false);
    equal(errors[0]?.code, 'UNSUPPORTED');
    ok(errors[0]!.message.includes('JavaScript Promise Integration'), errors[0]!.message);
    equal((await rejects(handle.warmUp()) as IsowasmError).code, 'UNSUPPORTED');
    await handle.close();
  });

  it('the client going away cancels the guest\'s body and fails its transmission', async () => {
    let transmitted!: Promise<Transmission>;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(enc('tick')), cancel: () => { cancelled = true; } }, { highWaterMark: 0 });
    const handle = createFetchHandler(component(async () => {
      const [r, t] = P3Response.new(new Fields(), body, ok200());
      transmitted = t;
      return r;
    }).component);
    const res = await handle(new Request('https://app.local/'));
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    equal((await transmitted).tag, 'err');
    ok(cancelled);
    await handle.close();
  });
});
