/**
 * `wasi:sockets/types@0.3.0#udp-socket` over the platform backend, with the grant checks, address
 * rules and options 0.2 uses (../../sockets). 0.3 sends and receives one datagram per async call;
 * `connect` associates the socket with a peer (sends go to it, only its datagrams are received,
 * and the local address is the one the OS picks for the path to it), binding it first if it is not.
 * Every destination is checked against the allow-list before the backend sees it.
 *
 * `bind` and `connect` are synchronous functions whose work is asynchronous (node:dgram binds, and
 * finds the path to a peer, with a callback): they return a promise, which the instance waits on
 * with JSPI.
 */
import { type IpAddressFamily, type IpSocketAddress, type SocketAddress, fromSocketAddress } from '../../../host/socket-address.js';
import type { UdpBinding } from '../../../host/socket-backend.js';
import { IsowasmError } from '../../../errors.js';
import { symbolDispose } from '../../../dispose.js';
import { MAX_DATAGRAM, anyAddress, localAddressOf, remoteAddressOf, sameAddress } from '../../sockets/address-rules.js';
import { type SocketEnv, backendOf, checkAddress } from '../../sockets/grant.js';
import { UdpOptions } from '../../sockets/socket-options.js';
import { fail, guard, socketError } from './errors.js';

const IFACE = 'wasi:sockets/types@0.3.0';

/** What holds one socket's OS resources apart from the socket, so a finalizer can close them. */
interface Held {
  binding: UdpBinding | null;
}

function closeAll(held: Held): void {
  held.binding?.close();
  held.binding = null;
}

const collected = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Held>(closeAll) : null;

/**
 * `wasi:sockets/types@0.3.0#udp-socket`. Instances come from the per-instance class
 * `udpSocketClass(env)` gives (its static `create`).
 */
export class UdpSocket {
  readonly #env: SocketEnv;
  readonly #family: IpAddressFamily;
  readonly #options = new UdpOptions();
  #state: 'unbound' | 'binding' | 'bound' | 'closed' = 'unbound';
  readonly #res: Held = { binding: null };
  /** the peer `connect` associated the socket with */
  #remote: SocketAddress | null = null;

