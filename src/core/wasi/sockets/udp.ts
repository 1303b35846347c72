/**
 * `wasi:sockets/udp` and `udp-create-socket` over a platform backend. The bind address, the
 * remote address a socket is "connected" to, and every datagram's destination are checked
 * against the instance's allow-list before the backend sees them. A connected socket only
 * receives datagrams from its remote address (filtered here, as the OS would).
 */
import { type IpAddressFamily, type IpSocketAddress, type SocketAddress, fromSocketAddress } from '../../host/socket-address.js';
import type { SocketErrorCode, UdpBinding } from '../../host/socket-backend.js';
import { IsowasmError } from '../../errors.js';
import { Pollable } from '../io.js';
import { MAX_DATAGRAM, localAddressOf, remoteAddressOf, sameAddress } from './address-rules.js';
import { type SocketEnv, backendOf, checkAddress } from './grant.js';
import { type Network, Pending, envOf } from './network.js';
import { UdpOptions } from './socket-options.js';
import { symbolDispose } from '../../dispose.js';


const IFACE = 'wasi:sockets/udp';
/** datagrams one `check-send` permits */
const SEND_PERMITS = 64n;

export interface IncomingDatagram { data: Uint8Array; remoteAddress: IpSocketAddress }
export interface OutgoingDatagram { data: Uint8Array; remoteAddress?: IpSocketAddress }

const fail = (code: SocketErrorCode): never => {
  throw code;
};

/** What holds one socket's OS resources, apart from the socket, so a finalizer can close them. */
interface Held {
  binding: UdpBinding | null;
  op: Pending<UdpBinding> | null;
}

function closeAll(held: Held): void {
  held.op?.abandon((b) => b.close());
  held.binding?.close();
  held.op = null;
  held.binding = null;
}

const collected = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Held>(closeAll) : null;

/** What the two datagram streams of one `stream` call share with their socket. */
interface Channel {
  /** the socket: reachable while its streams are (its finalizer closes the binding) */
  readonly owner: UdpSocket;
  readonly binding: UdpBinding;
  readonly remote: SocketAddress | null;
  /** false once `stream` was called again or the socket was dropped */
  live: boolean;
}

/** `wasi:sockets/udp#incoming-datagram-stream`. */
export class IncomingDatagramStream {
  readonly #ch: Channel;
  readonly #async: boolean;

  /** @internal made by `UdpSocket#stream` only */
  constructor(ch: Channel, async: boolean) {
    this.#ch = ch;
    this.#async = async;
  }

