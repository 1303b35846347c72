/**
 * The per-request limits of `createFetchHandler` and `serve`, with the fetch-event JavaScript
 * guest: a wall-clock deadline (504 before the response, a cut body after it; the instance is
 * ended and its waiting guest unwinds), a response body cap, a memory cap per instance, 502 when
 * the guest fails after its own upstream did, slow-headers clients (slowloris), and the access log.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type FetchHandler, type FetchHandlerOptions, type IsowasmError, createFetchHandler, createRequestListener, loadComponent, serve, type AccessLogEntry } from '../../src/index.node.js';
import type { HttpComponent } from '../../src/core/http/index.js';
import { readFixture } from '../harness/fixtures.js';

let component: HttpComponent;
/** an upstream that accepts requests and never answers */
let silent: Server;
let silentOrigin: string;
/** a port nothing listens on */
let closedPort: number;

before(async () => {
  component = await loadComponent(await readFixture('http-server'));
  silent = createServer(() => {});
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  silentOrigin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
});

after(async () => {
  silent.closeAllConnections();
  silent.close();
});

/** A handler on its own server; `errors` collects what onError got. */
async function start(options: FetchHandlerOptions, warm = true): Promise<{ base: string; handler: FetchHandler; errors: IsowasmError[]; stop: () => Promise<void> }> {
  const errors: IsowasmError[] = [];
  // the guest logs failures on stderr: kept out of the test's output
  const handler = createFetchHandler(component, { capabilities: { stdio: { stderr: null } }, ...options, onError: (e) => errors.push(e) });
  // limits.timeoutMs meters the guest: its variant is compiled here, not within a request's deadline
  if (warm) await handler.warmUp();
  const server = createServer(createRequestListener(handler, { onError: () => {} }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, handler, errors,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await handler.close();
    },
  };
}

async function settled(handler: FetchHandler): Promise<void> {
  for (let i = 0; i < 300 && handler.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(handler.inFlight, 0, 'no request left in flight');
}

/** Opens a POST whose body never ends: resolves to the status line and headers once they come. */
async function stalledUpload(base: string, path: string): Promise<{ head: Promise<string>; socket: Socket }> {
  const { port } = new URL(base);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nonly a part`);
  const head = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve(text);
    });
    socket.on('close', () => resolve(text));
  });
  return { head, socket };
}

describe('limits.timeoutMs: the deadline of a request', () => {
  it('a guest still waiting for the request body at the deadline: 504, TIMEOUT, the instance ended, the server goes on', async () => {
    const s = await start({ limits: { timeoutMs: 300 } });
    try {
      const t0 = performance.now();
      const { head, socket } = await stalledUpload(s.base, '/echo');
      const reply = await head;
      const took = performance.now() - t0;
      socket.destroy();
      assert.match(reply, /^HTTP\/1\.1 504 /);
      assert.ok(took >= 280 && took < 5000, `answered after ${Math.round(took)} ms`);
      await settled(s.handler);
      assert.equal(s.errors[0]?.code, 'TIMEOUT');
      assert.match(s.errors[0]!.message, /timeoutMs \(300 ms\)/);
      assert.equal(s.handler.instances, 0, 'the waiting instance was ended, not kept');
      const echo = await fetch(`${s.base}/echo`, { method: 'POST', body: 'after' });
      assert.equal(echo.status, 200);
      assert.equal(((await echo.json()) as { body: string }).body, 'after');
    } finally {
      await s.stop();
    }
  });

  it('a guest waiting on an upstream that never answers: 504 at the deadline', async () => {
    const s = await start({ limits: { timeoutMs: 300 }, capabilities: { stdio: { stderr: null }, http: { allow: [silentOrigin] } } });
    try {
      const r = await fetch(`${s.base}/fetch?url=${encodeURIComponent(`${silentOrigin}/never`)}`);
      assert.equal(r.status, 504);
      await r.arrayBuffer();
      await settled(s.handler);
      assert.deepEqual(s.errors.map((e) => e.code), ['TIMEOUT']);
    } finally {
      await s.stop();
    }
  });

  it('past the deadline after the response started, the body ends in an error instead of looking complete', async () => {
    const s = await start({ limits: { timeoutMs: 400 } });
    try {
      const { head, socket } = await stalledUpload(s.base, '/raw');
      const reply = await head;
      assert.match(reply, /^HTTP\/1\.1 200 /);
      // the stream ends without its terminating chunk: the connection closes mid-body
      const closed = await Promise.race([new Promise<boolean>((r) => socket.once('close', () => r(true))), new Promise((r) => setTimeout(() => r(false), 5000))]);
      assert.equal(closed, true, 'the connection was cut');
      await settled(s.handler);
      assert.equal(s.errors[0]?.code, 'TIMEOUT');
      assert.match(s.errors[0]!.message, /did not finish its response body/);
    } finally {
      await s.stop();
    }
  });

  it('requests within the deadline are untouched; a bad timeoutMs is a TypeError', async () => {
    const s = await start({ limits: { timeoutMs: 10_000 } });
    try {
      for (let i = 0; i < 5; i++) assert.equal(await (await fetch(`${s.base}/count`)).text(), '1');
      assert.deepEqual(s.errors, []);
    } finally {
      await s.stop();
    }
    assert.throws(() => createFetchHandler(component, { limits: { timeoutMs: -5 } }), TypeError);
    assert.throws(() => createFetchHandler(component, { limits: { timeoutMs: '5s' as unknown as number } }), /timeoutMs/);
  });
});

describe('502: the guest failed after its own upstream did', () => {
  it('an upstream that refuses the connection: the guest throws, the client gets 502, onError says UPSTREAM_FAILED with both reasons', async () => {
    const upstream = `http://127.0.0.1:${closedPort}`;
    const s = await start({ capabilities: { stdio: { stderr: null }, http: { allow: [upstream] } } });
    try {
      const r = await fetch(`${s.base}/fetch?url=${encodeURIComponent(`${upstream}/down`)}`);
      assert.equal(r.status, 502);
      assert.equal((await r.text()).trim(), 'Bad Gateway');
      await settled(s.handler);
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0]!.code, 'UPSTREAM_FAILED');
      assert.match(s.errors[0]!.message, new RegExp(`127\\.0\\.0\\.1:${closedPort}/down failed \\(connection-refused\\)`));
      // a guest failure without an upstream failure stays a 500
      assert.equal((await fetch(`${s.base}/throw`)).status, 500);
      assert.notEqual(s.errors.at(-1)!.code, 'UPSTREAM_FAILED');
    } finally {
      await s.stop();
    }
  });

  it('a denied outgoing request is the guest\'s own failure: 500, not 502', async () => {
    const s = await start({ onCapabilityDenied: () => {} });
    try {
      const r = await fetch(`${s.base}/fetch?url=${encodeURIComponent(`http://127.0.0.1:${closedPort}/x`)}`);
      assert.equal(r.status, 500);
    } finally {
      await s.stop();
    }
  });
});

