/**
 * `wasi:sockets/tcp` and `tcp-create-socket`: the TCP socket state machine of WASI 0.2 (see
 * wasi-sockets' TcpSocketOperationalSemantics.md) over a platform backend. Every address is
 * checked against the instance's allow-list before the backend sees it: a refused connect never
 * opens a connection.
 */
import { type IpAddressFamily, type IpSocketAddress, fromSocketAddress } from '../../host/socket-address.js';
import type { SocketErrorCode, TcpBinding, TcpConnection } from '../../host/socket-backend.js';
import { InputStream, OutputStream, Pollable } from '../io.js';
import { localAddressOf, remoteAddressOf } from './address-rules.js';
import { type SocketEnv, backendOf, checkAddress } from './grant.js';
import { type Network, Pending, envOf } from './network.js';
import { TcpOptions } from './socket-options.js';
import { symbolDispose } from '../../dispose.js';


const IFACE = 'wasi:sockets/tcp';

/** What holds one socket's OS resources, apart from the socket, so a finalizer can close them. */
interface Held {
  binding: TcpBinding | null;
  conn: TcpConnection | null;
  /** a bind or connect in progress, whose result nobody may take */
  op: Pending<TcpBinding | TcpConnection> | null;
}

function closeAll(held: Held): void {
  held.op?.abandon((v) => ('destroy' in v ? v.destroy() : void v.close()));
  held.conn?.destroy();
  void held.binding?.close();
  held.op = null;
  held.conn = null;
  held.binding = null;
}

const collected = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Held>(closeAll)
  : null;

type State = 'unbound' | 'bind-started' | 'bound' | 'listen-started' | 'listening' | 'connect-started' | 'connected' | 'closed';

const fail = (code: SocketErrorCode): never => {
  throw code;
};

/** `wasi:sockets/tcp#tcp-socket`. */
export class TcpSocket {
  readonly #env: SocketEnv;
  readonly #family: IpAddressFamily;
  readonly #options: TcpOptions;
  #state: State = 'unbound';
  #network: Network | null = null;
  /** what holds OS resources: closed when the socket is dropped, or collected without being dropped */
  readonly #res: Held = { binding: null, conn: null, op: null };
  /** the socket and its two streams hold the connection open; the last one dropped closes it */
  #holders = 0;
  #dropped = false;