  /** @internal made by `create` only */
  constructor(env: SocketEnv, family: IpAddressFamily) {
    this.#env = env;
    this.#family = family;
    collected?.register(this, this.#res, this.#res);
  }

  /** Made per instance by `udpSocketClass`. */
  static create(_addressFamily: IpAddressFamily): UdpSocket {
    throw new TypeError('UdpSocket.create belongs to the class an instance\'s sockets host made (udpSocketClass(env))');
  }

  bind(localAddress: IpSocketAddress): Promise<void> {
    if (this.#state !== 'unbound') fail('invalid-state');
    const local = guard(() => localAddressOf(this.#family, localAddress));
    guard(() => checkAddress(this.#env, IFACE, 'bind to', local));
    return this.#bind(local);
  }

  /** Associates the socket with `remoteAddress` (again, or with another peer), binding it first if it is not. */
  connect(remoteAddress: IpSocketAddress): Promise<void> | void {
    if (this.#state === 'binding' || this.#state === 'closed') fail('invalid-state');
    const remote = guard(() => remoteAddressOf(this.#family, remoteAddress, 'udp'));
    guard(() => checkAddress(this.#env, IFACE, 'connect to', remote));
    const associate = (): Promise<void> | void => {
      const binding = this.#res.binding!;
      if (!binding.connect) {
        // a backend that can't tell the path's local address keeps the bound one
        this.#remote = remote;
        return;
      }
      this.#remote = null;
      return binding.connect(remote).then(() => { this.#remote = remote; }, (e: unknown) => { throw socketError(e); });
    };
    if (this.#state === 'bound') return associate();
    const local = anyAddress(this.#family);
    guard(() => checkAddress(this.#env, IFACE, 'bind to', local));
    return this.#bind(local).then(associate);
  }

  disconnect(): void {
    if (this.#state !== 'bound' || this.#remote === null) fail('invalid-state');
    this.#res.binding!.disconnect?.();
    this.#remote = null;
  }

  /** Sends one datagram, to `remoteAddress` or the connected peer (binding first if unbound). */
  async send(data: Uint8Array, remoteAddress: IpSocketAddress | undefined): Promise<void> {
    let to: SocketAddress;
    if (remoteAddress === undefined) {
      if (this.#remote === null) fail('invalid-argument');
      to = this.#remote!;
    } else {
      to = guard(() => remoteAddressOf(this.#family, remoteAddress, 'udp'));
      if (this.#remote !== null && !sameAddress(to, this.#remote)) fail('invalid-argument');
    }
    if (data.length > MAX_DATAGRAM[this.#family]) fail('datagram-too-large');
    // the connected peer was checked by connect; any other destination is checked here
    if (this.#remote === null) guard(() => checkAddress(this.#env, IFACE, 'send a datagram to', to));
    if (this.#state === 'unbound') {
      const local = anyAddress(this.#family);
      guard(() => checkAddress(this.#env, IFACE, 'bind to', local));
      await this.#bind(local);
    }
    if (this.#state !== 'bound' || !this.#res.binding) fail('invalid-state');
    try {
      await this.#res.binding!.send(data, to);
    } catch (e) {
      throw socketError(e);
    }
  }

  /** The next datagram (from the connected peer only, when connected) and who sent it. */
  async receive(): Promise<[Uint8Array, IpSocketAddress]> {
    for (;;) {
      const binding = this.#res.binding;
      if (this.#state !== 'bound' || !binding) return fail('invalid-state');
      const d = binding.receive();
      if (d !== null) {
        if (this.#remote !== null && !sameAddress(d.from, this.#remote)) continue;
        return [d.data, fromSocketAddress(d.from)];
      }
      await binding.waitReceive();
    }
  }

  getLocalAddress(): IpSocketAddress {
    if (this.#state !== 'bound' || !this.#res.binding) fail('invalid-state');
    return guard(() => fromSocketAddress(this.#res.binding!.localAddress()));
  }

  getRemoteAddress(): IpSocketAddress {
    if (this.#remote === null) fail('invalid-state');
    return fromSocketAddress(this.#remote!);
  }

  getAddressFamily(): IpAddressFamily {
    return this.#family;
  }

  getUnicastHopLimit(): number {
    return this.#options.hopLimit;
  }

  setUnicastHopLimit(value: number): void {
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
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#remote = null;
    closeAll(this.#res);
    collected?.unregister(this.#res);
  }

  #bind(local: SocketAddress): Promise<void> {
    const backend = guard(() => backendOf(this.#env));
    if (!this.#env.async) {
      throw new IsowasmError('UNSUPPORTED', 'wasi:sockets@0.3.0 udp-socket.bind waits for the network inside a synchronous call, which needs JavaScript Promise Integration (WebAssembly.Suspending); instantiate with JSPI (Node 24 has it)');
    }
    this.#state = 'binding';
    return backend.udpBind({ local }).then(
      (binding) => {
        if (this.#state === 'closed') {
          binding.close();
          return;
        }
        this.#res.binding = binding;
        this.#state = 'bound';
      },
      (e: unknown) => {
        if (this.#state !== 'closed') this.#state = 'unbound';
        throw socketError(e);
      },
    );
  }
}

/**
 * The `udp-socket` class of one instance: its static `create` makes sockets under `env`'s grant.
 *
 * @example
 * ```ts
 * const UdpSocket = udpSocketClass(env);
 * const socket = UdpSocket.create('ipv6');
 * ```
 */
export function udpSocketClass(env: SocketEnv): typeof UdpSocket {
  class InstanceUdpSocket extends UdpSocket {
    static override create(addressFamily: IpAddressFamily): UdpSocket {
      if (addressFamily !== 'ipv4' && addressFamily !== 'ipv6') fail('not-supported');
      return new InstanceUdpSocket(env, addressFamily);
    }
  }
  Object.defineProperty(InstanceUdpSocket, 'name', { value: 'UdpSocket' });
  return InstanceUdpSocket;
}
