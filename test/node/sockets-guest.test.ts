/**
 * wasi:sockets from a real guest (test/fixtures/sockets-guest.wat, a hand-written TCP client)
 * against node:net echo servers on 127.0.0.1: what the allow-list allows connects and echoes (the
 * instance is asynchronous: exports return promises); what it does not allow fails with
 * `access-denied` inside the guest before any connection is attempted (the servers count
 * connections, the backend counts calls), is reported as CAPABILITY_DENIED naming
 * capabilities.sockets, and leaves the instance working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Capabilities, type IsowasmError, loadComponent, nodeWasi } from '../../src/index.node.js';
import type { Component } from '../../src/core/component.js';
import type { SocketBackend } from '../../src/core/host/socket-backend.js';
import type { WasiPlatform } from '../../src/core/host/platform.js';
import { createNodeSocketBackend } from '../../src/node/sockets.js';
import { readFixture } from '../harness/fixtures.js';
import { type EchoServer, closedPort, startEchoServer } from './sockets-test-server.js';

interface Guest {
  echo(a: number, b: number, c: number, d: number, port: number, msg: string): Promise<string> | string;
  lookupEcho(host: string, port: number, msg: string): Promise<string> | string;
}

let component: Component;
let allowed: EchoServer;
let forbidden: EchoServer;
let platform: WasiPlatform;
/** what reached the backend: a refused operation never gets here */
const calls = { connect: 0, lookup: [] as string[] };

before(async () => {
  component = await loadComponent(await readFixture('sockets-guest'));
  [allowed, forbidden] = await Promise.all([startEchoServer(), startEchoServer()]);
  const base: WasiPlatform | undefined = nodeWasi;
  assert.ok(base?.sockets, 'the Node platform serves sockets');
  const real = createNodeSocketBackend();
  const counting: SocketBackend = {
    ...real,
    tcpConnect: (o) => { calls.connect++; return real.tcpConnect(o); },
    lookup: (name) => { calls.lookup.push(name); return real.lookup(name); },
  };
  platform = { ...base, sockets: counting };
});
after(async () => {
  await Promise.all([allowed?.close(), forbidden?.close()]);
});

async function guest(caps: Capabilities): Promise<{ g: Guest; denied: IsowasmError[]; strategy: string }> {
  const denied: IsowasmError[] = [];
  const inst = await component.instantiate({ capabilities: caps, wasi: platform, onCapabilityDenied: (e) => denied.push(e) });
  return { g: inst.exports as unknown as Guest, denied, strategy: inst.strategy };
}

/** The guest's error string (the error-code's name), or null if the call succeeded. */
async function failure(call: () => Promise<string> | string): Promise<string | null> {
  // (an instance without the sockets grant is synchronous: its export throws rather than rejects)
  return Promise.resolve().then(call).then(() => null, (e: unknown) => {
    const payload = (e as { payload?: unknown }).payload;
    if (typeof payload !== 'string') throw e;
    return payload;
  });
}

/** Asserts a refusal reached neither the backend nor any server. */
async function assertRefusedBeforeConnecting(call: () => Promise<string> | string): Promise<void> {
  const before = { connect: calls.connect, allowed: allowed.connections, forbidden: forbidden.connections };
  assert.equal(await failure(call), 'access-denied');
  assert.equal(calls.connect, before.connect, 'no connection may be attempted');
  // (a connection would have been counted by now: the echo round trips below take longer)
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(allowed.connections, before.allowed, 'no connection may reach a server');
  assert.equal(forbidden.connections, before.forbidden, 'no connection may reach a server');
}

