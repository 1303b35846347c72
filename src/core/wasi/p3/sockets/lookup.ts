/**
 * `wasi:sockets/ip-name-lookup@0.3.0`: the name resolution 0.2 does (../../sockets/resolve.ts:
 * the allow-list first, IP literals without a query), as one async function.
 */
import type { IpAddress } from '../../../host/socket-address.js';
import type { SocketEnv } from '../../sockets/grant.js';
import { resolveName } from '../../sockets/resolve.js';
import { lookupError } from './errors.js';

const IFACE = 'wasi:sockets/ip-name-lookup@0.3.0';

/**
 * The `resolve-addresses` function of one instance: its addresses, or a rejection with an
 * ip-name-lookup error-code.
 *
 * @example
 * ```ts
 * const addresses = await resolveAddressesOf(env)('localhost'); // [{ tag: 'ipv4', val: [127, 0, 0, 1] }, ...]
 * ```
 */
export function resolveAddressesOf(env: SocketEnv): (name: string) => Promise<IpAddress[]> {
  return async (name) => {
    try {
      return await resolveName(env, IFACE, name);
    } catch (e) {
      if (e instanceof Error) throw e;
      throw lookupError(e);
    }
  };
}