describe('maxResponseBodyBytes', () => {
  it('a guest writing past it: the response is cut, BODY_TOO_LARGE, the instance is ended; smaller bodies pass', async () => {
    const s = await start({ maxResponseBodyBytes: 1 << 20 });
    try {
      const small = await fetch(`${s.base}/stream?mb=0.5`);
      assert.equal((await small.arrayBuffer()).byteLength, 512 * 1024);
      // cut before the head (500) or after it (a body that ends in an error), as the guest races the reader
      const big = await fetch(`${s.base}/stream?mb=4`);
      if (big.status === 200) await assert.rejects(big.arrayBuffer());
      else assert.equal(big.status, 500);
      await settled(s.handler);
      assert.equal(s.errors[0]?.code, "BODY_TOO_LARGE", s.errors.map((e) => e.message).join("; "));
      assert.match(s.errors[0]!.message, /maxResponseBodyBytes \(1048576 bytes/);
      assert.equal(s.handler.instances, 0, 'no instance is left');
      assert.equal((await fetch(`${s.base}/count`)).status, 200);
    } finally {
      await s.stop();
    }
    assert.throws(() => createFetchHandler(component, { maxResponseBodyBytes: -1 }), TypeError);
  });
});

describe('limits.memoryBytes per instance', () => {
  it('a request that needs more memory than the cap fails (500, the instance dropped); the next request gets a fresh one', async () => {
    const s = await start({ limits: { memoryBytes: 96 * 2 ** 20 } });
    try {
      assert.equal(await (await fetch(`${s.base}/alloc?mb=8`)).text(), String(8 * 2 ** 20));
      const r = await fetch(`${s.base}/alloc?mb=200`);
      assert.equal(r.status, 500);
      await settled(s.handler);
      assert.equal(s.errors.length, 1, s.errors.map((e) => e.message).join('; '));
      assert.equal(await (await fetch(`${s.base}/alloc?mb=8`)).text(), String(8 * 2 ** 20));
    } finally {
      await s.stop();
    }
  });

  it('a cap below what the guest starts with: every request is a 500 whose onError says MEMORY_LIMIT', async () => {
    const s = await start({ limits: { memoryBytes: 2 ** 20 } }, false);
    try {
      assert.equal((await fetch(`${s.base}/count`)).status, 500);
      assert.equal(s.errors[0]?.code, 'MEMORY_LIMIT');
      // serve() warms up first: it would refuse to start, saying why
      await assert.rejects(s.handler.warmUp(), { code: 'MEMORY_LIMIT' });
    } finally {
      await s.stop();
    }
  });
});

describe('serve(): slow clients and the access log', () => {
  it('slow-headers clients (slowloris) are cut at headersTimeoutMs while others are served', async () => {
    const served = await serve(component, { port: 0, headersTimeoutMs: 500, requestTimeoutMs: 2000, capabilities: { stdio: { stderr: null } } });
    const base = served.url.href.replace(/\/$/, '');
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const socket = connect(Number(served.url.port), '127.0.0.1');
        socket.on('error', () => {});
        await once(socket, 'connect');
        socket.write('GET /echo HTTP/1.1\r\nhost: x\r\n');
        sockets.push(socket);
      }
      const drip = setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write('x-drip: 1\r\n'); }, 100);
      try {
        assert.equal((await fetch(`${base}/count`)).status, 200, 'served while 50 clients drip headers');
        const t0 = performance.now();
        const closed = await Promise.all(sockets.map((s) => new Promise<string>((resolve) => {
          let text = '';
          s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
          s.on('close', () => resolve(text));
        })));
        const took = performance.now() - t0;
        assert.ok(took < 4000, `all cut within ${Math.round(took)} ms`);
        assert.ok(closed.every((t) => t === '' || /^HTTP\/1\.1 408 /.test(t)), closed.find((t) => t !== '' && !t.startsWith('HTTP/1.1 408')));
      } finally {
        clearInterval(drip);
      }
      assert.equal((await fetch(`${base}/count`)).status, 200);
    } finally {
      for (const s of sockets) s.destroy();
      await served.close();
    }
  });

  it('a body dripped byte by byte is cut at requestTimeoutMs (408); the guest that waited for it unwinds', async () => {
    const served = await serve(component, { port: 0, headersTimeoutMs: 500, requestTimeoutMs: 1000, capabilities: { stdio: { stderr: null } }, onError: () => {} });
    try {
      const socket = connect(Number(served.url.port), '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n');
      const drip = setInterval(() => { if (!socket.destroyed) socket.write('a'); }, 50);
      let text = '';
      socket.on('data', (d: Buffer) => { text += d.toString('latin1'); });
      const t0 = performance.now();
      // the server may cut it with a reset (an error, which once() would throw): wait for the close
      await new Promise<void>((resolve) => socket.once('close', () => resolve())).finally(() => clearInterval(drip));
      const took = performance.now() - t0;
      assert.ok(took >= 900 && took < 4000, `cut after ${Math.round(took)} ms`);
      assert.ok(text === '' || /^HTTP\/1\.1 (408|500) /.test(text), text);
      for (let i = 0; i < 200 && served.handler.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(served.handler.inFlight, 0, 'the guest waiting for the body was released');
      assert.equal((await fetch(new URL('/count', served.url))).status, 200);
    } finally {
      await served.close();
    }
  });

  it('accessLog gets one entry per request, with status, body bytes and whether it completed', async () => {
    const entries: AccessLogEntry[] = [];
    const served = await serve(component, { port: 0, accessLog: (e) => entries.push(e), capabilities: { stdio: { stderr: null } } });
    try {
      const base = served.url.href.replace(/\/$/, '');
      await (await fetch(`${base}/status?code=201`)).text();
      await (await fetch(`${base}/stream?mb=1`)).arrayBuffer();
      await (await fetch(`${base}/nowhere?q=1`, { method: 'DELETE' })).text();
      for (let i = 0; i < 100 && entries.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(entries.map((e) => [e.method, e.url, e.status, e.bytes, e.completed]), [
        ['GET', '/status?code=201', 201, 'status 201'.length, true],
        ['GET', '/stream?mb=1', 200, 2 ** 20, true],
        ['DELETE', '/nowhere?q=1', 404, 'not found'.length, true],
      ]);
      assert.ok(entries.every((e) => e.remoteAddress === '127.0.0.1' && e.httpVersion === '1.1' && e.durationMs >= 0));
    } finally {
      await served.close();
    }
  });
});
