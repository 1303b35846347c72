/**
 * `wasi:sockets/types@0.3.0#tcp-socket`: the TCP state machine of WASI 0.3 (see wasi-sockets'
 * TcpSocketOperationalSemantics-0.3.0.md) over the platform backend, with the grant checks,
 * address rules and options 0.2 uses (../../sockets). Data moves through component-model
 * streams: `listen` gives a stream of accepted sockets, `send` reads the guest's stream into the
 * connection, `receive` gives a stream of what the peer sent; their futures say how they ended.
 *
 * Shared ownership, as the WIT asks: the socket handle and the streams and futures it gave each
 * hold the OS socket; it closes when the last of them is dropped or done (an accepted socket does
 * not hold its listener).
 *
 * `bind` and `listen` are synchronous functions whose work is asynchronous in every platform
 * (node:net binds and listens with a callback): they return a promise, which the instance waits
 * on with JSPI.
 */
import { type IpAddressFamily, type IpSocketAddress, type SocketAddress, fromSocketAddress } from '../../../host/socket-address.js';
import type { TcpBinding, TcpConnection } from '../../../host/socket-backend.js';
import { IsowasmError } from '../../../errors.js';
import { symbolDispose } from '../../../dispose.js';
import { anyAddress, localAddressOf, remoteAddressOf } from '../../sockets/address-rules.js';
import { type SocketEnv, backendOf, checkAddress } from '../../sockets/grant.js';
import { TcpOptions } from '../../sockets/socket-options.js';
import { endedStream } from '../streams.js';
import { OK, type Outcome, errOutcome, fail, guard, socketError } from './errors.js';

const IFACE = 'wasi:sockets/types@0.3.0';
/** the most one read from the connection hands the guest's stream */
const READ_CHUNK = 64 * 1024;

type State = 'unbound' | 'binding' | 'bound' | 'listening' | 'connecting' | 'connected' | 'closed';

/** What holds one socket's OS resources apart from the socket, so a finalizer can close them. */
interface Held {
  binding: TcpBinding | null;
  conn: TcpConnection | null;
}

function closeAll(held: Held): void {
  held.conn?.destroy();
  void held.binding?.close();
  held.conn = null;
  held.binding = null;
}

// an instance that traps or is abandoned never drops its sockets: don't keep ports and
// connections open after it is gone (the streams refer to their socket, so it outlives them)
const collected = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Held>(closeAll) : null;

/** Makes the sockets of one instance (the class the guest sees is per instance: `create` is static). */
type Make = (family: IpAddressFamily, accepted?: { conn: TcpConnection; options: TcpOptions }) => TcpSocket;

/** The error-code a connection failed with, from what its stream threw. */
function connectionError(conn: TcpConnection, e: unknown): Outcome {
  const code = conn.error?.();
  if (code) return errOutcome(code);
  // the backend's streams throw wasi:io stream errors: `closed` means the connection is gone
  const tag = typeof e === 'object' && e !== null ? (e as { tag?: unknown }).tag : undefined;
  return errOutcome(tag === 'closed' ? 'connection-broken' : e);
}

/**
 * `wasi:sockets/types@0.3.0#tcp-socket`. Instances come from the per-instance class
 * `tcpSocketClass(env)` gives (its static `create`) and from `listen`.
 */
export class TcpSocket {
  readonly #env: SocketEnv;
  readonly #family: IpAddressFamily;
  readonly #make: Make;
  readonly #options: TcpOptions;
  #state: State = 'unbound';
  readonly #res: Held = { binding: null, conn: null };
  /** what holds the listener (the handle, the stream of accepted sockets) or the connection (the handle, send, receive) */
  #holders = 0;
  #sendCalled = false;
  #receiveCalled = false;
  #dropped = false;