function assertDenial(denied: IsowasmError[], iface: string, mentions: string[]): void {
  assert.equal(denied.length, 1, 'one report per capability and interface');
  const e = denied[0]!;
  assert.equal(e.code, 'CAPABILITY_DENIED');
  assert.match(e.message, /capabilities\.sockets = \{ allow: \[/);
  for (const m of mentions) assert.ok(e.message.includes(m), `${e.message} should mention ${m}`);
  const d = e.details as { capability?: string; interface?: string };
  assert.equal(d.capability, 'sockets');
  assert.equal(d.interface, iface);
}

describe('wasi:sockets TCP from a guest (Node)', () => {
  it('connects to an allowed address and gets the echo back, asynchronously', async () => {
    const { g, denied, strategy } = await guest({ sockets: { allow: [`127.0.0.1:${allowed.port}`] } });
    assert.equal(strategy, 'jspi', 'granting sockets makes the instance asynchronous');
    const seen = allowed.connections;
    const reply = g.echo(127, 0, 0, 1, allowed.port, 'hello, sockets');
    assert.ok(reply instanceof Promise, 'exports return promises');
    assert.equal(await reply, 'hello, sockets');
    assert.equal(allowed.connections, seen + 1);
    // again, on the same instance (every resource was dropped, the connection closed)
    assert.equal(await g.echo(127, 0, 0, 1, allowed.port, 'ünïcödé ✓'), 'ünïcödé ✓');
    assert.deepEqual(denied, []);
  });

  it('streams a large message both ways (many reads, backpressure)', async () => {
    const { g } = await guest({ sockets: { allow: [`127.0.0.1:${allowed.port}`] } });
    const big = Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('').repeat(10);
    assert.equal(await g.echo(127, 0, 0, 1, allowed.port, big), big);
  });

  it('accepts wildcard ports and hosts', async () => {
    for (const entry of ['127.0.0.1:*', `*:${allowed.port}`, '*:*']) {
      const { g } = await guest({ sockets: { allow: [entry] } });
      assert.equal(await g.echo(127, 0, 0, 1, allowed.port, entry), entry, entry);
    }
  });

  it('refuses a port that is not allowed before connecting, reports it, and keeps working', async () => {
    const { g, denied } = await guest({ sockets: { allow: [`127.0.0.1:${allowed.port}`] } });
    await assertRefusedBeforeConnecting(() => g.echo(127, 0, 0, 1, forbidden.port, 'let me in'));
    assertDenial(denied, 'wasi:sockets/tcp', [`127.0.0.1:${forbidden.port}`, `'127.0.0.1:${allowed.port}', '127.0.0.1:${forbidden.port}'`]);
    assert.equal(await g.echo(127, 0, 0, 1, allowed.port, 'still here'), 'still here');
  });

  it('refuses a host that is not allowed (the port alone is not enough)', async () => {
    const { g, denied } = await guest({ sockets: { allow: [`127.0.0.2:${allowed.port}`, `[::1]:${allowed.port}`, `example.com:${allowed.port}`] } });
    await assertRefusedBeforeConnecting(() => g.echo(127, 0, 0, 1, allowed.port, 'x'));
    assertDenial(denied, 'wasi:sockets/tcp', [`127.0.0.1:${allowed.port}`]);
  });

  it('refuses everything without the grant: the guest sees access-denied, the host reports it', async () => {
    const { g, denied, strategy } = await guest({});
    assert.equal(strategy, 'sync', 'without the grant nothing needs to wait');
    await assertRefusedBeforeConnecting(() => g.echo(127, 0, 0, 1, allowed.port, 'x'));
    assertDenial(denied, 'wasi:sockets/tcp', [`capabilities.sockets = { allow: ['127.0.0.1:${allowed.port}'] }`]);
    // the instance is not poisoned: the next call is refused the same way (and not reported again)
    await assertRefusedBeforeConnecting(() => g.echo(127, 0, 0, 1, forbidden.port, 'y'));
    const before = calls.lookup.length;
    assert.equal(await failure(() => g.lookupEcho('localhost', allowed.port, 'z')), 'access-denied');
    assert.equal(calls.lookup.length, before, 'no lookup without the grant');
    assert.equal(denied.length, 2);
    assert.equal((denied[1]!.details as { interface: string }).interface, 'wasi:sockets/ip-name-lookup');
  });

  it('reports a connection the OS refused as connection-refused', async () => {
    const port = await closedPort();
    const { g, denied } = await guest({ sockets: { allow: [`127.0.0.1:${port}`] } });
    assert.equal(await failure(() => g.echo(127, 0, 0, 1, port, 'anyone?')), 'connection-refused');
    assert.deepEqual(denied, []);
  });

  it('connects through a name the guest resolved with the granted lookup', async () => {
    const { g, denied } = await guest({ sockets: { allow: [`LocalHost:${allowed.port}`] } });
    // the address alone is not on the list
    await assertRefusedBeforeConnecting(() => g.echo(127, 0, 0, 1, allowed.port, 'direct'));
    assertDenial(denied, 'wasi:sockets/tcp', [`127.0.0.1:${allowed.port}`]);
    assert.equal(await g.lookupEcho('localhost', allowed.port, 'by name'), 'by name');
    assert.ok(calls.lookup.includes('localhost'));
    // the name's port still counts
    await assertRefusedBeforeConnecting(() => g.lookupEcho('localhost', forbidden.port, 'other port'));
  });

  it('refuses to look up a name that is not on the list, without a query', async () => {
    const { g, denied } = await guest({ sockets: { allow: [`127.0.0.1:${allowed.port}`] } });
    const before = calls.lookup.length;
    await assertRefusedBeforeConnecting(() => g.lookupEcho('exfiltrate-this.example', allowed.port, 'x'));
    assert.equal(calls.lookup.length, before, 'the name never reached the resolver');
    assertDenial(denied, 'wasi:sockets/ip-name-lookup', ['exfiltrate-this.example']);
    // an IP literal needs no query and is answered (and then checked at connect time)
    assert.equal(await g.lookupEcho('127.0.0.1', allowed.port, 'literal'), 'literal');
    assert.equal(calls.lookup.length, before);
  });

  it('keeps grants per instance', async () => {
    const a = await guest({ sockets: { allow: [`127.0.0.1:${allowed.port}`] } });
    const b = await guest({ sockets: { allow: [`127.0.0.1:${forbidden.port}`] } });
    assert.equal(await a.g.echo(127, 0, 0, 1, allowed.port, 'a'), 'a');
    await assertRefusedBeforeConnecting(() => b.g.echo(127, 0, 0, 1, allowed.port, 'b'));
    assert.equal(await b.g.echo(127, 0, 0, 1, forbidden.port, 'b'), 'b');
    await assertRefusedBeforeConnecting(() => a.g.echo(127, 0, 0, 1, forbidden.port, 'a'));
  });

  it('refuses a malformed grant with a TypeError', async () => {
    await assert.rejects(component.instantiate({ capabilities: { sockets: { allow: ['127.0.0.1'] } }, wasi: platform }), TypeError);
    await assert.rejects(component.instantiate({ capabilities: { sockets: {} as { allow: string[] } }, wasi: platform }), TypeError);
  });
});
