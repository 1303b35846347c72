/**
 * One server of the HTTP benchmark (bench/http.ts), in its own process so that it never shares a
 * thread with the load generator: plain node:http answering "hello\n", or isowasm's `serve` (the
 * same path as `isowasm serve`) with a fixture and an instance policy. Listens on a free port of
 * 127.0.0.1 and tells the parent the port over IPC; exits when the parent disconnects.
 *
 *   node build/bench/http-child.js '{"kind":"node"}'
 *   node build/bench/http-child.js '{"kind":"isowasm","fixture":"http-small","instances":{"reuse":1000,"max":8}}'
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadComponent, serve } from '../src/index.node.js';
import { root } from './_common.js';
import { type ChildSpec, HELLO } from './_http.js';

async function start(spec: ChildSpec): Promise<number> {
  if (spec.kind === 'node') {
    const body = Buffer.from(HELLO);
    // the headers a guest's response gets through createRequestListener: a content-type of its
    // choosing and chunked framing (a guest's body has no declared length); node:http otherwise
    // sets a content-length, which is less work, and this is the baseline to beat
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return (server.address() as AddressInfo).port;
  }
  const component = await loadComponent(`${root}build/fixtures/${spec.fixture}.wasm`);
  const served = await serve(component, {
    port: 0,
    hostname: '127.0.0.1',
    instances: spec.instances,
    // a failure would be counted by the load generator as a non-2xx answer; say why here too
    onError: (e) => console.error(`${spec.fixture}: ${e.code} ${e.message}`),
  });
  return served.url.port === '' ? 80 : Number(served.url.port);
}

const spec = JSON.parse(process.argv[2] ?? '{"kind":"node"}') as ChildSpec;
const port = await start(spec);
process.send?.({ port });
// the parent ends the run by disconnecting (or dying): nothing may outlive it
process.on('disconnect', () => process.exit(0));
