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
import { after, before, describe, it } from '../harness/test-api.js';

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
});