  /** @internal made by `createTcpSocket` and `accept` only */
  constructor(env: SocketEnv, family: IpAddressFamily, accepted?: { conn: TcpConnection; options: TcpOptions }) {
    this.#env = env;
    this.#family = family;
    this.#options = accepted ? accepted.options.clone() : new TcpOptions();
    if (accepted) {
      this.#state = 'connected';
      this.#res.conn = accepted.conn;
      this.#holders = 1;
    }
    // an instance that traps or is abandoned never drops its sockets: don't keep ports and
    // connections open after it is gone (the streams refer to the socket, so it outlives them)
    collected?.register(this, this.#res, this.#res);
  }

  startBind(network: Network, localAddress: IpSocketAddress): void {
    const env = envOf(network);
    if (env !== this.#env) fail('invalid-argument');
    if (this.#state !== 'unbound') fail(this.#busy() ? 'concurrency-conflict' : 'invalid-state');
    const local = localAddressOf(this.#family, localAddress);
    checkAddress(env, IFACE, 'bind to', local);
    const backend = backendOf(env);
    const backlog = this.#options.backlog;
    this.#res.op = new Pending(() => backend.tcpBind({ local, backlog }));
    this.#network = network;
    this.#state = 'bind-started';
  }

  finishBind(): void {
    if (this.#state !== 'bind-started' || !this.#res.op) fail('not-in-progress');
    let binding: TcpBinding;
    try {
      binding = this.#res.op!.take() as TcpBinding;
    } catch (e) {
      if (e !== 'would-block') {
        // a failed bind leaves the socket unbound: the guest may try another address
        this.#res.op = null;
        this.#state = 'unbound';
        this.#network = null;
      }
      throw e;
    }
    this.#res.op = null;
    this.#res.binding = binding;
    this.#state = 'bound';
  }

  startConnect(network: Network, remoteAddress: IpSocketAddress): void {
    const env = envOf(network);
    if (env !== this.#env || (this.#network !== null && network !== this.#network)) fail('invalid-argument');
    if (this.#state !== 'unbound' && this.#state !== 'bound') fail(this.#busy() ? 'concurrency-conflict' : 'invalid-state');
    const remote = remoteAddressOf(this.#family, remoteAddress, 'tcp');
    // the allow-list, before anything reaches the network
    checkAddress(env, IFACE, 'connect to', remote);
    const backend = backendOf(env);
    const binding = this.#res.binding;
    this.#res.binding = null;
    const keepAlive = { enabled: this.#options.keepAlive, idleMs: this.#options.keepAliveIdleMs };
    this.#res.op = new Pending(async () => {
      // the bound address is held by the binding: release it, then connect from it
      const local = binding?.localAddress();
      if (binding) await binding.close();
      return backend.tcpConnect(local ? { remote, local, keepAlive } : { remote, keepAlive });
    });
    this.#network = network;
    this.#state = 'connect-started';
  }

  finishConnect(): [InputStream, OutputStream] {
    if (this.#state !== 'connect-started' || !this.#res.op) fail('not-in-progress');
    let conn: TcpConnection;
    try {
      conn = this.#res.op!.take() as TcpConnection;
    } catch (e) {
      if (e !== 'would-block') {
        this.#res.op = null;
        this.#state = 'closed';
      }
      throw e;
    }
    this.#res.op = null;
    this.#res.conn = conn;
    this.#state = 'connected';
    this.#holders = 1;
    return this.#streams(conn);
  }

  startListen(): void {
    if (this.#state === 'bind-started' || this.#state === 'connect-started' || this.#state === 'listen-started') fail('concurrency-conflict');
    if (this.#state !== 'bound' || !this.#res.binding) fail('invalid-state');
    this.#state = 'listen-started';
  }

  finishListen(): void {
    if (this.#state !== 'listen-started' || !this.#res.binding) fail('not-in-progress');
    this.#res.binding!.listen(this.#options.backlog);
    this.#state = 'listening';
  }

  accept(): [TcpSocket, InputStream, OutputStream] {
    if (this.#state !== 'listening' || !this.#res.binding) fail('invalid-state');
    const conn = this.#res.binding!.accept();
    if (conn === null) fail('would-block');
    const socket = new TcpSocket(this.#env, this.#family, { conn: conn!, options: this.#options });
    socket.#network = this.#network;
    if (socket.#options.keepAlive) conn!.setKeepAlive(true, socket.#options.keepAliveIdleMs);
    return [socket, ...socket.#streams(conn!)];
  }

  localAddress(): IpSocketAddress {
    if (this.#res.conn && this.#state === 'connected') return fromSocketAddress(this.#res.conn.localAddress());
    if (this.#res.binding) return fromSocketAddress(this.#res.binding.localAddress());
    return fail('invalid-state');
  }

  remoteAddress(): IpSocketAddress {
    if (!this.#res.conn || this.#state !== 'connected') fail('invalid-state');
    return fromSocketAddress(this.#res.conn!.remoteAddress());
  }

  isListening(): boolean {
    return this.#state === 'listening';
  }

  addressFamily(): IpAddressFamily {
    return this.#family;
  }

  setListenBacklogSize(value: bigint): void {
    if (value === 0n) fail('invalid-argument');
    if (this.#state === 'connect-started' || this.#state === 'connected') fail('invalid-state');
    // the backlog is fixed when the address is bound (node:net listens at bind)
    if (this.#state !== 'unbound') fail('not-supported');
    this.#options.setBacklog(value);
  }

  keepAliveEnabled(): boolean {
    return this.#options.keepAlive;
  }

  setKeepAliveEnabled(value: boolean): void {
    this.#options.keepAlive = value;
    this.#applyKeepAlive();
  }

  keepAliveIdleTime(): bigint {
    return this.#options.keepAliveIdleTime;
  }

  setKeepAliveIdleTime(value: bigint): void {
    this.#options.setKeepAliveIdleTime(value);
    this.#applyKeepAlive();
  }

  keepAliveInterval(): bigint {
    return this.#options.keepAliveInterval;
  }

  setKeepAliveInterval(value: bigint): void {
    this.#options.setKeepAliveInterval(value);
  }

  keepAliveCount(): number {
    return this.#options.keepAliveCount;
  }

  setKeepAliveCount(value: number): void {
    this.#options.setKeepAliveCount(value);
  }

  hopLimit(): number {
    return this.#options.hopLimit;
  }

  setHopLimit(value: number): void {
    this.#options.setHopLimit(value);
  }

  receiveBufferSize(): bigint {
    return this.#options.receiveBufferSize;
  }

  setReceiveBufferSize(value: bigint): void {
    this.#options.setReceiveBufferSize(value);
  }

  sendBufferSize(): bigint {
    return this.#options.sendBufferSize;
  }

  setSendBufferSize(value: bigint): void {
    this.#options.setSendBufferSize(value);
  }

  /** Ready when the operation in progress has finished, or (listening) a connection is waiting; else at once. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => {
        if (this.#state === 'bind-started' || this.#state === 'connect-started') return this.#res.op?.done ?? true;
        if (this.#state === 'listening') return this.#res.binding?.acceptReady() ?? true;
        return true;
      },
      wait: () => {
        if (this.#res.op) return this.#res.op.settled;
        if (this.#state === 'listening' && this.#res.binding) return this.#res.binding.waitAccept();
        return null;
      },
      async: this.#env.async,
    });
  }

  shutdown(shutdownType: 'receive' | 'send' | 'both'): void {
    if (this.#state !== 'connected' || !this.#res.conn) fail('invalid-state');
    if (shutdownType !== 'receive' && shutdownType !== 'send' && shutdownType !== 'both') fail('invalid-argument');
    this.#res.conn!.shutdown(shutdownType);
  }

  [symbolDispose](): void {
    if (this.#dropped) return;
    this.#dropped = true;
    const connected = this.#state === 'connected';
    this.#state = 'closed';
    // a connection stays open while the guest still holds one of its streams
    if (connected) {
      this.#release();
      return;
    }
    closeAll(this.#res);
    collected?.unregister(this.#res);
  }

  #busy(): boolean {
    return this.#state === 'bind-started' || this.#state === 'connect-started' || this.#state === 'listen-started';
  }

  #applyKeepAlive(): void {
    if (this.#res.conn && this.#state === 'connected') this.#res.conn.setKeepAlive(this.#options.keepAlive, this.#options.keepAliveIdleMs);
  }

  #release(): void {
    this.#holders--;
    if (this.#holders > 0) return;
    this.#res.conn?.destroy();
    this.#res.conn = null;
    collected?.unregister(this.#res);
  }

  /** The guest's streams over a connection; each one holds it open until dropped. */
  #streams(conn: TcpConnection): [InputStream, OutputStream] {
    this.#holders += 2;
    let inputOpen = true;
    let outputOpen = true;
    const src = conn.input;
    const dst = conn.output;
    const input = new InputStream({
      read: (max) => src.read(max),
      available: () => src.available?.() ?? true,
      ...(src.wait ? { wait: () => src.wait!() } : {}),
      close: () => { if (inputOpen) { inputOpen = false; this.#release(); } },
    });
    const output = new OutputStream({
      write: (bytes) => dst.write(bytes),
      capacity: () => dst.capacity?.() ?? 65536,
      flush: () => dst.flush?.(),
      ...(dst.wait ? { wait: () => dst.wait!() } : {}),
      close: () => { if (outputOpen) { outputOpen = false; this.#release(); } },
    });
    return [input, output];
  }
}

/**
 * The `wasi:sockets/tcp-create-socket#create-tcp-socket` of one instance.
 *
 * @example
 * ```ts
 * const create = tcpSocketFactory(env);
 * const socket = create('ipv4');
 * ```
 */
export function tcpSocketFactory(env: SocketEnv): (addressFamily: IpAddressFamily) => TcpSocket {
  return (addressFamily) => {
    if (addressFamily !== 'ipv4' && addressFamily !== 'ipv6') fail('not-supported');
    return new TcpSocket(env, addressFamily);
  };
}
