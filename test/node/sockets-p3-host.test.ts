/**
 * isowasm's wasi:sockets@0.3.0 host called directly in the JS shapes a guest's calls arrive in
 * (streams as ReadableStreams, futures as promises, error-codes as `{ tag }` variants thrown or
 * rejected), over Node's backend and real sockets on 127.0.0.1 (and ::1): TCP listen/accept,
 * send/receive and how their futures end, shared ownership of the OS socket, UDP datagrams and
 * association, name lookup, the state machine's errors, and deny by default with the same grant
 * as 0.2.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, connect as netConnect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { DenialReport } from '../../src/core/host/capabilities.js';
import type { IpAddress, IpSocketAddress } from '../../src/core/host/socket-address.js';
import type { SocketBackend } from '../../src/core/host/socket-backend.js';
import type { Outcome } from '../../src/core/wasi/p3/sockets/errors.js';
import { deniedP3SocketNamespaces, p3SocketNamespaces } from '../../src/core/wasi/p3/sockets/index.js';
import type { TcpSocket } from '../../src/core/wasi/p3/sockets/tcp.js';
import type { UdpSocket } from '../../src/core/wasi/p3/sockets/udp.js';
import { createNodeSocketBackend } from '../../src/node/sockets.js';
import { closedPort } from './sockets-test-server.js';

interface Host {
  TcpSocket: { create(f: 'ipv4' | 'ipv6'): TcpSocket };
  UdpSocket: { create(f: 'ipv4' | 'ipv6'): UdpSocket };
  resolveAddresses(name: string): Promise<unknown>;
  reports: DenialReport[];
}

function host(allow: string[] | null, backend: SocketBackend = createNodeSocketBackend()): Host {
  const reports: DenialReport[] = [];
  const report = (d: DenialReport): void => { reports.push(d); };
  const ns = (allow === null ? deniedP3SocketNamespaces(report) : p3SocketNamespaces({ allow }, { report, async: true }, backend)) as {
    'wasi:sockets/types@0.3.0': { TcpSocket: Host['TcpSocket']; UdpSocket: Host['UdpSocket'] };
    'wasi:sockets/ip-name-lookup@0.3.0': { resolveAddresses(name: string): Promise<unknown> };
  };
  return { ...ns['wasi:sockets/types@0.3.0'], resolveAddresses: ns['wasi:sockets/ip-name-lookup@0.3.0'].resolveAddresses, reports };
}

const v4 = (port: number, address: [number, number, number, number] = [127, 0, 0, 1]): IpSocketAddress => ({ tag: 'ipv4', val: { port, address } });
const v6 = (port: number, address: [number, number, number, number, number, number, number, number] = [0, 0, 0, 0, 0, 0, 0, 1]): IpSocketAddress => ({ tag: 'ipv6', val: { port, flowInfo: 0, address, scopeId: 0 } });
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const ok: Outcome = { tag: 'ok' };
const err = (tag: string): Outcome => ({ tag: 'err', val: { tag } as never });
const drop = (r: { [Symbol.dispose](): void }): void => r[Symbol.dispose]();

/** What `fn` throws or rejects with (a wasi error-code variant), or 'no error'. */
async function code(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return 'no error';
}

/** A guest's side of `send`: a stream it writes chunks into and then ends (or keeps open). */
function guestStream(): { stream: ReadableStream<Uint8Array>; write(b: Uint8Array): void; end(): void; cancelled: Promise<void> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled!: () => void;
  const wasCancelled = new Promise<void>((r) => { cancelled = r; });
  const stream = new ReadableStream<Uint8Array>({ start: (c) => { controller = c; }, cancel: () => cancelled() });
  return { stream, write: (b) => controller.enqueue(b), end: () => controller.close(), cancelled: wasCancelled };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += text(chunk);
  return out;
}

async function readN(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<string> {
  let out = '';
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    out += text(value);
  }
  return out;
}

