/**
 * isowasm's wasi:sockets host called directly, as a guest's bindings would call it (jco's JS
 * shapes), over Node's backend: TCP listen/accept, UDP, the WASI state machine's errors, and the
 * allow-list on bind, listen and datagrams. Servers and peers bind 127.0.0.1 only.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, connect as netConnect, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DenialReport } from '../../src/core/host/capabilities.js';
import type { IpSocketAddress } from '../../src/core/host/socket-address.js';
import type { InputStream, OutputStream, Pollable } from '../../src/core/wasi/io.js';
import { deniedSocketNamespaces, socketNamespaces } from '../../src/core/wasi/sockets/index.js';
import type { Network } from '../../src/core/wasi/sockets/network.js';
import type { TcpSocket } from '../../src/core/wasi/sockets/tcp.js';
import type { UdpSocket } from '../../src/core/wasi/sockets/udp.js';
import type { ResolveAddressStream } from '../../src/core/wasi/sockets/lookup.js';
import { createNodeSocketBackend } from '../../src/node/sockets.js';
import { type UdpPeer, closedPort, startUdpPeer } from './sockets-test-server.js';

interface Host {
  network: Network;
  tcp(): TcpSocket;
  tcp6(): TcpSocket;
  udp(): UdpSocket;
  lookup(name: string): ResolveAddressStream;
  reports: DenialReport[];
}

function host(allow: string[] | null): Host {
  const reports: DenialReport[] = [];
  const report = (d: DenialReport): void => { reports.push(d); };
  const ns = (allow === null ? deniedSocketNamespaces(report) : socketNamespaces({ allow }, { report, async: true }, createNodeSocketBackend())) as {
    'wasi:sockets/instance-network': { instanceNetwork(): Network };
    'wasi:sockets/tcp-create-socket': { createTcpSocket(f: 'ipv4' | 'ipv6'): TcpSocket };
    'wasi:sockets/udp-create-socket': { createUdpSocket(f: 'ipv4' | 'ipv6'): UdpSocket };
    'wasi:sockets/ip-name-lookup': { resolveAddresses(n: Network, name: string): ResolveAddressStream };
  };
  const network = ns['wasi:sockets/instance-network'].instanceNetwork();
  return {
    network, reports,
    tcp: () => ns['wasi:sockets/tcp-create-socket'].createTcpSocket('ipv4'),
    tcp6: () => ns['wasi:sockets/tcp-create-socket'].createTcpSocket('ipv6'),
    udp: () => ns['wasi:sockets/udp-create-socket'].createUdpSocket('ipv4'),
    lookup: (name) => ns['wasi:sockets/ip-name-lookup'].resolveAddresses(network, name),
  };
}

const v4 = (port: number, address: [number, number, number, number] = [127, 0, 0, 1]): IpSocketAddress => ({ tag: 'ipv4', val: { port, address } });
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The wasi:sockets error-code `fn` throws. */
function code(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return 'no error';
}

async function ready(p: Pollable): Promise<void> {
  await p.block();
}

/** Runs `finish` until it stops answering would-block, waiting on the socket's pollable between tries. */
async function finish<T>(subscribe: () => Pollable, fn: () => T): Promise<T> {
  const p = subscribe();
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (e !== 'would-block') throw e;
      await ready(p);
    }
  }
}

/** The error-code `fn` finally fails with, waiting on the pollable while it answers would-block. */
async function finalCode(subscribe: () => Pollable, fn: () => unknown): Promise<unknown> {
  const p = subscribe();
  for (;;) {
    const c = code(fn);
    if (c !== 'would-block') return c;
    await ready(p);
  }
}

async function readAll(input: InputStream, n: number): Promise<string> {
  let out = '';
  while (out.length < n) out += text(await input.blockingRead(BigInt(n - out.length)));
  return out;
}

/** A listening WASI socket on 127.0.0.1 (an ephemeral port). */
async function listener(h: Host): Promise<{ socket: TcpSocket; port: number }> {
  const socket = h.tcp();
  socket.startBind(h.network, v4(0));
  await finish(() => socket.subscribe(), () => socket.finishBind());
  const local = socket.localAddress();
  assert.equal(local.tag, 'ipv4');
  socket.startListen();
  socket.finishListen();
  assert.equal(socket.isListening(), true);
  return { socket, port: local.val.port };
}