  /** Up to `maxResults` datagrams received so far (none: an empty list, never an error). */
  receive(maxResults: bigint): IncomingDatagram[] {
    if (!this.#ch.live) fail('invalid-state');
    const out: IncomingDatagram[] = [];
    while (BigInt(out.length) < maxResults) {
      const d = this.#ch.binding.receive();
      if (d === null) break;
      if (this.#ch.remote && !sameAddress(d.from, this.#ch.remote)) continue;
      out.push({ data: d.data, remoteAddress: fromSocketAddress(d.from) });
    }
    return out;
  }

  subscribe(): Pollable {
    const ch = this.#ch;
    return new Pollable({ ready: () => !ch.live || ch.binding.receiveReady(), wait: () => ch.binding.waitReceive(), async: this.#async });
  }

  [symbolDispose](): void {}
}

/** `wasi:sockets/udp#outgoing-datagram-stream`. */
export class OutgoingDatagramStream {
  readonly #ch: Channel;
  readonly #env: SocketEnv;
  readonly #family: IpAddressFamily;
  #permits = 0n;

  /** @internal made by `UdpSocket#stream` only */
  constructor(ch: Channel, env: SocketEnv, family: IpAddressFamily) {
    this.#ch = ch;
    this.#env = env;
    this.#family = family;
  }

  checkSend(): bigint {
    if (!this.#ch.live) fail('invalid-state');
    this.#permits = SEND_PERMITS;
    return this.#permits;
  }

  /**
   * Sends datagrams in order; returns how many were sent. The first one that fails stops the
   * batch: its error is returned only if nothing was sent before it.
   */
  send(datagrams: OutgoingDatagram[]): bigint {
    if (!this.#ch.live) fail('invalid-state');
    // the spec makes sending more than check-send permitted a trap
    if (BigInt(datagrams.length) > this.#permits) throw new IsowasmError('TRAP', `wasi:sockets/udp: the guest sent ${datagrams.length} datagrams, but check-send permitted ${this.#permits} (a guest bug the interface says must trap)`);
    this.#permits -= BigInt(datagrams.length);
    let sent = 0n;
    for (const d of datagrams) {
      try {
        this.#sendOne(d);
      } catch (e) {
        if (sent > 0n) return sent;
        throw e;
      }
      sent++;
    }
    return sent;
  }

  subscribe(): Pollable {
    return new Pollable();
  }

  #sendOne(d: OutgoingDatagram): void {
    const ch = this.#ch;
    let to: SocketAddress;
    if (d.remoteAddress === undefined) {
      if (!ch.remote) fail('invalid-argument');
      to = ch.remote!;
    } else {
      to = remoteAddressOf(this.#family, d.remoteAddress, 'udp');
      if (ch.remote && !sameAddress(to, ch.remote)) fail('invalid-argument');
    }
    if (d.data.length > MAX_DATAGRAM[this.#family]) fail('datagram-too-large');
    // the connected remote was checked by stream(); any other destination is checked here
    if (!ch.remote) checkAddress(this.#env, IFACE, 'send a datagram to', to);
    // UDP delivery is best effort: a datagram the OS refuses after send returned is lost
    const sent = ch.binding.send(d.data, to);
    if (sent) sent.catch(() => {});
  }

  [symbolDispose](): void {}
}

/** `wasi:sockets/udp#udp-socket`. */
export class UdpSocket {
  readonly #env: SocketEnv;
  readonly #family: IpAddressFamily;
  #state: 'unbound' | 'bind-started' | 'bound' | 'closed' = 'unbound';
  /** closed when the socket is dropped, or collected without being dropped (a trapped instance) */
  readonly #res: Held = { binding: null, op: null };
  #channel: Channel | null = null;
  readonly #options = new UdpOptions();

  /** @internal made by `createUdpSocket` only */
  constructor(env: SocketEnv, family: IpAddressFamily) {
    this.#env = env;
    this.#family = family;
    collected?.register(this, this.#res, this.#res);
  }

  startBind(network: Network, localAddress: IpSocketAddress): void {
    const env = envOf(network);
    if (env !== this.#env) fail('invalid-argument');
    if (this.#state !== 'unbound') fail(this.#state === 'bind-started' ? 'concurrency-conflict' : 'invalid-state');
    const local = localAddressOf(this.#family, localAddress);
    checkAddress(env, IFACE, 'bind to', local);
    const backend = backendOf(env);
    this.#res.op = new Pending(() => backend.udpBind({ local }));
    this.#state = 'bind-started';
  }

  finishBind(): void {
    if (this.#state !== 'bind-started' || !this.#res.op) fail('not-in-progress');
    let binding: UdpBinding;
    try {
      binding = this.#res.op!.take();
    } catch (e) {
      if (e !== 'would-block') {
        this.#res.op = null;
        this.#state = 'unbound';
      }
      throw e;
    }
    this.#res.op = null;
    this.#res.binding = binding;
    this.#state = 'bound';
  }

  /**
   * New datagram streams, "connected" to `remoteAddress` when given (only datagrams from it are
   * received, and sends go to it). Streams from an earlier call stop working.
   */
  stream(remoteAddress: IpSocketAddress | undefined): [IncomingDatagramStream, OutgoingDatagramStream] {
    if (this.#state !== 'bound' || !this.#res.binding) fail('invalid-state');
    let remote: SocketAddress | null = null;
    if (remoteAddress !== undefined) {
      remote = remoteAddressOf(this.#family, remoteAddress, 'udp');
      checkAddress(this.#env, IFACE, 'connect to', remote);
    }
    if (this.#channel) this.#channel.live = false;
    const ch: Channel = { owner: this, binding: this.#res.binding!, remote, live: true };
    this.#channel = ch;
    return [new IncomingDatagramStream(ch, this.#env.async), new OutgoingDatagramStream(ch, this.#env, this.#family)];
  }

  localAddress(): IpSocketAddress {
    if (!this.#res.binding) fail('invalid-state');
    return fromSocketAddress(this.#res.binding!.localAddress());
  }

  remoteAddress(): IpSocketAddress {
    const remote = this.#channel?.remote;
    if (!remote) return fail('invalid-state');
    return fromSocketAddress(remote);
  }

  addressFamily(): IpAddressFamily {
    return this.#family;
  }

  unicastHopLimit(): number {
    return this.#options.hopLimit;
  }

  setUnicastHopLimit(value: number): void {
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

  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#state !== 'bind-started' || (this.#res.op?.done ?? true),
      wait: () => this.#res.op?.settled ?? null,
      async: this.#env.async,
    });
  }

  [symbolDispose](): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#channel) this.#channel.live = false;
    closeAll(this.#res);
    collected?.unregister(this.#res);
  }
}

/**
 * The `wasi:sockets/udp-create-socket#create-udp-socket` of one instance.
 *
 * @example
 * ```ts
 * const socket = udpSocketFactory(env)('ipv4');
 * ```
 */
export function udpSocketFactory(env: SocketEnv): (addressFamily: IpAddressFamily) => UdpSocket {
  return (addressFamily) => {
    if (addressFamily !== 'ipv4' && addressFamily !== 'ipv6') fail('not-supported');
    return new UdpSocket(env, addressFamily);
  };
}
