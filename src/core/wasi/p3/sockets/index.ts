/**
 * `wasi:sockets@0.3.0` of one instance (`wasi:sockets/types`, `wasi:sockets/ip-name-lookup`),
 * from the same grant as 0.2 (`capabilities.sockets = { allow: [...] }`) and the platform's
 * socket backend. Not granted, the interfaces still link: sockets can be created and configured,
 * and whatever would reach the network (bind, connect, listen, send, lookup) fails with
 * `access-denied` and is reported, exactly as in 0.2.
 */
import type { DenialReport } from '../../../host/capabilities.js';
import type { SocketBackend } from '../../../host/socket-backend.js';
import { type SocketGrant, deniedSocketEnv, socketEnv } from '../../sockets/grant.js';
import type { SocketEnv } from '../../sockets/grant.js';
import { resolveAddressesOf } from './lookup.js';
import { tcpSocketClass } from './tcp.js';
import { udpSocketClass } from './udp.js';

function namespaces(env: SocketEnv): Record<string, unknown> {
  return {
    'wasi:sockets/types@0.3.0': { TcpSocket: tcpSocketClass(env), UdpSocket: udpSocketClass(env) },
    'wasi:sockets/ip-name-lookup@0.3.0': { resolveAddresses: resolveAddressesOf(env) },
  };
}

/**
 * The 0.3 sockets namespaces over an existing sockets state (shared with 0.2's, see
 * `socketNamespacesFor`).
 *
 * @example
 * ```ts
 * const env = socketEnv({ allow: ['127.0.0.1:*'] }, ctx, backend);
 * Object.assign(imports, socketNamespacesFor(env), p3SocketNamespacesFor(env));
 * ```
 */
export function p3SocketNamespacesFor(env: SocketEnv): Record<string, unknown> {
  return namespaces(env);
}

/**
 * The 0.3 sockets namespaces for an instance granted sockets. Throws a TypeError for a malformed
 * grant.
 *
 * @example
 * ```ts
 * const ns = p3SocketNamespaces({ allow: ['127.0.0.1:*'] }, { report: console.warn, async: true }, createNodeSocketBackend());
 * const { TcpSocket } = ns['wasi:sockets/types@0.3.0'];
 * ```
 */
export function p3SocketNamespaces(
  grant: SocketGrant, ctx: { readonly report: (d: DenialReport) => void; readonly async: boolean }, backend: SocketBackend,
): Record<string, unknown> {
  return namespaces(socketEnv(grant, ctx, backend));
}

/**
 * The 0.3 sockets namespaces for an instance without the grant: every use of the network fails
 * with `access-denied`, reported with the grant that would allow it.
 *
 * @example
 * ```ts
 * Object.assign(imports, deniedP3SocketNamespaces((d) => console.warn(d.detail)));
 * ```
 */
export function deniedP3SocketNamespaces(report: (d: DenialReport) => void): Record<string, unknown> {
  return namespaces(deniedSocketEnv(report));
}
