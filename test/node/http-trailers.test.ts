/**
 * Trailers through `createRequestListener`, where Node has them: a chunked request's trailers
 * reach the guest through `incoming-body.finish`, and the trailers a guest finishes its response
 * body with are sent after the chunked body. (A fetch `Response` can't carry trailers: elsewhere a
 * guest's trailers make a 500.)
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createFetchHandler, createRequestListener, type HttpComponent } from '../../src/index.node.js';
import { Fields } from '../../src/core/wasi/http/fields.js';
import { type IncomingRequest, IncomingBody, OutgoingBody, OutgoingResponse, ResponseOutparam, type FutureTrailers } from '../../src/core/wasi/http/types.js';
import type { InputStream, OutputStream } from '../../src/core/wasi/io.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Reads the whole request body and its trailers, then answers with the byte count and trailers of its own. */
async function handle(req: IncomingRequest, out: ResponseOutparam): Promise<void> {
  const body = req.consume();
  const stream = body.stream() as InputStream;
  let total = 0;
  for (;;) {
    try {
      total += (await stream.blockingRead(65536n)).length;
    } catch (e) {
      if ((e as { tag?: string }).tag === 'closed') break;
      throw e;
    }
  }
  stream[Symbol.dispose]();
  const future = IncomingBody.finish(body) as FutureTrailers;
  await future.subscribe().block();
  const got = future.get() as { tag: 'ok'; val: { tag: 'ok'; val: Fields | undefined } };
  const theirs = got.val.val?.entries().map(([n, v]) => `${n}=${dec(v)}`).join(',') ?? 'none';
  const res = new OutgoingResponse(Fields.fromList([['content-type', enc('text/plain')]]));
  const resBody = res.body();
  ResponseOutparam.set(out, { tag: 'ok', val: res });
  const w = resBody.write() as OutputStream;
  w.write(enc(`${total} bytes; trailers: ${theirs}`));
  w[Symbol.dispose]();
  const mine = req.pathWithQuery() === '/with-trailers' ? Fields.fromList([['x-total', enc(String(total))], ['x-checksum', enc('c0ffee')]]) : undefined;
  OutgoingBody.finish(resBody, mine);
}

const component: HttpComponent = {
  exports: [{ name: 'wasi:http/incoming-handler@0.2.10' }],
  async instantiate() {
    return { exports: { 'wasi:http/incoming-handler': { handle } }, terminate: async () => {} };
  },
};

/** A chunked request with `trailers`; resolves to the response status, text and trailers. */
function send(port: number, path: string, trailers: Record<string, string>): Promise<{ status: number; text: string; trailers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'transfer-encoding': 'chunked', trailer: Object.keys(trailers).join(', '), te: 'trailers' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(parts).toString(), trailers: { ...res.trailers } as Record<string, string> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write('hello ');
    req.write('trailers');
    req.addTrailers(trailers);
    req.end();
  });
}

describe('trailers through createRequestListener', () => {
  it('the request\'s trailers reach the guest; the guest\'s trailers follow the response body', async () => {
    const handler = createFetchHandler(component);
    const server = createServer(createRequestListener(handler));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const a = await send(port, '/with-trailers', { 'x-signature': 'abc123' });
      assert.equal(a.status, 200);
      assert.equal(a.text, '14 bytes; trailers: x-signature=abc123');
      assert.deepEqual(a.trailers, { 'x-total': '14', 'x-checksum': 'c0ffee' });
      const b = await send(port, '/plain', {});
      assert.equal(b.text, '14 bytes; trailers: none');
      assert.deepEqual(b.trailers, {});
    } finally {
      server.closeAllConnections();
      server.close();
      await handler.close();
    }
  });

  it('without a server adapter that sends them (a plain fetch handler call), a guest that finished with trailers gets a 500 saying why', async () => {
    const errors: string[] = [];
    const handler = createFetchHandler(component, { onError: (e) => errors.push(e.code) });
    const r = await handler(new Request('http://app.local/with-trailers', { method: 'POST', body: 'x' }));
    assert.equal(r.status, 500);
    await handler.close();
    assert.deepEqual(errors, ['BAD_RESPONSE']);
  });
});
