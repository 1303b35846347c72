/**
 * The Node side of serving HTTP: `createRequestListener` on a real `http` server (headers as
 * they arrived, bodies streamed both ways, a client that goes away), a 100 MiB response streamed
 * with memory far below its size, and `serve` with its graceful shutdown. Servers bind
 * 127.0.0.1 on free ports and are closed by each test.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, createServer, type Server, Agent } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type FetchHandler, type IsowasmError, createFetchHandler, createRequestListener, loadComponent, serve } from '../../src/index.node.js';
import type { HttpComponent } from '../../src/core/http/index.js';
import { Fields } from '../../src/core/wasi/http/fields.js';
import { type IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam } from '../../src/core/wasi/http/types.js';
import type { InputStream } from '../../src/core/wasi/io.js';
import { readFixture } from '../harness/fixtures.js';

let component: HttpComponent;

before(async () => {
  component = await loadComponent(await readFixture('http-server'));
});

async function listen(handler: FetchHandler): Promise<{ server: Server; base: string }> {
  const server = createServer(createRequestListener(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

/** One raw HTTP/1.1 exchange on its own socket: what the server wrote back, as text. */
async function raw(base: string, text: string): Promise<string> {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  socket.end(text);
  const parts: Buffer[] = [];
  for await (const c of socket) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('latin1');
}

describe('createRequestListener with the fetch-event JavaScript guest', () => {
  let handler: FetchHandler;
  let server: Server;
  let base: string;
  before(async () => {
    handler = createFetchHandler(component, { onError: () => {} });
    ({ server, base } = await listen(handler));
  });
  after(async () => {
    await stop(server);
    await handler.close();
  });

  it('hands the guest the method, path and query of the request line and the Host authority', async () => {
    const res = await raw(base, 'PROPFIND /echo?a=1&b=two HTTP/1.1\r\nHost: app.test:9000\r\nX-Zed: 1\r\nConnection: close\r\n\r\n');
    assert.match(res, /^HTTP\/1\.1 200 /);
    const json = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '')) as { method: string; url: string; headers: [string, string][] };
    assert.equal(json.method, 'PROPFIND');
    assert.equal(json.url, 'http://app.test:9000/echo?a=1&b=two');
    const names = json.headers.map(([k]) => k);
    assert.ok(names.includes('x-zed') && !names.includes('host') && !names.includes('connection'), names.join());
  });

  it('streams a request body through the guest and back', async () => {
    const size = 3 * 1024 * 1024;
    const res = await fetch(`${base}/raw`, { method: 'POST', body: new Uint8Array(size).fill(7) });
    assert.equal(res.status, 200);
    const back = new Uint8Array(await res.arrayBuffer());
    assert.equal(back.length, size);
    assert.ok(back.every((b) => b === 7));
  });

  it('content-length and status from the guest reach the client; HEAD gets no body', async () => {
    const res = await fetch(`${base}/status?code=201&h=x-a:1&h=set-cookie:a=1&h=set-cookie:b=2`);
    assert.equal(res.status, 201);
    assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(await res.text(), 'status 201');
    const head = await raw(base, 'HEAD /status?code=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.ok(head.endsWith('\r\n\r\n'), JSON.stringify(head));
  });

  it('a guest failure is a 500 and the server keeps serving', async () => {
    assert.equal((await fetch(`${base}/throw`)).status, 500);
    assert.equal(await (await fetch(`${base}/count`)).text(), '1');
  });

  it('streams a 256 MiB response with memory far below its size', async () => {
    // a first request, so the instance's own memory (a fresh StarlingMonkey, tens of MiB) is not counted as the body's
    await (await fetch(`${base}/stream?mb=1`)).arrayBuffer();
    const mb = 256;
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
    const started = performance.now();
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      httpRequest(`${base}/stream?mb=${mb}&chunk=65536`, (res) => {
        res.on('data', (c: Buffer) => { total += c.length; });
        res.on('end', resolve);
        res.on('error', reject);
      }).on('error', reject).end();
    });
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    const grew = (peak - before) / 2 ** 20;
    console.log(`# ${mb} MiB through the guest: ${seconds.toFixed(2)} s (${(mb / seconds).toFixed(0)} MiB/s), RSS grew ${grew.toFixed(1)} MiB at peak`);
    assert.equal(total, mb * 2 ** 20);
    assert.ok(grew < 96, `RSS grew ${grew.toFixed(1)} MiB streaming ${mb} MiB`);
  });
});

