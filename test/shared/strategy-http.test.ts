/**
 * An asynchronous adapter behind a capability grant under each strategy that can wait: outgoing
 * HTTP from a real guest (the http-guest fixture, StarlingMonkey's fetch over
 * wasi:http/outgoing-handler) answered by the test server's routes. With 'worker' the HTTP host
 * stays in this thread and the guest's calls on it are forwarded like any other import; refusals
 * are reported here, through onCapabilityDenied.
 */
import type { IsowasmError } from '../../src/core/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { type TestEndpoints, testEndpoints } from '../harness/http-endpoints.js';
import { after, before, describe, isNode, it } from '../harness/test-api.js';
import { failure, fixtureWith } from './strategy-harness.js';

interface Client {
  get(url: string): Promise<string>;
  send(req: { method: string; url: string; headers: [string, string][]; body?: Uint8Array }): Promise<{ status: number; body: Uint8Array }>;
}

let ep: TestEndpoints;
before(async () => { ep = await testEndpoints(); });
after(async () => { await ep?.close(); });

describe('strategies: outgoing HTTP (an asynchronous adapter) from a guest', () => {
  for (const strategy of ['auto', 'jspi', 'worker'] as const) {
    it(`${strategy}: GET and PUT reach an allowed origin with streamed bodies; a refused origin is reported as CAPABILITY_DENIED`, async () => {
      const denied: IsowasmError[] = [];
      const inst = await fixtureWith('http-guest', { strategy, capabilities: { http: { allow: [ep.origin] } }, onCapabilityDenied: (e) => denied.push(e) });
      equal(inst.strategy, strategy === 'auto' ? 'jspi' : strategy);
      const client = inst.exports['test:httpguest/client'] as Client;
      equal(await client.get(ep.url('/stream?n=3&delay=1').href), 'chunk 0;chunk 1;chunk 2;');
      const res = await client.send({ method: 'PUT', url: ep.url('/echo').href, headers: [['x-custom', 'hello']], body: new TextEncoder().encode('the body') });
      equal(res.status, 200);
      const echo = JSON.parse(new TextDecoder().decode(res.body)) as { method: string; text: string; headers: Record<string, string> };
      deepEqual([echo.method, echo.text, echo.headers['x-custom']], ['PUT', 'the body', 'hello']);
      ok(await failure(() => client.get('https://example.com/')));
      equal(denied.length, 1, 'one report');
      equal(denied[0]!.code, 'CAPABILITY_DENIED');
      ok(denied[0]!.message.includes('https://example.com'), denied[0]!.message);
      await inst.terminate();
    });
  }
});
