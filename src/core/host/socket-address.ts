/**
 * The address types of `wasi:sockets/network` in jco's JS shapes, and their conversion to the
 * plain `{ family, address, port }` that socket backends work with. Platform-neutral.
 */
import { canonicalIp } from './socket-policy.js';

export type IpAddressFamily = 'ipv4' | 'ipv6';
export type Ipv4Address = [number, number, number, number];
export type Ipv6Address = [number, number, number, number, number, number, number, number];
export type IpAddress = { tag: 'ipv4'; val: Ipv4Address } | { tag: 'ipv6'; val: Ipv6Address };
export interface Ipv4SocketAddress { port: number; address: Ipv4Address }
export interface Ipv6SocketAddress { port: number; flowInfo: number; address: Ipv6Address; scopeId: number }
export type IpSocketAddress = { tag: 'ipv4'; val: Ipv4SocketAddress } | { tag: 'ipv6'; val: Ipv6SocketAddress };

/** An address as backends see it: `address` is canonical IP text (IPv6 without brackets). */
export interface SocketAddress {
  readonly family: IpAddressFamily;
  readonly address: string;
  readonly port: number;
}

/**
 * The canonical text of a WASI IP address (`canonicalIp`'s form).
 *
 * @example
 * ```ts
 * ipText({ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] }); // '::1'
 * ```
 */
export function ipText(ip: IpAddress): string {
  if (ip.tag === 'ipv4') return ip.val.join('.');
  return canonicalIp(ip.val.map((n) => n.toString(16)).join(':'))!;
}

/**
 * The WASI IP address for IP text (any spelling `canonicalIp` takes), or null.
 *
 * @example
 * ```ts
 * parseIp('::ffff:7f00:1'); // { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1] }
 * ```
 */
export function parseIp(text: string): IpAddress | null {
  const c = canonicalIp(text);
  if (c === null) return null;
  if (!c.includes(':')) return { tag: 'ipv4', val: c.split('.').map(Number) as Ipv4Address };
  // canonical IPv6 text is hex groups with at most one `::`
  const [head, tail] = c.includes('::') ? c.split('::') as [string, string] : [c, null];
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = tail === null ? [] : groups(tail);
  const zeros = new Array<number>(8 - h.length - t.length).fill(0);
  return { tag: 'ipv6', val: [...h, ...zeros, ...t] as Ipv6Address };
}

/** The backend's form of a WASI socket address (the flow info and scope id are not carried). */
export function toSocketAddress(sa: IpSocketAddress): SocketAddress {
  return { family: sa.tag, address: ipText({ tag: sa.tag, val: sa.val.address } as IpAddress), port: sa.val.port };
}

/** The WASI form of a backend's address; throws a TypeError if it is not an IP address. */
export function fromSocketAddress(sa: SocketAddress): IpSocketAddress {
  const ip = parseIp(sa.address);
  if (ip === null) throw new TypeError(`not an IP address: ${sa.address}`);
  if (ip.tag === 'ipv4') return { tag: 'ipv4', val: { port: sa.port, address: ip.val } };
  return { tag: 'ipv6', val: { port: sa.port, flowInfo: 0, address: ip.val, scopeId: 0 } };
}

/** `0.0.0.0` or `::` */
export function isUnspecified(ip: IpAddress): boolean {
  return (ip.val as number[]).every((n) => n === 0);
}

/** `::ffff:a.b.c.d`, which wasi:sockets refuses (an IPv4 socket serves such peers) */
export function isIpv4Mapped(ip: IpAddress): boolean {
  return ip.tag === 'ipv6' && ip.val.slice(0, 5).every((n) => n === 0) && ip.val[5] === 0xffff;
}

/** Multicast or broadcast: not a unicast address a TCP socket can bind or connect to. */
export function isNotUnicast(ip: IpAddress): boolean {
  if (ip.tag === 'ipv4') return (ip.val[0] >= 224 && ip.val[0] <= 239) || ip.val.every((n) => n === 255);
  return (ip.val[0] & 0xff00) === 0xff00;
}

/** The IP address of a WASI socket address. */
export function ipOf(sa: IpSocketAddress): IpAddress {
  return { tag: sa.tag, val: sa.val.address } as IpAddress;
}