  /** @internal made by `create` and `listen` only */
  constructor(env: SocketEnv, family: IpAddressFamily, make: Make, accepted?: { conn: TcpConnection; options: TcpOptions }) {
    this.#env = env;
    this.#family = family;
    this.#make = make;
    this.#options = accepted ? accepted.options : new TcpOptions();
    if (accepted) {
      this.#state = 'connected';
      this.#res.conn = accepted.conn;
      this.#holders = 1;
    }
    collected?.register(this, this.#res, this.#res);
  }

  /** Made per instance by `tcpSocketClass`. */
  static create(_addressFamily: IpAddressFamily): TcpSocket {
    throw new TypeError('TcpSocket.create belongs to the class an instance\'s sockets host made (tcpSocketClass(env))');
  }

  bind(localAddress: IpSocketAddress): Promise<void> {
    if (this.#state !== 'unbound') fail('invalid-state');
    const local = guard(() => localAddressOf(this.#family, localAddress));
    guard(() => checkAddress(this.#env, IFACE, 'bind to', local));
    return this.#bind(local);
  }

  async connect(remoteAddress: IpSocketAddress): Promise<void> {
    if (this.#state !== 'unbound' && this.#state !== 'bound') fail('invalid-state');
    const remote = guard(() => remoteAddressOf(this.#family, remoteAddress, 'tcp'));
    // the allow-list, before anything reaches the network
    guard(() => checkAddress(this.#env, IFACE, 'connect to', remote));
    const backend = guard(() => backendOf(this.#env));
    const binding = this.#res.binding;
    this.#res.binding = null;
    this.#state = 'connecting';
    let conn: TcpConnection;
    try {
      // the bound address is held by the binding: release it, then connect from it
      const local = binding?.localAddress();
      if (binding) await binding.close();
      const keepAlive = { enabled: this.#options.keepAlive, idleMs: this.#options.keepAliveIdleMs };
      conn = await backend.tcpConnect(local ? { remote, local, keepAlive } : { remote, keepAlive });
    } catch (e) {
      // a connection attempt that failed leaves the socket closed: it can only be dropped
      this.#state = 'closed';
      throw socketError(e);
    }
    if (this.#dropped) {
      conn.destroy();
      return;
    }
    this.#res.conn = conn;
    this.#state = 'connected';
    this.#holders = 1;
  }

  /** The stream of accepted connections (binding first to any address and a free port, if unbound). */
  listen(): ReadableStream<TcpSocket> | Promise<ReadableStream<TcpSocket>> {
    if (this.#state === 'bound') return this.#listen();
    if (this.#state !== 'unbound') fail('invalid-state');
    const local = anyAddress(this.#family);
    guard(() => checkAddress(this.#env, IFACE, 'listen on', local));
    return this.#bind(local).then(() => this.#listen());
  }

  /**
   * Sends what the guest writes to `data`, then FIN once the guest ends it; the promise says how
   * it went. Once per socket, connected only: otherwise `data` is dropped and the answer is
   * `invalid-state`.
   */
  send(data: ReadableStream<Uint8Array>): Promise<Outcome> {
    const conn = this.#res.conn;
    if (this.#state !== 'connected' || this.#sendCalled || !conn) {
      // dropping the guest's stream is the answer its writes see; a cancel has nothing to report
      void data.cancel().catch(() => {});
      return Promise.resolve(errOutcome('invalid-state'));
    }
    this.#sendCalled = true;
    this.#holders++;
    return this.#pumpSend(conn, data).finally(() => this.#release());
  }

  /**
   * The stream of what the peer sends, and a promise of how it ended: `ok` at the peer's FIN or
   * when the guest drops the stream, the error-code if the connection failed. Once per socket.
   */
  receive(): [ReadableStream<Uint8Array>, Promise<Outcome>] {
    const conn = this.#res.conn;
    if (this.#state !== 'connected' || this.#receiveCalled || !conn) return endedStream(socketError('invalid-state'));
    this.#receiveCalled = true;
    this.#holders++;
    let settle!: (o: Outcome) => void;
    const result = new Promise<Outcome>((resolve) => { settle = resolve; });
    let open = true;
    const finish = (o: Outcome): void => {
      if (!open) return;
      open = false;
      settle(o);
      this.#release();
    };
    const src = conn.input;
    const stream = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        for (;;) {
          let chunk: Uint8Array | null;
          try {
            chunk = src.read(READ_CHUNK);
          } catch (e) {
            c.close();
            finish(connectionError(conn, e));
            return;
          }
          if (chunk === null) {
            c.close();
            finish(OK);
            return;
          }
          if (chunk.length > 0) {
            c.enqueue(chunk);
            return;
          }
          const w = src.wait?.();
          if (!w) throw new IsowasmError('UNSUPPORTED', 'the socket backend\'s connection input can\'t wait for data (InputSource.wait is missing)');
          await w;
        }
      },
      // the guest dropped the stream: like shutdown(SHUT_RD), what is still queued is discarded
      cancel: () => {
        conn.shutdown('receive');
        finish(OK);
      },
    }, { highWaterMark: 0 });
    return [stream, result];
  }

  getLocalAddress(): IpSocketAddress {
    return guard(() => {
      if (this.#state === 'connected' && this.#res.conn) return fromSocketAddress(this.#res.conn.localAddress());
      if ((this.#state === 'bound' || this.#state === 'listening') && this.#res.binding) return fromSocketAddress(this.#res.binding.localAddress());
      return fail('invalid-state');
    });
  }

  getRemoteAddress(): IpSocketAddress {
    if (this.#state !== 'connected' || !this.#res.conn) fail('invalid-state');
    return guard(() => fromSocketAddress(this.#res.conn!.remoteAddress()));
  }

  getIsListening(): boolean {
    return this.#state === 'listening';
  }

  getAddressFamily(): IpAddressFamily {
    return this.#family;
  }

  setListenBacklogSize(value: bigint): void {
    if (value === 0n) fail('invalid-argument');
    if (this.#state === 'connecting' || this.#state === 'connected') fail('invalid-state');
    // the queue's length is fixed once listening
    if (this.#state === 'listening') fail('not-supported');
    guard(() => this.#options.setBacklog(value));
  }

  getKeepAliveEnabled(): boolean {
    return this.#options.keepAlive;
  }

  setKeepAliveEnabled(value: boolean): void {
    this.#options.keepAlive = value;
    this.#applyKeepAlive();
  }

  getKeepAliveIdleTime(): bigint {
    return this.#options.keepAliveIdleTime;
  }

  setKeepAliveIdleTime(value: bigint): void {
    guard(() => this.#options.setKeepAliveIdleTime(value));
    this.#applyKeepAlive();
  }

  getKeepAliveInterval(): bigint {
    return this.#options.keepAliveInterval;
  }

  setKeepAliveInterval(value: bigint): void {
    guard(() => this.#options.setKeepAliveInterval(value));
  }

  getKeepAliveCount(): number {
    return this.#options.keepAliveCount;
  }

  setKeepAliveCount(value: number): void {
    guard(() => this.#options.setKeepAliveCount(value));
  }

  getHopLimit(): number {
    return this.#options.hopLimit;
  }

  setHopLimit(value: number): void {
    guard(() => this.#options.setHopLimit(value));
  }

  getReceiveBufferSize(): bigint {
    return this.#options.receiveBufferSize;
  }

  setReceiveBufferSize(value: bigint): void {
    guard(() => this.#options.setReceiveBufferSize(value));
  }

  getSendBufferSize(): bigint {
    return this.#options.sendBufferSize;
  }

  setSendBufferSize(value: bigint): void {
    guard(() => this.#options.setSendBufferSize(value));
  }

  [symbolDispose](): void {
    if (this.#dropped) return;
    this.#dropped = true;
    // a listener or connection stays open while the guest holds a stream or future of it
    if (this.#state === 'listening' || this.#state === 'connected') {
      this.#state = 'closed';
      this.#release();
      return;
    }
    this.#state = 'closed';
    closeAll(this.#res);
    collected?.unregister(this.#res);
  }

  #requireJspi(what: string): void {
    if (!this.#env.async) {
      throw new IsowasmError('UNSUPPORTED', `wasi:sockets@0.3.0 ${what} waits for the network inside a synchronous call, which needs JavaScript Promise Integration (WebAssembly.Suspending); instantiate with JSPI (Node 24 has it)`);
    }
  }

  /** Binds through the backend; the socket is `binding` until it answers. */
  #bind(local: SocketAddress): Promise<void> {
    const backend = guard(() => backendOf(this.#env));
    this.#requireJspi('tcp-socket.bind');
    this.#state = 'binding';
    return backend.tcpBind({ local, backlog: this.#options.backlog }).then(
      (binding) => {
        if (this.#dropped) {
          void binding.close();
          return;
        }
        this.#res.binding = binding;
        this.#state = 'bound';
      },
      (e: unknown) => {
        // a failed bind leaves the socket unbound: the guest may try another address
        if (!this.#dropped) this.#state = 'unbound';
        throw socketError(e);
      },
    );
  }

  #listen(): ReadableStream<TcpSocket> {
    const binding = this.#res.binding!;
    binding.listen(this.#options.backlog);
    this.#state = 'listening';
    // the handle and the stream
    this.#holders = 2;
    let open = true;
    const done = (): void => {
      if (!open) return;
      open = false;
      this.#release();
    };
    return new ReadableStream<TcpSocket>({
      pull: async (c) => {
        for (;;) {
          let conn: TcpConnection | null;
          try {
            conn = binding.accept();
          } catch {
            // the listener itself failed (not one connection): the stream ends
            c.close();
            done();
            return;
          }
          if (conn) {
            // an accepted socket inherits the listener's options, and is independent of it
            const options = this.#options.clone();
            if (options.keepAlive) conn.setKeepAlive(true, options.keepAliveIdleMs);
            c.enqueue(this.#make(this.#family, { conn, options }));
            return;
          }
          await binding.waitAccept();
        }
      },
      cancel: done,
    }, { highWaterMark: 0 });
  }

  /** Copies the guest's stream into the connection, with the connection's backpressure, then sends FIN. */
  async #pumpSend(conn: TcpConnection, data: ReadableStream<Uint8Array>): Promise<Outcome> {
    const reader = data.getReader();
    const out = conn.output;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!(value instanceof Uint8Array)) throw new TypeError(`tcp-socket.send: the stream gave ${typeof value}, not bytes`);
        while ((out.capacity?.() ?? READ_CHUNK) === 0) {
          const w = out.wait?.();
          if (!w) break;
          await w;
        }
        out.write(value);
      }
      // the guest ended its stream: FIN, once what was written has gone out
      conn.shutdown('send');
      await out.flush?.();
      return OK;
    } catch (e) {
      if (e instanceof TypeError) throw e;
      // the connection failed: the guest's stream is dropped, so its next write sees that (the
      // failure itself is the outcome below)
      void reader.cancel().catch(() => {});
      return connectionError(conn, e);
    }
  }

  #applyKeepAlive(): void {
    if (this.#res.conn && this.#state === 'connected') this.#res.conn.setKeepAlive(this.#options.keepAlive, this.#options.keepAliveIdleMs);
  }

  /** One holder of the listener or connection is done; the last one closes it. */
  #release(): void {
    this.#holders--;
    if (this.#holders > 0) return;
    closeAll(this.#res);
    collected?.unregister(this.#res);
  }
}

/**
 * The `tcp-socket` class of one instance: its static `create` makes sockets under `env`'s grant.
 *
 * @example
 * ```ts
 * const TcpSocket = tcpSocketClass(env);
 * const socket = TcpSocket.create('ipv4');
 * ```
 */
export function tcpSocketClass(env: SocketEnv): typeof TcpSocket {
  const make: Make = (family, accepted) => new InstanceTcpSocket(env, family, make, accepted);
  class InstanceTcpSocket extends TcpSocket {
    static override create(addressFamily: IpAddressFamily): TcpSocket {
      if (addressFamily !== 'ipv4' && addressFamily !== 'ipv6') fail('not-supported');
      return make(addressFamily);
    }
  }
  Object.defineProperty(InstanceTcpSocket, 'name', { value: 'TcpSocket' });
  return InstanceTcpSocket;
}
