/**
 * `createFetchHandler` with the smallest handler there is: test/fixtures/http-small, a core
 * module written in WAT against the wasi:http Canonical ABI (a few KB, what bench/http.ts
 * measures the host's own per-request cost with). The same in Node and Chromium.
 */
import type { FetchHandler, IsowasmError } from '../../src/index.node.js';
import { createFetchHandler } from '../../src/core/http/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { after, before, describe, it } from '../harness/test-api.js';

type Component = Parameters<typeof createFetchHandler>[0];

let component: Component;
let size = 0;

before(async () => {
  const { loadComponent } = await platform();
  const bytes = await readFixture('http-small');
  size = bytes.length;
  component = await loadComponent(bytes);
});

async function get(handle: FetchHandler, path: string): Promise<[number, string]> {
  const res = await handle(new Request(`http://app.local${path}`));
  return [res.status, await res.text()];
}

async function settled(handle: FetchHandler): Promise<void> {
  for (let i = 0; i < 100 && handle.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 5));
}

describe('createFetchHandler: a hand-written WAT handler', () => {
  const errors: IsowasmError[] = [];
  let handle: FetchHandler;
  before(() => {
    handle = createFetchHandler(component, { onError: (e) => { errors.push(e); } });
  });
  after(() => handle.close());

  it('is small: tens of KB at most', () => {
    ok(size > 0 && size < 20_000, `${size} bytes`);
  });

  it('answers hello, the path it was given, whatever the method', async () => {
    deepEqual(await get(handle, '/'), [200, 'hello\n']);
    deepEqual(await get(handle, '/anything/else?x=1'), [200, 'hello\n']);
    deepEqual(await get(handle, '/path/a%20b?q=1&r=%C3%A9'), [200, '/path/a%20b?q=1&r=%C3%A9\n']);
    const post = await handle(new Request('http://app.local/path/posted', { method: 'POST', body: 'ignored' }));
    equal(post.status, 200);
    equal(await post.text(), '/path/posted\n');
    equal(errors.length, 0, errors.map((e) => e.message).join('; '));
  });

  it('a path longer than its one page of memory and than one write (cabi_realloc grows it)', async () => {
    const long = `/path/${'x'.repeat(100_000)}`;
    deepEqual(await get(handle, long), [200, `${long}\n`]);
  });

  it('a fresh instance per request by default: the count is always 1', async () => {
    const counts = await Promise.all([1, 2, 3, 4].map(() => get(handle, '/count')));
    deepEqual(counts, [[200, '1\n'], [200, '1\n'], [200, '1\n'], [200, '1\n']]);
    await settled(handle);
    equal(handle.instances, 0);
  });

  it('pooled, one instance serves request after request', async () => {
    const pooled = createFetchHandler(component, { instances: { reuse: 1000, max: 1 } });
    try {
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) seen.push((await get(pooled, '/count'))[1]);
      deepEqual(seen, ['1\n', '2\n', '3\n', '4\n', '5\n']);
      // reuse bounds an instance's life: the sixth request of reuse 5 starts again at 1
      const bounded = createFetchHandler(component, { instances: { reuse: 5, max: 1 } });
      const again: string[] = [];
      for (let i = 0; i < 6; i++) again.push((await get(bounded, '/count'))[1]);
      await bounded.close();
      deepEqual(again, ['1\n', '2\n', '3\n', '4\n', '5\n', '1\n']);
    } finally {
      await pooled.close();
    }
  });

  it('reset: one instance serves request after request, and each request finds it as new (the count is always 1)', async () => {
    const reset = createFetchHandler(component, { instances: { reset: true, max: 1 }, onError: (e) => { errors.push(e); } });
    try {
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) seen.push((await get(reset, '/count'))[1]);
      deepEqual(seen, ['1\n', '1\n', '1\n', '1\n', '1\n']);
      // the same instance all along: it was reset, not made anew
      equal(reset.instances, 1);
      // a long path grows the guest's memory; the next request finds it as new again
      const long = `/path/${'y'.repeat(200_000)}`;
      deepEqual(await get(reset, long), [200, `${long}\n`]);
      deepEqual(await get(reset, '/count'), [200, '1\n']);
      const many = await Promise.all(Array.from({ length: 20 }, () => get(reset, '/count')));
      ok(many.every(([status, text]) => status === 200 && text === '1\n'), JSON.stringify(many));
      equal(reset.instances, 1);
      equal(errors.length, 0, errors.map((e) => e.message).join('; '));
    } finally {
      await reset.close();
    }
  });

  it('many requests at once, pooled with several instances: every one answered', async () => {
    const pooled = createFetchHandler(component, { instances: { reuse: Infinity, max: 4 } });
    try {
      const got = await Promise.all(Array.from({ length: 200 }, (_, i) => get(pooled, `/path/${i}`)));
      got.forEach(([status, text], i) => {
        equal(status, 200);
        equal(text, `/path/${i}\n`);
      });
      ok(pooled.instances <= 4, `${pooled.instances} instances`);
    } finally {
      await pooled.close();
    }
  });
});
