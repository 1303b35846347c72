/**
 * `createFetchHandler` with a JavaScript handler in the `incomingHandler` style
 * (test/fixtures/http-handler: `jco componentize`, the wasi:http resources used directly, no fetch
 * event): it can serve request after request, so it shows both instance policies. The same in
 * Node and Chromium; its outgoing calls are tested in test/node/http-outgoing-guests.test.ts.
 */
import type { FetchHandler, IsowasmError } from '../../src/index.node.js';
import { createFetchHandler } from '../../src/core/http/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { after, before, describe, it } from '../harness/test-api.js';

type Component = Parameters<typeof createFetchHandler>[0];

let component: Component;

before(async () => {
  const { loadComponent } = await platform();
  component = await loadComponent(await readFixture('http-handler'));
});

async function text(handle: FetchHandler, path: string, init?: RequestInit): Promise<[number, string]> {
  const res = await handle(new Request(`http://app.local${path}`, init));
  return [res.status, await res.text()];
}

describe('createFetchHandler: an incomingHandler-style JavaScript guest', () => {
  const errors: IsowasmError[] = [];
  let handle: FetchHandler;
  before(() => {
    handle = createFetchHandler(component, { onError: (e) => { errors.push(e); } });
  });
  after(() => handle.close());

  it('echoes method, path with query, headers, and the body', async () => {
    const [status, body] = await text(handle, '/echo?a=1&b=%20', {
      method: 'PATCH', headers: [['x-one', 'a'], ['x-two', 'b c']], body: 'the body',
    });
    equal(status, 200);
    const [head, rest] = body.split('\n\n') as [string, string];
    const lines = head.split('\n');
    equal(lines[0], 'PATCH /echo?a=1&b=%20');
    ok(lines.includes('x-one: a'), head);
    ok(lines.includes('x-two: b c'), head);
    equal(rest, 'the body');
    equal(errors.length, 0, errors.map((e) => e.message).join('; '));
  });

  it('streams a request body back as it reads it', async () => {
    const chunk = new Uint8Array(16 * 1024).map((_, i) => i & 0xff);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ === 32) c.close();
        else c.enqueue(chunk);
      },
    });
    const res = await handle(new Request('http://app.local/echo', { method: 'PUT', body, duplex: 'half' } as RequestInit));
    equal(res.status, 200);
    const all = new Uint8Array(await res.arrayBuffer());
    const blank = all.findIndex((b, i) => b === 10 && all[i + 1] === 10);
    const back = all.subarray(blank + 2);
    equal(back.length, 32 * chunk.length);
    equal(back[16 * 1024 * 5 + 9], 9);
  });

  it('a fresh instance per request by default: the counter is always 1', async () => {
    const counts = await Promise.all([1, 2, 3].map(async () => (await text(handle, '/count'))[1]));
    deepEqual(counts, ['1', '1', '1']);
  });

  it('pooled, one instance serves request after request (which a fetch-event guest cannot)', async () => {
    const pooled = createFetchHandler(component, { instances: { reuse: 100, max: 1 }, onError: (e) => { errors.push(e); } });
    try {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) seen.push((await text(pooled, '/count'))[1]);
      deepEqual(seen, ['1', '2', '3', '4']);
      deepEqual(await text(pooled, '/hello'), [200, 'hello\n']);
      equal((await text(pooled, '/count'))[1], '5');
      equal(pooled.instances, 1);
    } finally {
      await pooled.close();
    }
  });

  it('an unknown path: 404 from the guest', async () => {
    deepEqual(await text(handle, '/nowhere'), [404, 'not found']);
  });
});
