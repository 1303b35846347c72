/**
 * Handlers served by `createFetchHandler` that call out through wasi:http/outgoing-handler, to a
 * node:http test server on 127.0.0.1: the incomingHandler-style JS guest (test/fixtures/
 * http-handler, the raw wasi:http resources) and the fetch-event one (test/fixtures/http-server,
 * StarlingMonkey's fetch). A granted origin is reached (the server counts the hit); one outside
 * the grant is refused before any connection (the server sees nothing), the guest sees
 * HTTP-request-denied, and `onCapabilityDenied` gets a CAPABILITY_DENIED naming the grant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Capabilities, type FetchHandler, type IsowasmError, createFetchHandler, loadComponent } from '../../src/index.node.js';
import { readFixture } from '../harness/fixtures.js';
import { type TestServer, startTestServer } from './http-test-server.js';

type Component = Parameters<typeof createFetchHandler>[0];

let server: TestServer;
const components: Record<string, Component> = {};

before(async () => {
  server = await startTestServer();
  for (const name of ['http-handler', 'http-server']) components[name] = await loadComponent(await readFixture(name));
});
after(async () => {
  await server?.close();
});

interface Served { handle: FetchHandler; denied: IsowasmError[]; errors: IsowasmError[] }

function serve(name: string, capabilities: Capabilities | undefined): Served {
  const denied: IsowasmError[] = [];
  const errors: IsowasmError[] = [];
  const handle = createFetchHandler(components[name]!, {
    ...(capabilities ? { capabilities } : {}),
    onCapabilityDenied: (e) => { denied.push(e); },
    onError: (e) => { errors.push(e); },
  });
  return { handle, denied, errors };
}

function assertDenied(denied: IsowasmError[]): void {
  assert.equal(denied.length, 1, denied.map((e) => e.message).join('; '));
  const e = denied[0]!;
  assert.equal(e.code, 'CAPABILITY_DENIED');
  assert.equal((e.details as { capability?: string }).capability, 'http');
  assert.match(e.message, /capabilities\.http/);
}

describe('outgoing HTTP from an incomingHandler-style JS guest, through createFetchHandler', () => {
  it('allowed: the call reaches the server and its answer comes back', async () => {
    const { handle, denied, errors } = serve('http-handler', { http: { allow: [server.origin] } });
    try {
      const before = server.hits('/echo');
      const res = await handle(new Request('http://app.local/fetch', { headers: { 'x-fetch-url': `${server.origin}/echo?from=handler` } }));
      const body = await res.text();
      assert.equal(res.status, 200, body);
      assert.match(body, /^200 /);
      const echoed = JSON.parse(body.slice(4)) as { method: string; url: string };
      assert.equal(echoed.method, 'GET');
      assert.equal(echoed.url, '/echo?from=handler');
      assert.equal(server.hits('/echo') - before, 1);
      assert.deepEqual([denied.length, errors.length], [0, 0]);
    } finally {
      await handle.close();
    }
  });

  it('pooled: one instance makes several calls in turn', async () => {
    const handle = createFetchHandler(components['http-handler']!, { capabilities: { http: { allow: [server.origin] } }, instances: { reuse: 10, max: 1 } });
    try {
      const before = server.hits('/stream');
      for (let i = 0; i < 3; i++) {
        const res = await handle(new Request(`http://app.local/fetch?url=${encodeURIComponent(`${server.origin}/stream?n=3&delay=5`)}`));
        assert.equal(await res.text(), '200 chunk 0;chunk 1;chunk 2;');
      }
      assert.equal(server.hits('/stream') - before, 3);
      assert.equal(handle.instances, 1);
    } finally {
      await handle.close();
    }
  });

  for (const [what, capabilities] of [
    ['another origin granted', { http: { allow: ['http://127.0.0.1:1'] } }],
    ['no HTTP grant at all', undefined],
  ] as const) {
    it(`denied (${what}): the guest sees HTTP-request-denied, the server is never hit`, async () => {
      const { handle, denied, errors } = serve('http-handler', capabilities);
      try {
        const before = server.log.length;
        const res = await handle(new Request('http://app.local/fetch', { headers: { 'x-fetch-url': `${server.origin}/echo?denied=1` } }));
        assert.equal(res.status, 502);
        assert.equal(await res.text(), 'error HTTP-request-denied');
        assert.equal(server.log.length, before, server.log.slice(before).join(', '));
        assertDenied(denied);
        // the guest handled the refusal itself: nothing went wrong on the incoming side
        assert.equal(errors.length, 0, errors.map((e) => e.message).join('; '));
      } finally {
        await handle.close();
      }
    });
  }
});

describe('outgoing HTTP from a fetch-event JS guest (/fetch), through createFetchHandler', () => {
  it('allowed: the call reaches the server and its answer comes back', async () => {
    const { handle, denied, errors } = serve('http-server', { http: { allow: [server.origin] } });
    try {
      const before = server.hits('/echo');
      const res = await handle(new Request(`http://app.local/fetch?url=${encodeURIComponent(`${server.origin}/echo?from=fetch-event`)}`));
      const body = await res.text();
      assert.equal(res.status, 200, body);
      assert.match(body, /^200 /);
      assert.equal((JSON.parse(body.slice(4)) as { url: string }).url, '/echo?from=fetch-event');
      assert.equal(server.hits('/echo') - before, 1);
      assert.deepEqual([denied.length, errors.length], [0, 0]);
    } finally {
      await handle.close();
    }
  });

  it('denied: its fetch fails (the handler throws: a 500), the server is never hit, CAPABILITY_DENIED reported', async () => {
    const stderr: string[] = [];
    const { handle, denied } = serve('http-server', {
      http: { allow: ['http://127.0.0.1:1'] },
      stdio: { stderr: (b: Uint8Array) => { stderr.push(new TextDecoder().decode(b)); } },
    });
    try {
      const before = server.log.length;
      const res = await handle(new Request(`http://app.local/fetch?url=${encodeURIComponent(`${server.origin}/echo?denied=1`)}`));
      // the route has no try/catch: StarlingMonkey answers the rejected handler with a 500
      assert.equal(res.status, 500);
      await res.text().catch(() => '');
      assert.equal(server.log.length, before, server.log.slice(before).join(', '));
      assertDenied(denied);
      // StarlingMonkey logs the rejected handler on the guest's stderr
      assert.match(stderr.join(''), /fetch/);
    } finally {
      await handle.close();
    }
  });
});
