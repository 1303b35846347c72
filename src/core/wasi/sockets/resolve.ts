/**
 * Name lookup as both versions of `wasi:sockets/ip-name-lookup` do it. Only names the allow-list
 * could allow are looked up (a lookup itself can carry data out, to a DNS server the guest
 * chooses), an IP literal is returned as it is without a query, and every address a name resolves
 * to is remembered with the name, so that a later connect to that address is checked against the
 * name's entries.
 */
import { type IpAddress, ipText, isIpv4Mapped, parseIp } from '../../host/socket-address.js';
import type { SocketErrorCode } from '../../host/socket-backend.js';
import { canonicalIp, canonicalName } from '../../host/socket-policy.js';
import { type SocketEnv, backendOf, checkLookup } from './grant.js';

/** Addresses as WASI returns them: IPv4-mapped ones as IPv4, each once, in the backend's order. */
function addressesOf(texts: readonly string[]): IpAddress[] {
  const seen = new Set<string>();
  const out: IpAddress[] = [];
  for (const t of texts) {
    let ip = parseIp(t);
    if (ip === null) continue;
    if (ip.tag === 'ipv6' && isIpv4Mapped(ip)) {
      const [hi, lo] = [ip.val[6], ip.val[7]];
      ip = { tag: 'ipv4', val: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff] };
    }
    const key = ipText(ip);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ip);
  }
  return out;
}

/**
 * The addresses of `name`: at once for an IP literal, else a promise of the backend's answer
 * (never empty: no address rejects with `name-unresolvable`). Throws `invalid-argument` for
 * what is neither a name nor an IP literal, and `access-denied` (reported) for a name the grant
 * does not allow; rejects with the backend's error-code.
 *
 * @example
 * ```ts
 * resolveName(env, 'wasi:sockets/ip-name-lookup', '[::1]'); // [{ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] }]
 * ```
 */
export function resolveName(env: SocketEnv, iface: string, name: string): IpAddress[] | Promise<IpAddress[]> {
  if (typeof name !== 'string') throw 'invalid-argument' satisfies SocketErrorCode;
  const literal = canonicalIp(name);
  const host = literal === null ? canonicalName(name) : null;
  if (literal === null && host === null) throw 'invalid-argument' satisfies SocketErrorCode;
  checkLookup(env, iface, host ?? literal!);
  if (literal !== null) return [parseIp(literal)!];
  const backend = backendOf(env);
  return (async () => {
    const addresses = addressesOf(await backend.lookup(host!));
    if (addresses.length === 0) throw 'name-unresolvable' satisfies SocketErrorCode;
    for (const ip of addresses) {
      const key = ipText(ip);
      let names = env.resolved.get(key);
      if (!names) env.resolved.set(key, names = new Set());
      names.add(host!);
    }
    return addresses;
  })();
}
