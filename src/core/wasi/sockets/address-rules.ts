/**
 * The address rules of `wasi:sockets` that do not depend on the interface's version: which local
 * addresses a socket may bind to and which remote addresses it may connect or send to. A rule
 * broken throws `invalid-argument` (the backend's error-code string).
 */
import {
  type IpAddressFamily, type IpSocketAddress, type SocketAddress, ipOf, isIpv4Mapped, isNotUnicast, isUnspecified, toSocketAddress,
} from '../../host/socket-address.js';
import type { SocketErrorCode } from '../../host/socket-backend.js';

const invalid = (): never => {
  throw 'invalid-argument' satisfies SocketErrorCode;
};

function ofFamily(family: IpAddressFamily, sa: IpSocketAddress): void {
  if (typeof sa !== 'object' || sa === null || sa.tag !== family || typeof sa.val !== 'object' || sa.val === null) invalid();
}

/**
 * A local address for a socket of `family`: of that family, unicast, not IPv4-mapped (sockets are
 * IPv6-only). Throws `invalid-argument`.
 *
 * @example
 * ```ts
 * localAddressOf('ipv4', { tag: 'ipv4', val: { port: 0, address: [127, 0, 0, 1] } }); // { family: 'ipv4', address: '127.0.0.1', port: 0 }
 * ```
 */
export function localAddressOf(family: IpAddressFamily, sa: IpSocketAddress): SocketAddress {
  ofFamily(family, sa);
  const ip = ipOf(sa);
  if (isIpv4Mapped(ip) || isNotUnicast(ip)) invalid();
  return toSocketAddress(sa);
}

/**
 * A remote address for a socket of `family`: of that family, not unspecified, not IPv4-mapped, a
 * port other than 0, and (TCP) unicast. Throws `invalid-argument`.
 *
 * @example
 * ```ts
 * remoteAddressOf('ipv4', { tag: 'ipv4', val: { port: 0, address: [127, 0, 0, 1] } }, 'tcp'); // throws 'invalid-argument'
 * ```
 */
export function remoteAddressOf(family: IpAddressFamily, sa: IpSocketAddress, protocol: 'tcp' | 'udp'): SocketAddress {
  ofFamily(family, sa);
  const ip = ipOf(sa);
  if (isUnspecified(ip) || isIpv4Mapped(ip) || sa.val.port === 0) invalid();
  if (protocol === 'tcp' && isNotUnicast(ip)) invalid();
  return toSocketAddress(sa);
}

/** Whether two backend addresses are the same address and port. */
export function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/** The unspecified address of a family, port 0: what an implicit bind binds to. */
export function anyAddress(family: IpAddressFamily): SocketAddress {
  return { family, address: family === 'ipv4' ? '0.0.0.0' : '::', port: 0 };
}

/**
 * The largest UDP payload a socket of each family sends (65535 minus the IP and UDP headers):
 * a longer datagram is `datagram-too-large`.
 *
 * @example
 * ```ts
 * if (data.length > MAX_DATAGRAM[family]) throw 'datagram-too-large';
 * ```
 */
export const MAX_DATAGRAM = { ipv4: 65507, ipv6: 65527 } as const;