describe('wasi:sockets TCP listen and accept (Node)', () => {
  it('accepts a connection, reads and writes through its streams, and sees the peer\'s address', async () => {
    const h = host(['127.0.0.1:*']);
    const { socket, port } = await listener(h);
    assert.equal(code(() => socket.accept()), 'would-block', 'no client yet');
    const client = netConnect({ host: '127.0.0.1', port });
    const clientPort = await new Promise<number>((r) => client.once('connect', () => r(client.localPort!)));
    const [conn, input, output] = await finish(() => socket.subscribe(), () => socket.accept());
    assert.deepEqual(conn.remoteAddress(), v4(clientPort));
    assert.deepEqual(conn.localAddress(), v4(port));
    client.write('ping from node');
    assert.equal(await readAll(input, 14), 'ping from node');
    const echoed = new Promise<string>((r) => client.once('data', (b) => r(b.toString())));
    await output.blockingWriteAndFlush(bytes('pong from wasi'));
    assert.equal(await echoed, 'pong from wasi');
    // shutdown(send) reaches the client as the end of its stream; the client's end reaches us as closed
    const ended = new Promise<void>((r) => client.once('end', () => r()));
    conn.shutdown('send');
    await ended;
    client.end();
    await ready(input.subscribe());
    assert.deepEqual(code(() => input.read(10n)), { tag: 'closed' });
    output[Symbol.dispose]();
    input[Symbol.dispose]();
    conn[Symbol.dispose]();
    socket[Symbol.dispose]();
    client.destroy();
  });

  it('refuses connections that arrive before listen', async () => {
    const h = host(['127.0.0.1:*']);
    const socket = h.tcp();
    socket.startBind(h.network, v4(0));
    await finish(() => socket.subscribe(), () => socket.finishBind());
    const port = socket.localAddress().val.port;
    const client = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => client.once('close', () => r()));
    socket.startListen();
    socket.finishListen();
    assert.equal(code(() => socket.accept()), 'would-block', 'the early connection was not queued');
    socket[Symbol.dispose]();
  });

  it('refuses to bind an address that is not allowed, before anything listens', async () => {
    const port = await closedPort();
    const h = host([`127.0.0.1:${port + 1}`]);
    const socket = h.tcp();
    assert.equal(code(() => socket.startBind(h.network, v4(port))), 'access-denied');
    assert.equal(h.reports.length, 1);
    assert.equal(h.reports[0]!.interface, 'wasi:sockets/tcp');
    assert.match(h.reports[0]!.detail, new RegExp(`bind to 127\\.0\\.0\\.1:${port}`));
    // nothing listens there
    const refused = await new Promise<string>((r) => {
      const c = netConnect({ host: '127.0.0.1', port });
      c.once('connect', () => { c.destroy(); r('connected'); });
      c.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    // the socket is still unbound and usable
    assert.equal(code(() => socket.finishBind()), 'not-in-progress');
  });

  it('connects from a bound address', async () => {
    const server = createServer((s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const serverPort = (server.address() as AddressInfo).port;
    try {
      const h = host([`127.0.0.1:${serverPort}`, '127.0.0.1:0']);
      const socket = h.tcp();
      socket.startBind(h.network, v4(0));
      await finish(() => socket.subscribe(), () => socket.finishBind());
      const bound = socket.localAddress().val.port;
      socket.startConnect(h.network, v4(serverPort));
      const [input, output] = await finish(() => socket.subscribe(), () => socket.finishConnect());
      assert.equal(socket.localAddress().val.port, bound, 'the connection uses the bound port');
      assert.equal(await readAll(input, 2), 'hi');
      // the connection closes when the socket and both streams are dropped
      for (const r of [input, output, socket]) r[Symbol.dispose]();
    } finally {
      server.close();
    }
  });

  it('closes a listening socket whose instance never dropped it, once it is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // (in a function, so that no reference to the socket survives on this frame)
    const port = await (async () => (await listener(host(['127.0.0.1:*']))).port)();
    const connects = (): Promise<string> => new Promise((r) => {
      const c = netConnect({ host: '127.0.0.1', port });
      c.once('connect', () => { c.destroy(); r('connected'); });
      c.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
    });
    assert.equal(await connects(), 'connected', 'it listens while the socket is alive');
    let result = 'connected';
    for (let i = 0; i < 50 && result === 'connected'; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
      result = await connects();
    }
    assert.equal(result, 'ECONNREFUSED');
  });

  it('follows the WASI state machine', async () => {
    const h = host(['127.0.0.1:*']);
    const s = h.tcp();
    assert.equal(code(() => s.finishConnect()), 'not-in-progress');
    assert.equal(code(() => s.finishBind()), 'not-in-progress');
    assert.equal(code(() => s.startListen()), 'invalid-state', 'listen needs a bound socket');
    assert.equal(code(() => s.localAddress()), 'invalid-state');
    assert.equal(code(() => s.remoteAddress()), 'invalid-state');
    assert.equal(code(() => s.accept()), 'invalid-state');
    assert.equal(code(() => s.shutdown('both')), 'invalid-state');
    assert.equal(code(() => s.startConnect(h.network, v4(0))), 'invalid-argument', 'port 0');
    assert.equal(code(() => s.startConnect(h.network, v4(80, [0, 0, 0, 0]))), 'invalid-argument', 'the unspecified address');
    assert.equal(code(() => s.startConnect(h.network, v4(80, [224, 0, 0, 1]))), 'invalid-argument', 'multicast');
    assert.equal(code(() => s.startConnect(h.network, { tag: 'ipv6', val: { port: 80, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 1], scopeId: 0 } })), 'invalid-argument', 'the wrong family');
    const other = host(['127.0.0.1:*']);
    assert.equal(code(() => s.startConnect(other.network, v4(80))), 'invalid-argument', 'another instance\'s network');
    const sixHost = host(['*:*']);
    const six = sixHost.tcp6();
    const mapped: IpSocketAddress = { tag: 'ipv6', val: { port: 80, flowInfo: 0, address: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1], scopeId: 0 } };
    assert.equal(code(() => six.startConnect(sixHost.network, mapped)), 'invalid-argument', 'an IPv4-mapped address');
    // options: defaults, validation, clamping
    assert.equal(s.keepAliveEnabled(), false);
    assert.equal(code(() => s.setKeepAliveIdleTime(0n)), 'invalid-argument');
    s.setKeepAliveIdleTime(1n);
    assert.equal(s.keepAliveIdleTime(), 1_000_000_000n, 'clamped to a second');
    assert.equal(code(() => s.setHopLimit(0)), 'invalid-argument');
    assert.equal(code(() => s.setReceiveBufferSize(0n)), 'invalid-argument');
    assert.equal(code(() => s.setListenBacklogSize(0n)), 'invalid-argument');
    s.setListenBacklogSize(10n);
    assert.equal(s.addressFamily(), 'ipv4');
    assert.equal(typeof s.receiveBufferSize(), 'bigint');
    // a connect in progress: a second one conflicts
    const port = await closedPort();
    s.startConnect(h.network, v4(port));
    assert.equal(code(() => s.startConnect(h.network, v4(port))), 'concurrency-conflict');
    assert.equal(await finalCode(() => s.subscribe(), () => s.finishConnect()), 'connection-refused');
    assert.equal(code(() => s.startConnect(h.network, v4(port))), 'invalid-state', 'a failed socket can only be dropped');
    s[Symbol.dispose]();
  });
});

