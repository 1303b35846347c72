/**
 * Socket options as both versions of `wasi:sockets` define them: stored as the guest set them
 * (validated, clamped and rounded the way the WIT allows), applied where the platform can
 * (keep-alive on a TCP connection). A value the interface refuses throws `invalid-argument`.
 */
import type { SocketErrorCode } from '../../host/socket-backend.js';

const NS_PER_S = 1_000_000_000n;
const MAX_BUFFER = 0x7fffffffn;

const invalid = (): never => {
  throw 'invalid-argument' satisfies SocketErrorCode;
};

/** A positive duration rounded down to whole seconds (what the OS counts), at least one second. */
function wholeSeconds(value: bigint): bigint {
  if (typeof value !== 'bigint' || value <= 0n) invalid();
  return value < NS_PER_S ? NS_PER_S : value - (value % NS_PER_S);
}

function bufferSize(value: bigint): bigint {
  if (typeof value !== 'bigint' || value <= 0n) invalid();
  return value > MAX_BUFFER ? MAX_BUFFER : value;
}

/**
 * The options both kinds of socket have (IP TTL, a typical socket buffer): UDP's, and TCP's
 * with TCP's own on top.
 *
 * @example
 * ```ts
 * const o = new IpOptions();
 * o.setHopLimit(0); // throws 'invalid-argument'
 * ```
 */
export class IpOptions {
  hopLimit = 64;
  receiveBufferSize = 65536n;
  sendBufferSize = 65536n;

  setHopLimit(value: number): void {
    if (value === 0) invalid();
    this.hopLimit = value;
  }

  setReceiveBufferSize(value: bigint): void {
    this.receiveBufferSize = bufferSize(value);
  }

  setSendBufferSize(value: bigint): void {
    this.sendBufferSize = bufferSize(value);
  }
}

/**
 * The options of a TCP socket (Linux's defaults: tcp_keepalive_time, _intvl, _probes, IP TTL, a
 * typical socket buffer). A listener's options are copied to each connection it accepts.
 *
 * @example
 * ```ts
 * const o = new TcpOptions();
 * o.setKeepAliveIdleTime(1n); // stored as 1 s
 * ```
 */
export class TcpOptions extends IpOptions {
  keepAlive = false;
  keepAliveIdleTime = 7200n * NS_PER_S;
  keepAliveInterval = 75n * NS_PER_S;
  keepAliveCount = 9;
  backlog = 128;

  clone(): TcpOptions {
    return Object.assign(new TcpOptions(), this);
  }

  /** the idle time in milliseconds, as node:net's setKeepAlive takes it */
  get keepAliveIdleMs(): number {
    return Number(this.keepAliveIdleTime / 1_000_000n);
  }

  setBacklog(value: bigint): void {
    if (typeof value !== 'bigint' || value <= 0n) invalid();
    this.backlog = Number(value > 4096n ? 4096n : value);
  }

  setKeepAliveIdleTime(value: bigint): void {
    this.keepAliveIdleTime = wholeSeconds(value);
  }

  setKeepAliveInterval(value: bigint): void {
    this.keepAliveInterval = wholeSeconds(value);
  }

  setKeepAliveCount(value: number): void {
    if (value === 0) invalid();
    this.keepAliveCount = Math.min(value, 127);
  }
}

/**
 * The options of a UDP socket: the IP-level ones.
 *
 * @example
 * ```ts
 * const o = new UdpOptions();
 * o.setReceiveBufferSize(1n << 40n); // stored as 2^31 - 1
 * ```
 */
export class UdpOptions extends IpOptions {}
