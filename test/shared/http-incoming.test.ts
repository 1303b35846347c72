/**
 * `createFetchHandler` with a JavaScript handler built by `jco componentize` (fetch-event style,
 * test/fixtures/http-server): the Request/Response bridge, the instance policy and the errors,
 * the same in Node and Chromium (both have JSPI).
 */
import type { FetchHandler, IsowasmError } from '../../src/index.node.js';
import { createFetchHandler } from '../../src/core/http/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { after, before, describe, isNode, it } from '../harness/test-api.js';

type Component = Parameters<typeof createFetchHandler>[0];

let component: Component;

before(async () => {
  const { loadComponent } = await platform();
  component = await loadComponent(await readFixture('http-server'));
});

describe('createFetchHandler: a fetch-event JavaScript guest', () => {
  const errors: IsowasmError[] = [];
  let handle: FetchHandler;
  before(() => {
    handle = createFetchHandler(component, { onError: (e) => { errors.push(e); } });
  });
  after(() => handle.close());

  it('echoes method, path, query, headers and body', async () => {
    const res = await handle(new Request('https://app.local/echo?x=1&y=%20z', {
      method: 'POST', headers: [['x-one', 'a'], ['x-two', 'b'], ['content-type', 'text/plain']], body: 'hello body',
    }));
    equal(res.status, 200);
    equal(res.headers.get('x-echo'), 'yes');
    const got = await res.json() as { method: string; url: string; path: string; query: string; headers: [string, string][]; body: string };
    equal(got.method, 'POST');
    equal(got.path, '/echo');
    equal(got.query, '?x=1&y=%20z');
    equal(got.url, 'https://app.local/echo?x=1&y=%20z');
    equal(got.body, 'hello body');
    const h = Object.fromEntries(got.headers);
    equal(h['x-one'], 'a');
    equal(h['x-two'], 'b');
  });

  it('keeps an extension method, repeated headers apart, and leaves connection-level ones out', async () => {
    const headers = new Headers([['x-multi', 'a'], ['accept', 'text/plain']]);
    const res = await handle(new Request('http://app.local:8080/echo', { method: 'PURGE', headers }));
    const got = await res.json() as { method: string; url: string; headers: [string, string][] };
    equal(got.method, 'PURGE');
    equal(got.url, 'http://app.local:8080/echo');
    ok(!got.headers.some(([k]) => k === 'host' || k === 'connection'), JSON.stringify(got.headers));
  });

  it('each request gets a fresh instance by default: module state never leaks', async () => {
    const counts = await Promise.all([1, 2, 3].map(async () => (await handle(new Request('https://app.local/count'))).text()));
    counts.push(await (await handle(new Request('https://app.local/count'))).text());
    deepEqual(counts, ['1', '1', '1', '1']);
    // each instance ends once its guest call has returned, just after its response
    for (let i = 0; i < 100 && handle.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 5));
    equal(handle.instances, 0);
  });

  it('status codes and headers the guest sets, repeated ones kept apart', async () => {
    const res = await handle(new Request('https://app.local/status?code=418&h=x-a:1&h=x-a:2&h=set-cookie:a=1&h=set-cookie:b=2'));
    equal(res.status, 418);
    equal(await res.text(), 'status 418');
    equal(res.headers.get('x-a'), '1, 2');
    // browsers drop set-cookie from a Response they construct (its Headers guard): Node keeps each apart
    if (isNode) deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
    const empty = await handle(new Request('https://app.local/status?code=204'));
    equal(empty.status, 204);
    equal(empty.body, null);
    equal((await handle(new Request('https://app.local/nowhere'))).status, 404);
  });

  it('streams a request body back through the guest', async () => {
    const chunks = 64;
    const chunk = new Uint8Array(16 * 1024).map((_, i) => i & 0xff);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ === chunks) c.close();
        else c.enqueue(chunk);
      },
    });
    const res = await handle(new Request('https://app.local/raw', { method: 'PUT', body, duplex: 'half' } as RequestInit));
    equal(res.status, 200);
    const back = new Uint8Array(await res.arrayBuffer());
    equal(back.length, chunks * chunk.length);
    equal(back[16 * 1024 * 3 + 7], 7);
  });

  it('streams a large response as the reader pulls it', async () => {
    const res = await handle(new Request('https://app.local/stream?mb=8&chunk=65536'));
    const reader = res.body!.getReader();
    let total = 0;
    let pieces = 0;
    let sum = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      pieces++;
      sum = (sum + value[value.length - 1]!) & 0xffff;
    }
    equal(total, 8 * 1024 * 1024);
    ok(pieces > 1, `${pieces} pieces`);
  });

  it('a request without a body (PUT) reads as empty', async () => {
    const res = await handle(new Request('https://app.local/echo', { method: 'PUT' }));
    equal(((await res.json()) as { body: string }).body, '');
  });

  it('a handler that fails: 500, onError with the IsowasmError, and serving goes on', async () => {
    errors.length = 0;
    for (const path of ['/trap', '/throw']) {
      const res = await handle(new Request(`https://app.local${path}`));
      equal(res.status, 500, path);
      // StarlingMonkey answers an exception with a 500 whose body it never finishes: the body ends in an error
      const text = await res.text().catch(() => '');
      ok(text.length < 100, text);
    }
    equal((await handle(new Request('https://app.local/count'))).status, 200);
    ok(errors.length >= 2, errors.map((e) => e.message).join('; '));
    ok(errors.every((e) => e.code === 'BAD_RESPONSE'), errors.map((e) => e.code).join());
  });

  it('StarlingMonkey serves one request per instance: with reuse, its second request is a 500', async () => {
    const errs: IsowasmError[] = [];
    const pooled = createFetchHandler(component, { instances: { reuse: 2, max: 1 }, onError: (e) => { errs.push(e); } });
    try {
      equal((await pooled(new Request('https://app.local/count'))).status, 200);
      equal((await pooled(new Request('https://app.local/count'))).status, 500);
      equal(errs[0]?.code, 'BAD_RESPONSE');
    } finally {
      await pooled.close();
    }
  });
});

