/**
 * Outgoing HTTP from a real guest (a JavaScript component whose `fetch` is StarlingMonkey's, over
 * wasi:http/outgoing-handler) against a local node:http server: what is allowed works with bodies
 * streamed both ways; what is not allowed is refused before any connection, including through a
 * redirect and through IP-literal and look-alike tricks, and reported as CAPABILITY_DENIED.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Capabilities, type IsowasmError, loadComponent, nodeWasi } from '../../src/index.node.js';
import type { Component } from '../../src/core/component.js';
import type { WasiPlatform } from '../../src/core/host/platform.js';
import { readFixture } from '../harness/fixtures.js';
import { type TestServer, largeBody, sha256, startTestServer } from './http-test-server.js';

interface GuestResponse { status: number; headers: [string, string][]; body: Uint8Array; chunks: number; url: string }
interface Client {
  send(req: { method: string; url: string; headers: [string, string][]; body?: Uint8Array }): Promise<GuestResponse>;
  get(url: string): Promise<string>;
}

let server: TestServer;
let component: Component;
/** URLs the fetch adapter was asked for (a refused request never gets here) */
const fetched: string[] = [];
let platform: WasiPlatform;

before(async () => {
  server = await startTestServer();
  component = await loadComponent(await readFixture('http-guest'));
  const base: WasiPlatform | undefined = nodeWasi;
  assert.ok(base, 'the Node entry exports its WASI platform');
  platform = { ...base, fetch: (r: Request) => { fetched.push(r.url); return fetch(r); } };
});
after(async () => {
  await server?.close();
});

