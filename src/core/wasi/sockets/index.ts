/**
 * The `wasi:sockets` namespaces of one instance. Granted (`capabilities.sockets = { allow: [...] }`),
 * they are served by the platform's socket backend behind the allow-list; not granted, they still
 * link and behave the same up to the point where the network would be reached, where every
 * operation fails with `access-denied` (how wasi:sockets reports a refusal) and is reported.
 */
import type { DenialReport } from '../../host/capabilities.js';
import type { SocketBackend } from '../../host/socket-backend.js';
import { ResolveAddressStream, resolveAddresses } from './lookup.js';
import { type SocketEnv, type SocketGrant, deniedSocketEnv, socketEnv } from './grant.js';
import { Network } from './network.js';
import { TcpSocket, tcpSocketFactory } from './tcp.js';
import { IncomingDatagramStream, OutgoingDatagramStream, UdpSocket, udpSocketFactory } from './udp.js';

export type { SocketGrant } from './grant.js';

function namespaces(env: SocketEnv): Record<string, unknown> {
  const network = new Network(env);
  return {
    'wasi:sockets/network': {
      Network,
      // the streams' errors carry a message only: no error-code to recover from them
      networkErrorCode: (): undefined => undefined,
    },
    'wasi:sockets/instance-network': { instanceNetwork: (): Network => network },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: tcpSocketFactory(env) },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: udpSocketFactory(env) },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses },
  };
}

/**
 * The 0.2 sockets namespaces over an existing sockets state (one grant serving 0.2 and 0.3 shares
 * it: a name resolved through either version's lookup allows connects through both).
 *
 * @example
 * ```ts
 * const env = socketEnv({ allow: ['db.internal:5432'] }, ctx, backend);
 * Object.assign(imports, socketNamespacesFor(env), p3SocketNamespacesFor(env));
 * ```
 */
export function socketNamespacesFor(env: SocketEnv): Record<string, unknown> {
  return namespaces(env);
}

/**
 * The sockets namespaces for an instance granted sockets: `backend` does the I/O, for addresses
 * the allow-list allows only. Throws a TypeError for a malformed grant.
 *
 * @example
 * ```ts
 * const ns = socketNamespaces({ allow: ['127.0.0.1:8080'] }, { report: console.warn, async: true }, createNodeSocketBackend());
 * const socket = ns['wasi:sockets/tcp-create-socket'].createTcpSocket('ipv4');
 * ```
 */
export function socketNamespaces(
  grant: SocketGrant, ctx: { readonly report: (d: DenialReport) => void; readonly async: boolean }, backend: SocketBackend,
): Record<string, unknown> {
  return namespaces(socketEnv(grant, ctx, backend));
}

/**
 * The sockets namespaces for an instance without the grant: sockets can be created and
 * configured, and binding, connecting, sending and looking up fail with `access-denied`, each
 * reported with the grant that would allow it.
 *
 * @example
 * ```ts
 * Object.assign(imports, deniedSocketNamespaces((d) => console.warn(d.detail)));
 * ```
 */
export function deniedSocketNamespaces(report: (d: DenialReport) => void): Record<string, unknown> {
  return namespaces(deniedSocketEnv(report));
}