describe('createFetchHandler: instance policy and limits', () => {
  it('over maxConcurrentRequests: 503 with retry-after', async () => {
    const handle = createFetchHandler(component, { maxConcurrentRequests: 1, retryAfterSeconds: 2 });
    try {
      const slow = await handle(new Request('https://app.local/stream?mb=4'));
      // the first response is still streaming: its request is in flight
      const busy = await handle(new Request('https://app.local/count'));
      equal(busy.status, 503);
      equal(busy.headers.get('retry-after'), '2');
      await slow.arrayBuffer();
      for (let i = 0; i < 50 && handle.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
      equal((await handle(new Request('https://app.local/count'))).status, 200);
    } finally {
      await handle.close();
    }
  });

  it('a body over maxRequestBodyBytes: 413 (declared, or streamed past the limit)', async () => {
    const handle = createFetchHandler(component, { maxRequestBodyBytes: 1000, onError: () => {} });
    try {
      equal((await handle(new Request('https://app.local/echo', { method: 'POST', body: 'x'.repeat(2000) }))).status, 413);
      let n = 0;
      const body = new ReadableStream<Uint8Array>({ pull(c) { if (n++ < 10) c.enqueue(new Uint8Array(500)); else c.close(); } });
      equal((await handle(new Request('https://app.local/echo', { method: 'POST', body, duplex: 'half' } as RequestInit))).status, 413);
      equal((await handle(new Request('https://app.local/echo', { method: 'POST', body: 'small' }))).status, 200);
    } finally {
      await handle.close();
    }
  });

  it('after close(): 503', async () => {
    const handle = createFetchHandler(component);
    await handle.close();
    equal((await handle(new Request('https://app.local/count'))).status, 503);
  });
});