async function guest(caps: Capabilities = { http: { allow: [server.origin] } }): Promise<{ client: Client; denied: IsowasmError[] }> {
  const denied: IsowasmError[] = [];
  const { exports } = await component.instantiate({ capabilities: caps, wasi: platform, onCapabilityDenied: (e) => denied.push(e) });
  return { client: exports['test:httpguest/client'] as Client, denied };
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Asserts the guest's request was refused: its fetch failed, nothing was fetched, the server saw nothing. */
async function assertRefused(client: Client, url: string): Promise<string> {
  const fetchedBefore = fetched.length;
  const hitsBefore = server.log.length;
  // (an instance without the HTTP grant is synchronous: its export throws rather than rejects)
  const err = await Promise.resolve().then(() => client.get(url)).then(() => null, (e: unknown) => e);
  assert.ok(err, `${url} should have been refused`);
  assert.equal(fetched.length, fetchedBefore, `${url}: nothing may be fetched (${fetched.slice(fetchedBefore).join(', ')})`);
  assert.equal(server.log.length, hitsBefore, `${url}: no request may reach the server`);
  return String((err as { payload?: unknown }).payload ?? err);
}

function assertDenial(denied: IsowasmError[], mentions: string): void {
  assert.equal(denied.length, 1, 'one report per capability and interface');
  const e = denied[0]!;
  assert.equal(e.code, 'CAPABILITY_DENIED');
  assert.match(e.message, /capabilities\.http/);
  assert.ok(e.message.includes(mentions), `${e.message} should mention ${mentions}`);
  assert.equal((e.details as { capability?: string }).capability, 'http');
}

describe('outgoing HTTP from a JavaScript guest (Node)', () => {
  it('GETs an allowed origin', async () => {
    const { client, denied } = await guest();
    const body = await client.get(`${server.origin}/stream?n=2&delay=1`);
    assert.equal(body, 'chunk 0;chunk 1;');
    assert.deepEqual(denied, []);
  });

  it('sends method, headers and body, and sees status, headers (set-cookie kept apart) and body', async () => {
    const { client } = await guest();
    const res = await client.send({ method: 'PUT', url: `${server.origin}/echo?x=1`, headers: [['x-custom', 'hello'], ['content-type', 'text/plain']], body: new TextEncoder().encode('the body') });
    assert.equal(res.status, 200);
    const echo = JSON.parse(text(res.body)) as { method: string; url: string; headers: Record<string, string>; text: string };
    assert.equal(echo.method, 'PUT');
    assert.equal(echo.url, '/echo?x=1');
    assert.equal(echo.headers['x-custom'], 'hello');
    assert.equal(echo.headers['content-type'], 'text/plain');
    assert.equal(echo.text, 'the body');
    const h = new Map<string, string[]>();
    for (const [k, v] of res.headers) h.set(k, [...(h.get(k) ?? []), v]);
    assert.deepEqual(h.get('x-echo-method'), ['PUT']);
    assert.equal(h.get('content-type')?.[0], 'application/json');
    // hop-by-hop fields describe the host's connection: the guest does not see them
    assert.equal(h.has('connection'), false);
    assert.equal(h.has('keep-alive'), false);
  });

  it('streams the request body (chunked, not collected first) and uploads a few MB intact', async () => {
    const { client } = await guest();
    const big = largeBody(3_000_000);
    const res = await client.send({ method: 'POST', url: `${server.origin}/echo`, headers: [], body: big });
    const echo = JSON.parse(text(res.body)) as { length: number; sha256: string; headers: Record<string, string> };
    assert.equal(echo.length, big.length);
    assert.equal(echo.sha256, sha256(big));
    // Node's fetch sent it as the guest wrote it: no Content-Length was known up front
    assert.equal(echo.headers['transfer-encoding'], 'chunked');
  });

  it('streams the response body: the guest reads chunks as they arrive', async () => {
    const { client } = await guest();
    const started = performance.now();
    const res = await client.send({ method: 'GET', url: `${server.origin}/stream?n=5&delay=80`, headers: [] });
    assert.equal(text(res.body), 'chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;');
    assert.ok(res.chunks >= 3, `expected the body in several chunks, got ${res.chunks}`);
    assert.ok(performance.now() - started >= 300, 'the server took its time');
  });

  it('downloads a few MB intact', async () => {
    const { client } = await guest();
    const res = await client.send({ method: 'GET', url: `${server.origin}/large?size=4000000`, headers: [] });
    assert.equal(res.body.length, 4_000_000);
    assert.equal(sha256(res.body), sha256(largeBody(4_000_000)));
  });

  it('follows a redirect to an allowed origin, re-checking it, and a 303 after POST becomes a GET', async () => {
    const { client, denied } = await guest();
    const to = encodeURIComponent(`${server.origin}/echo?after=redirect`);
    const res = await client.send({ method: 'POST', url: `${server.origin}/redirect?status=303&to=${to}`, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode('posted') });
    const echo = JSON.parse(text(res.body)) as { method: string; url: string; length: number };
    assert.equal(echo.url, '/echo?after=redirect');
    assert.equal(echo.method, 'GET');
    assert.equal(echo.length, 0);
    assert.deepEqual(denied, []);
  });

  it('refuses a redirect to an origin that is not allowed, without requesting it', async () => {
    const { client, denied } = await guest();
    // the same server under a name that is not on the allow-list: a request would be counted
    const target = `http://localhost:${server.port}/echo?via=redirect`;
    const fetchedBefore = fetched.length;
    const err = await client.get(`${server.origin}/redirect?to=${encodeURIComponent(target)}`).then(() => null, (e: unknown) => e);
    assert.ok(err, 'the guest sees the refusal as a failed fetch');
    assert.deepEqual(fetched.slice(fetchedBefore), [`${server.origin}/redirect?to=${encodeURIComponent(target)}`]);
    assert.equal(server.hits('/echo?via=redirect'), 0);
    assertDenial(denied, `http://localhost:${server.port}`);
    assert.match(denied[0]!.message, /redirect/);
  });

  it('refuses origins that are not allowed, IP literals and look-alikes, before any connection', async () => {
    const refused = [
      `http://localhost:${server.port}/echo`, // a name for the allowed IP is not the IP
      `http://127.0.0.2:${server.port}/echo`, // another IP
      `http://127.0.0.1:${server.port + 1}/echo`, // another port
      `https://127.0.0.1:${server.port}/echo`, // another scheme
      `http://[::1]:${server.port}/echo`, // IPv6 loopback
      `http://[::ffff:127.0.0.1]:${server.port}/echo`, // IPv4-mapped IPv6
      `http://127.0.0.1.nip.io:${server.port}/echo`, // a DNS name that starts with the IP
      'http://example.com/', 'https://evil.example/',
    ];
    for (const url of refused) {
      const { client, denied } = await guest();
      await assertRefused(client, url);
      const origin = new URL(url).origin;
      assertDenial(denied, `'${origin}'`);
    }
  });

  it('refuses credentials in the URL, where the host after @ is the real target', async () => {
    for (const url of [`http://127.0.0.1:${server.port}@evil.example/echo`, `http://user:pw@127.0.0.1:${server.port}/echo`]) {
      const { client } = await guest();
      await assertRefused(client, url);
    }
  });

  it('treats every spelling of the allowed IP as that IP (the URL parser normalises it)', async () => {
    const { client } = await guest();
    assert.equal(await client.get(`http://2130706433:${server.port}/stream?n=1&delay=1`), 'chunk 0;');
    assert.equal(await client.get(`http://127.1:${server.port}/stream?n=1&delay=1`), 'chunk 0;');
  });

  it('refuses every request when HTTP was not granted, naming the grant that would allow it', async () => {
    const { client, denied } = await guest({});
    await assertRefused(client, `${server.origin}/echo`);
    await assertRefused(client, 'https://api.example.com/');
    assertDenial(denied, `capabilities.http = { allow: ['${server.origin}'] }`);
  });

  it('keeps working after a refusal, and reports once per instance', async () => {
    const { client, denied } = await guest();
    await assertRefused(client, 'http://example.com/');
    await assertRefused(client, 'http://example.org/');
    assert.equal(await client.get(`${server.origin}/stream?n=1&delay=1`), 'chunk 0;');
    assert.equal(denied.length, 1);
  });

  it('lets wildcard grants reach names below the domain only', async () => {
    const { client, denied } = await guest({ http: { allow: ['http://*.localhost:*'] } });
    await assertRefused(client, `http://localhost:${server.port}/echo`);
    await assertRefused(client, `${server.origin}/echo`);
    assertDenial(denied, 'http://localhost');
  });
});