/** A listening socket on loopback, its accept stream and its port. */
async function listening(h: Host, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<{ listener: TcpSocket; accept: ReadableStreamDefaultReader<TcpSocket>; port: number }> {
  const listener = h.TcpSocket.create(family);
  await listener.bind(family === 'ipv4' ? v4(0) : v6(0));
  const accept = (await listener.listen()).getReader();
  const port = listener.getLocalAddress().val.port;
  return { listener, accept, port };
}

/** A connected pair of WASI sockets (server side accepted, client side connected). */
async function pair(h: Host, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<{ server: TcpSocket; client: TcpSocket; listener: TcpSocket; accept: ReadableStreamDefaultReader<TcpSocket> }> {
  const { listener, accept, port } = await listening(h, family);
  const client = h.TcpSocket.create(family);
  const [, accepted] = await Promise.all([client.connect(family === 'ipv4' ? v4(port) : v6(port)), accept.read()]);
  assert.equal(accepted.done, false);
  return { server: accepted.value!, client, listener, accept };
}

describe('wasi:sockets@0.3.0 TCP (Node)', { timeout: 20_000 }, () => {
  it('listens, accepts, and moves bytes both ways through send and receive; FIN ends the peer\'s receive with ok', async () => {
    const h = host(['127.0.0.1:*']);
    const { server, client, listener, accept } = await pair(h);
    assert.deepEqual(server.getRemoteAddress(), client.getLocalAddress());
    assert.equal(listener.getIsListening(), true);
    assert.equal(client.getIsListening(), false);

    const toServer = guestStream();
    const clientSent = client.send(toServer.stream);
    const [serverIn, serverInDone] = server.receive();
    toServer.write(bytes('ping'));
    const serverReader = serverIn.getReader();
    assert.equal(await readN(serverReader, 4), 'ping');

    const toClient = guestStream();
    const serverSent = server.send(toClient.stream);
    const [clientIn, clientInDone] = client.receive();
    toClient.write(bytes('pong'));
    toClient.end();
    assert.equal(await readAll(clientIn), 'pong');
    assert.deepEqual(await clientInDone, ok);
    assert.deepEqual(await serverSent, ok);

    toServer.end();
    assert.deepEqual(await clientSent, ok);
    assert.equal((await serverReader.read()).done, true);
    assert.deepEqual(await serverInDone, ok);
    for (const s of [server, client, listener]) drop(s);
    await accept.cancel();
  });

  it('answers a second send or receive with invalid-state, dropping the guest\'s stream', async () => {
    const h = host(['127.0.0.1:*']);
    const { server, client, listener, accept } = await pair(h);
    const first = guestStream();
    const sent = client.send(first.stream);
    const again = guestStream();
    assert.deepEqual(await client.send(again.stream), err('invalid-state'));
    await again.cancelled;
    const [firstIn, received] = server.receive();
    const [second, secondDone] = server.receive();
    assert.equal((await second.getReader().read()).done, true);
    assert.deepEqual(await secondDone, err('invalid-state'));
    first.end();
    assert.deepEqual(await sent, ok);
    assert.equal(await readAll(firstIn), '');
    assert.deepEqual(await received, ok);
    // an unconnected socket has nothing to send on or receive from
    const fresh = h.TcpSocket.create('ipv4');
    const unsent = guestStream();
    assert.deepEqual(await fresh.send(unsent.stream), err('invalid-state'));
    await unsent.cancelled;
    assert.deepEqual(await fresh.receive()[1], err('invalid-state'));
    for (const s of [server, client, listener, fresh]) drop(s);
    await accept.cancel();
  });

  it('keeps streams working after their sockets are dropped, and closes the connection when the last is done', async () => {
    const h = host(['127.0.0.1:*']);
    const { server, client, listener, accept } = await pair(h);
    const out = guestStream();
    const sent = server.send(out.stream);
    const [input, inputDone] = client.receive();
    drop(server);
    drop(client);
    out.write(bytes('after the drop'));
    out.end();
    assert.deepEqual(await sent, ok);
    assert.equal(await readAll(input), 'after the drop');
    assert.deepEqual(await inputDone, ok);
    drop(listener);
    await accept.cancel();
  });

  it('resolves receive with ok when the guest drops the stream with data still queued', async () => {
    const h = host(['127.0.0.1:*']);
    const { server, client, listener, accept } = await pair(h);
    const out = guestStream();
    const sent = server.send(out.stream);
    out.write(bytes('x'.repeat(1000)));
    const [input, done] = client.receive();
    const reader = input.getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
    assert.deepEqual(await done, ok);
    out.end();
    assert.deepEqual(await sent, ok);
    for (const s of [server, client, listener]) drop(s);
    await accept.cancel();
  });

  it('drops the guest\'s send stream and answers with the connection\'s error when the peer is gone', async () => {
    const h = host(['127.0.0.1:*']);
    const { server, client, listener, accept } = await pair(h);
    drop(server);
    const out = guestStream();
    const sent = client.send(out.stream);
    let cancelled = false;
    void out.cancelled.then(() => { cancelled = true; });
    // writes reach a closed peer, which resets the connection; the host then drops the stream
    for (let i = 0; i < 1000 && !cancelled; i++) {
      out.write(bytes('undeliverable'));
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(cancelled, true, 'the send stream was dropped');
    const outcome = await sent;
    assert.equal(outcome.tag, 'err');
    assert.ok(['connection-reset', 'connection-broken'].includes((outcome.val as { tag: string }).tag), JSON.stringify(outcome));
    drop(client);
    drop(listener);
    await accept.cancel();
  });

  it('ends receive with the connection\'s error when the peer resets it', async () => {
    const h = host(['127.0.0.1:*']);
    const { listener, accept, port } = await listening(h);
    const peer = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => peer.once('connect', () => r()));
    const { value: sock } = await accept.read();
    const [input, done] = sock!.receive();
    const reader = input.getReader();
    const first = reader.read();
    peer.resetAndDestroy();
    assert.equal((await first).done, true);
    assert.deepEqual(await done, err('connection-reset'));
    drop(sock!);
    drop(listener);
    await accept.cancel();
  });

  it('accepts connections from node:net with the listener\'s options, independent of the listener', async () => {
    // listen without bind binds to every interface, which a grant of loopback only does not allow
    assert.deepEqual(await code(() => host(['127.0.0.1:*']).TcpSocket.create('ipv4').listen()), { tag: 'access-denied' });
    const h = host(['127.0.0.1:*', '0.0.0.0:*']);
    const listener = h.TcpSocket.create('ipv4');
    listener.setKeepAliveEnabled(true);
    listener.setKeepAliveIdleTime(42_000_000_000n);
    listener.setHopLimit(42);
    // a listen without bind binds to any address and a free port
    const accept = (await listener.listen()).getReader();
    const local = listener.getLocalAddress();
    assert.deepEqual(local.tag === 'ipv4' && local.val.address, [0, 0, 0, 0]);
    const peer = netConnect({ host: '127.0.0.1', port: local.val.port });
    const { value: sock } = await accept.read();
    assert.equal(sock!.getKeepAliveEnabled(), true);
    assert.equal(sock!.getKeepAliveIdleTime(), 42_000_000_000n);
    listener.setHopLimit(43);
    assert.equal(sock!.getHopLimit(), 42);
    // dropping the listener and its stream leaves the accepted connection open
    drop(listener);
    await accept.cancel();
    const received = new Promise<string>((r) => peer.once('data', (b) => r(b.toString())));
    const out = guestStream();
    const sent = sock!.send(out.stream);
    out.write(bytes('still here'));
    out.end();
    assert.equal(await received, 'still here');
    assert.deepEqual(await sent, ok);
    drop(sock!);
    peer.destroy();
  });

  it('follows the state machine: bind once, listen once, connect from unbound or bound only', async () => {
    const h = host(['*:*']);
    const s = h.TcpSocket.create('ipv4');
    assert.deepEqual(await code(() => s.getLocalAddress()), { tag: 'invalid-state' });
    assert.deepEqual(await code(() => s.getRemoteAddress()), { tag: 'invalid-state' });
    s.setListenBacklogSize(32n);
    await s.bind(v4(0));
    s.setListenBacklogSize(32n);
    assert.deepEqual(await code(() => s.bind(v4(0))), { tag: 'invalid-state' });
    const accept = await s.listen();
    assert.deepEqual(await code(() => s.listen()), { tag: 'invalid-state' });
    assert.deepEqual(await code(() => s.connect(v4(1))), { tag: 'invalid-state' });
    assert.deepEqual(await code(() => s.setListenBacklogSize(0n)), { tag: 'invalid-argument' });
    drop(s);
    await accept.cancel();
  });

  it('validates addresses before anything else: family, unicast, IPv4-mapped, unspecified, port 0', async () => {
    const h = host(['*:*']);
    const s4 = h.TcpSocket.create('ipv4');
    const s6 = h.TcpSocket.create('ipv6');
    const mapped = v6(0, [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    for (const [s, a] of [[s4, v6(0)], [s4, v4(0, [255, 255, 255, 255])], [s4, v4(0, [224, 254, 0, 0])], [s6, mapped], [s6, v4(0)]] as const) {
      assert.deepEqual(await code(() => s.bind(a)), { tag: 'invalid-argument' }, JSON.stringify(a));
    }
    for (const [s, a] of [[s4, v4(47, [0, 0, 0, 0])], [s4, v4(0)], [s4, v6(47)], [s6, v6(47, [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1])]] as const) {
      assert.deepEqual(await code(() => s.connect(a)), { tag: 'invalid-argument' }, JSON.stringify(a));
    }
    // a refused address does not close the socket: it can still bind
    await s6.bind(v6(0));
    drop(s4);
    drop(s6);
  });

  it('answers address-in-use, address-not-bindable and connection-refused as the OS does; a failed connect closes the socket', async () => {
    const h = host(['*:*']);
    const { listener, accept, port } = await listening(h);
    const second = h.TcpSocket.create('ipv4');
    assert.deepEqual(await code(() => second.bind(v4(port))), { tag: 'address-in-use' });
    // a failed bind leaves it unbound: another address works
    await second.bind(v4(0));
    const third = h.TcpSocket.create('ipv4');
    assert.deepEqual(await code(() => third.bind(v4(0, [192, 0, 2, 0]))), { tag: 'address-not-bindable' });
    const client = h.TcpSocket.create('ipv4');
    const closed = await closedPort();
    assert.deepEqual(await code(() => client.connect(v4(closed))), { tag: 'connection-refused' });
    assert.deepEqual(await code(() => client.connect(v4(port))), { tag: 'invalid-state' });
    for (const s of [listener, second, third, client]) drop(s);
    await accept.cancel();
  });

  it('connects from an explicitly bound address, whose local address then becomes the path\'s', async () => {
    const h = host(['*:*']);
    const { listener, accept, port } = await listening(h);
    const client = h.TcpSocket.create('ipv4');
    await client.bind(v4(0, [0, 0, 0, 0]));
    const before = client.getLocalAddress();
    await Promise.all([client.connect(v4(port)), accept.read()]);
    const after = client.getLocalAddress();
    assert.deepEqual(after.val.address, [127, 0, 0, 1]);
    assert.equal(after.val.port, before.val.port);
    drop(client);
    drop(listener);
    await accept.cancel();
  });

  it('works over IPv6 loopback', async () => {
    const h = host(['[::1]:*']);
    const { server, client, listener, accept } = await pair(h, 'ipv6');
    const out = guestStream();
    const sent = client.send(out.stream);
    out.write(bytes('v6'));
    out.end();
    const [input] = server.receive();
    assert.equal(await readAll(input), 'v6');
    assert.deepEqual(await sent, ok);
    for (const s of [server, client, listener]) drop(s);
    await accept.cancel();
  });

  it('stores options as the WIT asks: 0 refused, others clamped or rounded, read back', async () => {
    const h = host(['*:*']);
    const s = h.TcpSocket.create('ipv6');
    for (const set of [() => s.setKeepAliveIdleTime(0n), () => s.setKeepAliveInterval(0n), () => s.setKeepAliveCount(0), () => s.setHopLimit(0), () => s.setReceiveBufferSize(0n), () => s.setSendBufferSize(0n), () => s.setListenBacklogSize(0n)]) {
      assert.deepEqual(await code(set), { tag: 'invalid-argument' });
    }
    s.setKeepAliveIdleTime(1n);
    assert.equal(s.getKeepAliveIdleTime(), 1_000_000_000n);
    s.setKeepAliveInterval(2n ** 64n - 1n);
    s.setKeepAliveCount(2 ** 32 - 1);
    s.setListenBacklogSize(2n ** 64n - 1n);
    s.setReceiveBufferSize(0x10000n);
    assert.equal(s.getReceiveBufferSize(), 0x10000n);
    s.setSendBufferSize(2n ** 64n - 1n);
    assert.ok(s.getSendBufferSize() > 0n);
    assert.equal(s.getAddressFamily(), 'ipv6');
    drop(s);
  });
});

describe('wasi:sockets@0.3.0 UDP (Node)', { timeout: 20_000 }, () => {
  it('sends and receives datagrams; connect picks the local address of the path and filters the peer', async () => {
    const h = host(['*:*']);
    const server = h.UdpSocket.create('ipv4');
    await server.bind(v4(0));
    const serverAddr = server.getLocalAddress();
    const client = h.UdpSocket.create('ipv4');
    await client.bind(v4(0, [0, 0, 0, 0]));
    await client.connect(serverAddr);
    const clientAddr = client.getLocalAddress();
    assert.deepEqual(clientAddr.val.address, [127, 0, 0, 1]);
    assert.deepEqual(client.getRemoteAddress(), serverAddr);
    await client.send(new Uint8Array(0), undefined);
    await client.send(bytes('hello'), serverAddr);
    assert.deepEqual(await server.receive(), [new Uint8Array(0), clientAddr]);
    const [data, from] = await server.receive();
    assert.equal(text(data), 'hello');
    assert.deepEqual(from, clientAddr);
    // connected: another destination is refused, and only the peer's datagrams arrive
    assert.deepEqual(await code(() => client.send(bytes('x'), v4(9))), { tag: 'invalid-argument' });
    const other = h.UdpSocket.create('ipv4');
    await other.send(bytes('from a stranger'), clientAddr);
    await server.send(bytes('from the peer'), clientAddr);
    assert.equal(text((await client.receive())[0]), 'from the peer');
    client.disconnect();
    assert.deepEqual(await code(() => client.getRemoteAddress()), { tag: 'invalid-state' });
    assert.deepEqual(await code(() => client.disconnect()), { tag: 'invalid-state' });
    for (const s of [server, client, other]) drop(s);
  });

  it('binds implicitly on connect and send, and refuses what the state or address forbids', async () => {
    const h = host(['*:*']);
    const s = h.UdpSocket.create('ipv6');
    assert.deepEqual(await code(() => s.receive()), { tag: 'invalid-state' });
    assert.deepEqual(await code(() => s.send(bytes('x'), undefined)), { tag: 'invalid-argument' });
    assert.deepEqual(await code(() => s.send(bytes('x'), v4(1234))), { tag: 'invalid-argument' });
    assert.deepEqual(await code(() => s.send(bytes('x'), v6(1234, [0, 0, 0, 0, 0, 0, 0, 0]))), { tag: 'invalid-argument' });
    assert.deepEqual(await code(() => s.getLocalAddress()), { tag: 'invalid-state' });
    await s.send(bytes('x'), v6(42));
    assert.equal(s.getLocalAddress().tag, 'ipv6');
    assert.deepEqual(await code(() => s.bind(v6(0))), { tag: 'invalid-state' });
    assert.deepEqual(await code(() => s.send(new Uint8Array(65528), v6(42))), { tag: 'datagram-too-large' });
    const t = h.UdpSocket.create('ipv4');
    await t.connect(v4(4321));
    assert.ok(t.getLocalAddress());
    const u = h.UdpSocket.create('ipv4');
    await u.bind(v4(0));
    assert.deepEqual(await code(() => h.UdpSocket.create('ipv4').bind(u.getLocalAddress())), { tag: 'address-in-use' });
    assert.deepEqual(await code(() => u.setUnicastHopLimit(0)), { tag: 'invalid-argument' });
    u.setUnicastHopLimit(42);
    assert.equal(u.getUnicastHopLimit(), 42);
    for (const x of [s, t, u]) drop(x);
  });
});

describe('wasi:sockets@0.3.0 name lookup (Node)', { timeout: 20_000 }, () => {
  it('returns IP literals as they are, looks up names, and refuses what is neither', async () => {
    const h = host(['*:*']);
    assert.deepEqual(await h.resolveAddresses('[::]'), [{ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 0] }]);
    assert.deepEqual(await h.resolveAddresses('DEAD:BEEF::0'), [{ tag: 'ipv6', val: [0xdead, 0xbeef, 0, 0, 0, 0, 0, 0] }]);
    assert.deepEqual(await h.resolveAddresses('192.0.2.0'), [{ tag: 'ipv4', val: [192, 0, 2, 0] }]);
    const local = await h.resolveAddresses('localhost') as { tag: string }[];
    assert.ok(local.length > 0);
    for (const bad of ['', ' ', 'a.b<&>', '127.0.0.1:80', '[::]:80', 'http://example.com/']) {
      assert.deepEqual(await code(() => h.resolveAddresses(bad)), { tag: 'invalid-argument' }, bad);
    }
    assert.deepEqual(await code(() => h.resolveAddresses('no-such-name.invalid')), { tag: 'name-unresolvable' });
  });
});

describe('wasi:sockets@0.3.0 grants (Node)', { timeout: 20_000 }, () => {
  it('refuses an address the allow-list does not allow before anything reaches the network, and reports it', async () => {
    let connections = 0;
    const server = createServer((s) => { connections++; s.destroy(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const h = host([`127.0.0.1:${port + 1}`]);
    const s = h.TcpSocket.create('ipv4');
    assert.deepEqual(await code(() => s.connect(v4(port))), { tag: 'access-denied' });
    assert.equal(connections, 0);
    assert.equal(h.reports.length, 1);
    assert.equal(h.reports[0]!.interface, 'wasi:sockets/types@0.3.0');
    assert.match(h.reports[0]!.grant, new RegExp(`127\\.0\\.0\\.1:${port}`));
    // refused before the check: the socket can still connect where it may
    assert.deepEqual(await code(() => s.connect(v4(port + 1))), { tag: 'connection-refused' });
    assert.deepEqual(await code(() => h.resolveAddresses('example.com')), { tag: 'access-denied' });
    drop(s);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a name entry allows the addresses the guest resolved that name to, and only after it did', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const h = host([`localhost:${port}`]);
    assert.deepEqual(await code(() => h.TcpSocket.create('ipv4').connect(v4(port))), { tag: 'access-denied' });
    const addresses = await h.resolveAddresses('localhost') as IpAddress[];
    assert.ok(addresses.some((a) => a.tag === 'ipv4' && a.val.join('.') === '127.0.0.1'), JSON.stringify(addresses));
    const s = h.TcpSocket.create('ipv4');
    await s.connect(v4(port));
    drop(s);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('without the grant, sockets are made and configured, and every use of the network is refused', async () => {
    const h = host(null);
    const t = h.TcpSocket.create('ipv4');
    t.setHopLimit(3);
    assert.deepEqual(await code(() => t.bind(v4(0))), { tag: 'access-denied' });
    assert.deepEqual(await code(() => t.listen()), { tag: 'access-denied' });
    assert.deepEqual(await code(() => t.connect(v4(80))), { tag: 'access-denied' });
    const u = h.UdpSocket.create('ipv4');
    assert.deepEqual(await code(() => u.send(bytes('x'), v4(53))), { tag: 'access-denied' });
    assert.deepEqual(await code(() => u.connect(v4(53))), { tag: 'access-denied' });
    assert.deepEqual(await code(() => h.resolveAddresses('localhost')), { tag: 'access-denied' });
    // IP literals are checked too: a lookup answers nothing the grant does not allow
    assert.deepEqual(await code(() => h.resolveAddresses('127.0.0.1')), { tag: 'access-denied' });
    assert.ok(h.reports.every((r) => /capabilities\.sockets = \{ allow: \[/.test(r.grant)));
    assert.deepEqual([...new Set(h.reports.map((r) => r.interface))].sort(), ['wasi:sockets/ip-name-lookup@0.3.0', 'wasi:sockets/types@0.3.0']);
    drop(t);
    drop(u);
  });
});
