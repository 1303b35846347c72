/**
 * Trailers of a wasi:http/handler@0.3.0 component through `createRequestListener` (Node has them):
 * the corpus' p3-http-middleware-with-chain hands the request, after a 10 ms wait, to the host's
 * `local:local/chain-http` (an echo here, as upstream's): a chunked request's trailers reach it
 * in the body's trailers future, and come back after the chunked response body. (It imports
 * wasi:clocks@0.3.0's monotonic clock.)
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createFetchHandler, createRequestListener, loadComponent } from '../../src/index.node.js';
import { echo } from '../harness/chain-http-echo.js';
import { conformanceP3Path } from '../harness/conformance-dir.js';

/** A chunked request with `trailers`; resolves to the response's status, a header, its text and trailers. */
function send(port: number, trailers: Record<string, string>): Promise<{ status: number; foo: string | undefined; text: string; trailers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', method: 'POST', headers: { foo: 'bar', 'transfer-encoding': 'chunked', trailer: Object.keys(trailers).join(', '), te: 'trailers' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, foo: res.headers.foo as string | undefined, text: Buffer.concat(parts).toString(), trailers: { ...res.trailers } as Record<string, string> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write('And the mome ');
    req.write('raths outgrabe');
    req.addTrailers(trailers);
    req.end();
  });
}

describe('a wasi:http@0.3.0 handler\'s trailers through createRequestListener', () => {
  it('p3-http-middleware-with-chain: the request\'s trailers reach the chain, and follow the echoed body back', async () => {
    const component = await loadComponent(await readFile(conformanceP3Path('components/http/p3-http-middleware-with-chain.wasm')));
    const handler = createFetchHandler(component, { imports: { 'local:local/chain-http': { handle: echo } }, onError: (e) => { throw e; } });
    const server = createServer(createRequestListener(handler));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const a = await send(port, { fizz: 'buzz' });
      assert.deepEqual(a, { status: 200, foo: 'bar', text: 'And the mome raths outgrabe', trailers: { fizz: 'buzz' } });
      const b = await send(port, {});
      assert.deepEqual(b.trailers, {});
    } finally {
      server.closeAllConnections();
      server.close();
      await handler.close();
    }
  });
});