describe('createRequestListener: headers as they arrived', () => {
  it('the guest gets the pairs in their order, repeated names apart (fetch Headers would sort and join them)', async () => {
    let entries: [string, string][] = [];
    const c: HttpComponent = {
      async instantiate() {
        return {
          exports: {
            'wasi:http/incoming-handler': {
              handle(req: IncomingRequest, out: ResponseOutparam) {
                entries = req.headers().entries().map(([k, v]) => [k, new TextDecoder().decode(v)]);
                const res = new OutgoingResponse(new Fields());
                const body = res.body();
                ResponseOutparam.set(out, { tag: 'ok', val: res });
                OutgoingBody.finish(body, undefined);
              },
            },
          },
          terminate: async () => {},
        };
      },
    };
    const handler = createFetchHandler(c);
    const { server, base } = await listen(handler);
    try {
      const res = await raw(base, 'GET / HTTP/1.1\r\nHost: x\r\nX-Zed: 1\r\nX-Alpha: 2\r\nX-Zed: 3\r\nKeep-Alive: timeout=5\r\nConnection: close\r\n\r\n');
      assert.match(res, /^HTTP\/1\.1 200 /);
      assert.deepEqual(entries, [['x-zed', '1'], ['x-alpha', '2'], ['x-zed', '3']]);
    } finally {
      await stop(server);
      await handler.close();
    }
  });
});

describe('createRequestListener: a client that goes away', () => {
  it('ends the guest\'s request body stream with an error', async () => {
    let seen: (v: string) => void;
    const outcome = new Promise<string>((r) => { seen = r; });
    // a handler that reads its body to the end, as a guest does, and tells what the read ended with
    const c: HttpComponent = {
      async instantiate() {
        return {
          exports: {
            'wasi:http/incoming-handler': {
              async handle(req: IncomingRequest, out: ResponseOutparam) {
                const stream = req.consume().stream() as InputStream;
                let got = 0;
                try {
                  for (;;) got += (await stream.blockingRead(65536n)).length;
                } catch (e) {
                  seen((e as { tag?: string }).tag ?? String(e));
                }
                void got;
                const res = new OutgoingResponse(new Fields());
                const body = res.body();
                ResponseOutparam.set(out, { tag: 'ok', val: res });
                OutgoingBody.finish(body, undefined);
              },
            },
          },
          terminate: async () => {},
        };
      },
    };
    const handler = createFetchHandler(c, { onError: () => {} });
    const { server, base } = await listen(handler);
    try {
      const url = new URL(base);
      const socket: Socket = connect(Number(url.port), url.hostname);
      await once(socket, 'connect');
      socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
      socket.write(Buffer.alloc(1000));
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
      const tag = await Promise.race([outcome, new Promise<string>((r) => setTimeout(() => r('timed out'), 5000))]);
      // the stream failed (wasi:io's last-operation-failed), it did not look like a complete body (closed)
      assert.equal(tag, 'last-operation-failed');
    } finally {
      await stop(server);
      await handler.close();
    }
  });
});

describe('serve', () => {
  it('serves a component on a free port and shuts down gracefully on its signal', async () => {
    const stopper = new AbortController();
    const errors: IsowasmError[] = [];
    const served = await serve(component, { port: 0, signal: stopper.signal, gracePeriodMs: 5000, onError: (e) => { errors.push(e); } });
    assert.equal(served.url.hostname, '127.0.0.1');
    assert.equal(await (await fetch(new URL('/count', served.url))).text(), '1');
    // a slow reader keeps a streaming response in flight across the shutdown
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const inFlight = new Promise<number>((resolve, reject) => {
      httpRequest(new URL('/stream?mb=8', served.url), { agent }, (res) => {
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total === c.length) {
            res.pause();
            stopper.abort();
            setTimeout(() => res.resume(), 100);
          }
        });
        res.on('end', () => resolve(total));
        res.on('error', reject);
      }).on('error', reject).end();
    });
    assert.equal(await inFlight, 8 * 2 ** 20);
    await served.closed;
    await assert.rejects(fetch(new URL('/count', served.url)));
    agent.destroy();
  });

  it('takes a path, and cuts requests still running after the grace period', async () => {
    const served = await serve(new URL('../../fixtures/http-server.wasm', import.meta.url), { port: 0, gracePeriodMs: 100, onError: () => {} });
    const cut = new Promise<string>((resolve) => {
      httpRequest(new URL('/stream?mb=64', served.url), (res) => {
        res.pause();
        res.on('error', () => resolve('cut'));
        res.on('aborted', () => resolve('cut'));
        res.on('end', () => resolve('complete'));
        void served.close();
        setTimeout(() => res.resume(), 500);
      }).on('error', () => resolve('cut')).end();
    });
    assert.equal(await cut, 'cut');
    await served.closed;
  });
});