describe('wasi:sockets UDP (Node)', () => {
  let peer: UdpPeer;
  let other: UdpPeer;
  before(async () => {
    [peer, other] = await Promise.all([startUdpPeer(), startUdpPeer()]);
  });
  after(async () => {
    await Promise.all([peer?.close(), other?.close()]);
  });

  async function bound(h: Host): Promise<UdpSocket> {
    const s = h.udp();
    s.startBind(h.network, v4(0));
    await finish(() => s.subscribe(), () => s.finishBind());
    return s;
  }

  it('sends to an allowed address and receives the answer', async () => {
    const h = host([`127.0.0.1:${peer.port}`, '127.0.0.1:0']);
    const s = await bound(h);
    const [incoming, outgoing] = s.stream(undefined);
    assert.equal(outgoing.checkSend() > 0n, true);
    assert.equal(outgoing.send([{ data: bytes('hello udp'), remoteAddress: v4(peer.port) }]), 1n);
    await peer.waitFor(1);
    assert.equal(peer.received.at(-1), 'hello udp');
    await ready(incoming.subscribe());
    const got = incoming.receive(10n);
    assert.equal(got.length, 1);
    assert.equal(text(got[0]!.data), 'echo:hello udp');
    assert.deepEqual(got[0]!.remoteAddress, v4(peer.port));
    s[Symbol.dispose]();
  });

  it('refuses a datagram to an address that is not allowed; nothing is sent', async () => {
    const h = host([`127.0.0.1:${peer.port}`, '127.0.0.1:0']);
    const s = await bound(h);
    const [, outgoing] = s.stream(undefined);
    const before = other.received.length;
    outgoing.checkSend();
    assert.equal(code(() => outgoing.send([{ data: bytes('leak'), remoteAddress: v4(other.port) }])), 'access-denied');
    assert.equal(h.reports.length, 1);
    assert.equal(h.reports[0]!.interface, 'wasi:sockets/udp');
    // a batch stops at the refused datagram: what was sent before it counts
    outgoing.checkSend();
    assert.equal(outgoing.send([{ data: bytes('ok'), remoteAddress: v4(peer.port) }, { data: bytes('leak'), remoteAddress: v4(other.port) }]), 1n);
    await peer.waitFor(1);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(other.received.length, before, 'the refused peer received nothing');
    // a "connected" stream is checked when it is made
    assert.equal(code(() => s.stream(v4(other.port))), 'access-denied');
    s[Symbol.dispose]();
  });

  it('a connected stream sends to its remote and only receives from it', async () => {
    const h = host(['127.0.0.1:*']);
    const s = await bound(h);
    const local = s.localAddress().val.port;
    const [incoming, outgoing] = s.stream(v4(peer.port));
    assert.deepEqual(s.remoteAddress(), v4(peer.port));
    // a stranger's datagram is filtered out
    await other.send('stranger', local);
    outgoing.checkSend();
    assert.equal(outgoing.send([{ data: bytes('to peer') }]), 1n);
    await ready(incoming.subscribe());
    let got = incoming.receive(10n);
    while (got.length === 0) {
      await ready(incoming.subscribe());
      got = incoming.receive(10n);
    }
    assert.deepEqual(got.map((d) => text(d.data)), ['echo:to peer']);
    assert.equal(code(() => outgoing.send([{ data: bytes('x'), remoteAddress: v4(other.port) }])), 'invalid-argument', 'another destination on a connected stream');
    s[Symbol.dispose]();
  });

  it('checks sending limits and states', async () => {
    const h = host(['127.0.0.1:*']);
    const s = h.udp();
    assert.equal(code(() => s.stream(undefined)), 'invalid-state', 'streams need a bound socket');
    assert.equal(code(() => s.localAddress()), 'invalid-state');
    const b = await bound(h);
    const [, outgoing] = b.stream(undefined);
    assert.throws(() => outgoing.send([{ data: bytes('x'), remoteAddress: v4(peer.port) }]), /check-send/, 'send without check-send traps');
    outgoing.checkSend();
    assert.equal(code(() => outgoing.send([{ data: new Uint8Array(70_000), remoteAddress: v4(peer.port) }])), 'datagram-too-large');
    assert.equal(code(() => outgoing.send([{ data: bytes('x') }])), 'invalid-argument', 'no destination');
    b[Symbol.dispose]();
    assert.equal(code(() => outgoing.checkSend()), 'invalid-state', 'a dropped socket\'s streams stop working');
  });
});

