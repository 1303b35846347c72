/**
 * Hostile clients against `createRequestListener` with the fetch-event JavaScript guest: a megabyte
 * of headers, bodies past the limit, and many requests aborted halfway through their bodies. The
 * server keeps serving, and nothing is left behind: no request in flight, no instance beyond the
 * warm one, memory back near where it started. And the listener as middleware of a real Express app.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type FetchHandler, createFetchHandler, createRequestListener, loadComponent } from '../../src/index.node.js';
import type { HttpComponent } from '../../src/core/http/index.js';
import { readFixture } from '../harness/fixtures.js';
import { collected } from '../harness/heap.js';

// memory is measured after a full collection

let component: HttpComponent;
let handler: FetchHandler;
let server: Server;
let port: number;
const errors: string[] = [];

before(async () => {
  component = await loadComponent(await readFixture('http-server'));
  // the guest reports each aborted body on stderr: kept out of the test's output
  handler = createFetchHandler(component, { maxRequestBodyBytes: 1 << 20, capabilities: { stdio: { stderr: null } }, onError: (e) => errors.push(e.code) });
  server = createServer(createRequestListener(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
  await handler.close();
});

/** Writes `head` (and `body` chunks) on a raw socket; resolves to what came back, as text. */
async function raw(head: string, body: Buffer[] = []): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(head);
  for (const b of body) socket.write(b);
  socket.end();
  const parts: Buffer[] = [];
  try {
    for await (const c of socket) parts.push(c as Buffer);
  } catch (e) {
    // a server that refuses while the client still writes answers, then resets the connection
    if ((e as { code?: string }).code !== 'ECONNRESET' || parts.length === 0) throw e;
  }
  return Buffer.concat(parts).toString('latin1');
}

async function echoWorks(): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'still here' });
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { body: string }).body, 'still here');
}

/** Waits for the requests in flight to end: aborted ones still get an instance each, as their requests were already read. */
async function settled(ms = 2000): Promise<void> {
  for (let i = 0; i < ms / 10 && handler.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('hostile clients', () => {
  it('a megabyte of headers is refused (431) before the guest runs, and the server keeps serving', async () => {
    const big = Array.from({ length: 1024 }, (_, i) => `x-h${i}: ${'v'.repeat(1000)}\r\n`).join('');
    const reply = await raw(`GET /echo HTTP/1.1\r\nhost: x\r\n${big}\r\n`);
    assert.match(reply, /^HTTP\/1\.1 431 /);
    await echoWorks();
  });

  it('a 100 MB body past the 1 MiB limit gets 413 without being read whole, declared or streamed', async () => {
    const declared = await raw(`POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: ${100 * 2 ** 20}\r\nconnection: close\r\n\r\n`, [Buffer.alloc(64 * 1024)]);
    assert.match(declared, /^HTTP\/1\.1 413 /);
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const before = process.memoryUsage().rss;
    const r = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      duplex: 'half',
      body: new ReadableStream({
        pull(c) {
          c.enqueue(chunk);
        },
      }),
    } as RequestInit).catch((e: unknown) => e);
    // either the 413 arrives, or the server cut the upload after answering it
    if (r instanceof Response) assert.equal(r.status, 413);
    assert.ok(process.memoryUsage().rss - before < 96 * 2 ** 20, 'the body was not held');
    await settled();
    await echoWorks();
  });

  it('1,000 uploads aborted halfway: no request in flight, no instance left, a flat handle count, memory near where it was', async () => {
    const abort = async (i: number): Promise<void> => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write(`POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n${'a'.repeat(1000)}`);
      // let the guest start reading, then go away
      await new Promise((r) => setTimeout(r, i % 10 === 0 ? 20 : 2));
      socket.destroy();
    };
    const round = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => abort(i + j)));
      await settled(60_000);
    };
    // a first round brings the heap and V8's code caches to their working size
    await round(200);
    const before = await collected();
    // sockets, timers and the like the process holds: each request's must all be gone afterwards
    const handles = process.getActiveResourcesInfo().length;
    await round(1000);
    assert.equal(handler.inFlight, 0);
    assert.ok(handler.instances <= 1, `instances alive: ${handler.instances}`);
    for (let i = 0; i < 100 && process.getActiveResourcesInfo().length > handles; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(process.getActiveResourcesInfo().length <= handles, `handles before: ${handles}, after: ${process.getActiveResourcesInfo().join(', ')}`);
    // what the process holds on the JS heap and in buffers (wasm memories included), which is what
    // a leak grows; RSS also counts pages the allocator keeps for reuse, which varies with load
    const after = await collected();
    const grown = (after.heapUsed + after.external) - (before.heapUsed + before.external);
    assert.ok(grown < 64 * 2 ** 20, `the heap and buffers grew ${Math.round(grown / 2 ** 20)} MiB`);
    // and RSS stays bounded all the same (a leak of 1,000 instances would be gigabytes)
    const rssGrown = after.rss - before.rss;
    assert.ok(rssGrown < 512 * 2 ** 20, `RSS grew ${Math.round(rssGrown / 2 ** 20)} MiB`);
    await echoWorks();
  });
});

describe('createRequestListener as Express middleware', () => {
  it('an Express 5 app mounts the component under /api beside its own routes; the guest sees the path below the mount', async () => {
    const express = (await import('express')).default;
    const api = createFetchHandler(component, { capabilities: { stdio: { stderr: null } } });
    const app = express();
    app.get('/health', (_req, res) => { res.send('ok'); });
    app.use('/api', createRequestListener(api));
    const s = app.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      assert.equal(await (await fetch(`${base}/health`)).text(), 'ok');
      const r = await fetch(`${base}/api/echo?q=1`, { method: 'PUT', body: 'through express', headers: { 'x-test': 'yes' } });
      assert.equal(r.status, 200);
      const body = (await r.json()) as { method: string; path: string; query: string; body: string; headers: Record<string, string> | [string, string][] };
      assert.equal(body.method, 'PUT');
      assert.equal(body.body, 'through express');
      assert.equal(body.path, '/echo');
      assert.equal(body.query, '?q=1');
      assert.ok(JSON.stringify(body.headers).includes('x-test'), JSON.stringify(body.headers));
      assert.equal((await fetch(`${base}/api/count`)).status, 200);
    } finally {
      s.closeAllConnections();
      s.close();
      await api.close();
    }
  });
});
