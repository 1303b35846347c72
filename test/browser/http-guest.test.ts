/**
 * Outgoing HTTP from a real guest (a JavaScript component, StarlingMonkey's fetch over
 * wasi:http/outgoing-handler) in Chromium, through the page's fetch, against web-test-runner's
 * `/__http/` routes: allowed requests work (bodies streamed down, collected up), refused ones never
 * reach the network, and Chromium's hidden redirect targets are not followed.
 */
import type { IsowasmError } from '../../src/core/errors.js';
import type { Capabilities } from '../../src/core/host/capabilities.js';
import type { WasiPlatform } from '../../src/core/host/platform.js';
import { equal, ok } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { before, describe, it } from '../harness/test-api.js';

interface GuestResponse { status: number; headers: [string, string][]; body: Uint8Array; chunks: number; url: string }
interface Client {
  send(req: { method: string; url: string; headers: [string, string][]; body?: Uint8Array }): Promise<GuestResponse>;
  get(url: string): Promise<string>;
}

const origin = location.origin;
const port = Number(location.port || 80);
const fetched: string[] = [];
let component: { instantiate(o: object): Promise<{ exports: Record<string, unknown> }> };
let wasi: WasiPlatform;

before(async () => {
  const { loadComponent, browserWasi } = await platform();
  component = await loadComponent(await readFixture('http-guest'));
  const base: WasiPlatform | undefined = browserWasi;
  ok(base, 'the browser entry exports its WASI platform');
  wasi = { ...base, fetch: (r: Request) => { fetched.push(r.url); return fetch(r); } };
});

async function guest(caps: Capabilities = { http: { allow: [origin] } }): Promise<{ client: Client; denied: IsowasmError[] }> {
  const denied: IsowasmError[] = [];
  const { exports } = await component.instantiate({ capabilities: caps, wasi, onCapabilityDenied: (e: IsowasmError) => denied.push(e) });
  return { client: exports['test:httpguest/client'] as Client, denied };
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const hits = async (prefix: string): Promise<number> => (await (await fetch(`/__http/hits?prefix=${encodeURIComponent(prefix)}`)).json()) as number;
let n = 0;
const tag = (): string => `b${Date.now().toString(36)}${(n++).toString(36)}`;

async function refused(client: Client, url: string): Promise<void> {
  const before = fetched.length;
  const err = await Promise.resolve().then(() => client.get(url)).then(() => null, (e: unknown) => e);
  ok(err, `${url} should have been refused`);
  equal(fetched.length, before, `${url}: nothing may be fetched`);
}

function assertDenial(denied: IsowasmError[], mentions: string): void {
  equal(denied.length, 1);
  equal(denied[0]!.code, 'CAPABILITY_DENIED');
  ok(denied[0]!.message.includes('capabilities.http'), denied[0]!.message);
  ok(denied[0]!.message.includes(mentions), `${denied[0]!.message} should mention ${mentions}`);
}

describe('outgoing HTTP from a JavaScript guest (Chromium)', () => {
  it('GETs the allowed origin and reads a streamed body as it arrives', async () => {
    const { client, denied } = await guest();
    equal(await client.get(`${origin}/__http/stream?n=2&delay=1`), 'chunk 0;chunk 1;');
    const res = await client.send({ method: 'GET', url: `${origin}/__http/stream?n=5&delay=80`, headers: [] });
    equal(text(res.body), 'chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;');
    ok(res.chunks >= 3, `expected several chunks, got ${res.chunks}`);
    equal(denied.length, 0);
  });

  it('sends method, headers and body (collected, then sent: Chromium streams uploads only over HTTP/2)', async () => {
    const { client } = await guest();
    const res = await client.send({ method: 'POST', url: `${origin}/__http/echo`, headers: [['x-custom', 'hello']], body: new TextEncoder().encode('the body') });
    equal(res.status, 200);
    const echo = JSON.parse(text(res.body)) as { method: string; headers: Record<string, string>; text: string };
    equal(echo.method, 'POST');
    equal(echo.headers['x-custom'], 'hello');
    equal(echo.text, 'the body');
    equal(echo.headers['content-length'], '8');
  });

  it('downloads a few MB intact', async () => {
    const { client } = await guest();
    const res = await client.send({ method: 'GET', url: `${origin}/__http/large?size=3000000`, headers: [] });
    equal(res.body.length, 3_000_000);
    for (let i = 0; i < res.body.length; i += 7919) equal(res.body[i], i % 251, `byte ${i}`);
  });

  it('refuses other origins, IP literals of the same server and look-alikes before any request', async () => {
    const t = tag();
    for (const url of [
      `http://127.0.0.1:${port}/__http/echo?tag=${t}`, `http://[::1]:${port}/__http/echo?tag=${t}`, `http://localhost:${port + 1}/__http/echo?tag=${t}`,
      `http://localhost.evil.example:${port}/__http/echo?tag=${t}`, `https://localhost:${port}/__http/echo?tag=${t}`, 'https://example.com/',
    ]) {
      const { client, denied } = await guest();
      await refused(client, url);
      assertDenial(denied, `'${new URL(url).origin}'`);
    }
    equal(await hits(`/echo?tag=${t}`), 0);
  });

  it('does not follow redirects (Chromium hides their targets), to an allowed origin or not', async () => {
    const t = tag();
    for (const target of [`${origin}/__http/echo?tag=${t}`, `http://127.0.0.1:${port}/__http/echo?tag=${t}`]) {
      const { client, denied } = await guest();
      const err = await client.get(`${origin}/__http/redirect?to=${encodeURIComponent(target)}`).then(() => null, (e: unknown) => e);
      ok(err, 'the guest sees a failed fetch');
      equal(denied.length, 1);
      ok(denied[0]!.message.includes('the browser hides'), denied[0]!.message);
    }
    equal(await hits(`/echo?tag=${t}`), 0);
  });

  it('refuses every request when HTTP was not granted', async () => {
    const t = tag();
    const { client, denied } = await guest({});
    await refused(client, `${origin}/__http/echo?tag=${t}`);
    assertDenial(denied, `capabilities.http = { allow: ['${origin}'] }`);
    equal(await hits(`/echo?tag=${t}`), 0);
  });
});