describe('wasi:sockets name lookup (Node)', () => {
  it('resolves an allowed name, and a connect to its address is then allowed', async () => {
    const h = host(['localhost:*']);
    const stream = h.lookup('LOCALHOST');
    const first = await finish(() => stream.subscribe(), () => stream.resolveNextAddress());
    assert.ok(first, 'localhost has an address');
    const all = [first];
    for (let a = stream.resolveNextAddress(); a !== undefined; a = stream.resolveNextAddress()) all.push(a);
    assert.ok(all.some((a) => a.tag === 'ipv4' && a.val.join('.') === '127.0.0.1'), JSON.stringify(all));
    const port = await closedPort();
    const s = h.tcp();
    // allowed now (the OS refuses: nothing listens there)
    s.startConnect(h.network, v4(port));
    assert.equal(await finalCode(() => s.subscribe(), () => s.finishConnect()), 'connection-refused');
    assert.deepEqual(h.reports, []);
  });

  it('answers invalid names with invalid-argument and unknown ones with name-unresolvable', async () => {
    const h = host(['*:*']);
    assert.equal(code(() => h.lookup('not a name')), 'invalid-argument');
    assert.equal(code(() => h.lookup('')), 'invalid-argument');
    const stream = h.lookup('does-not-exist.invalid');
    assert.equal(await finalCode(() => stream.subscribe(), () => stream.resolveNextAddress()), 'name-unresolvable');
    const literal = h.lookup('[::1]');
    assert.deepEqual(literal.resolveNextAddress(), { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] }, 'an IP literal is answered at once');
    assert.equal(literal.resolveNextAddress(), undefined);
  });

  it('without the grant, refuses lookups and every use of the network, reporting each interface once', () => {
    const h = host(null);
    assert.equal(code(() => h.lookup('example.com')), 'access-denied');
    const t = h.tcp();
    assert.equal(code(() => t.startConnect(h.network, v4(80))), 'access-denied');
    assert.equal(code(() => t.startBind(h.network, v4(0))), 'access-denied');
    const u = h.udp();
    assert.equal(code(() => u.startBind(h.network, v4(0))), 'access-denied');
    assert.deepEqual(h.reports.map((r) => r.interface), ['wasi:sockets/ip-name-lookup', 'wasi:sockets/tcp', 'wasi:sockets/tcp', 'wasi:sockets/udp']);
    assert.ok(h.reports.every((r) => r.capability === 'sockets' && r.grant.startsWith('capabilities.sockets = { allow: [')));
  });
});
