/**
 * `wasi:sockets/ip-name-lookup`. Only names the allow-list could allow are looked up (a lookup
 * itself can carry data out, to a DNS server the guest chooses), and every address a name
 * resolves to is remembered with the name, so that a later connect to that address is checked
 * against the name's entries.
 */
import { type IpAddress, ipText, isIpv4Mapped, parseIp } from '../../host/socket-address.js';
import { canonicalIp, canonicalName } from '../../host/socket-policy.js';
import { Pollable } from '../io.js';
import { type Network, Pending, type SocketEnv, backendOf, checkLookup, envOf } from './network.js';
import { symbolDispose } from '../../dispose.js';


/** `wasi:sockets/ip-name-lookup#resolve-address-stream`. */
export class ResolveAddressStream {
  readonly #pending: Pending<IpAddress[]>;
  readonly #async: boolean;
  #next = 0;

  /** @internal made by `resolveAddresses` only */
  constructor(pending: Pending<IpAddress[]>, async: boolean) {
    this.#pending = pending;
    this.#async = async;
  }

  /** The next address, `undefined` after the last; `would-block` until the lookup has finished. */
  resolveNextAddress(): IpAddress | undefined {
    const all = this.#pending.take();
    return all[this.#next++];
  }

  subscribe(): Pollable {
    return new Pollable({ ready: () => this.#pending.done, wait: () => this.#pending.settled, async: this.#async });
  }

  [symbolDispose](): void {}
}

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
 * The `resolve-addresses` function.
 *
 * @example
 * ```ts
 * const stream = resolveAddresses(network, 'db.internal'); // then resolveNextAddress() after its pollable is ready
 * ```
 */
export function resolveAddresses(network: Network, name: string): ResolveAddressStream {
  const env: SocketEnv = envOf(network);
  if (typeof name !== 'string') throw 'invalid-argument';
  const literal = canonicalIp(name);
  const host = literal === null ? canonicalName(name) : null;
  if (literal === null && host === null) throw 'invalid-argument';
  checkLookup(env, host ?? literal!);
  if (literal !== null) {
    // an IP address is returned as it is, without a query
    const ip = parseIp(literal)!;
    return new ResolveAddressStream(Pending.of([ip]), env.async);
  }
  const backend = backendOf(env);
  const pending = new Pending(async () => {
    const addresses = addressesOf(await backend.lookup(host!));
    if (addresses.length === 0) throw 'name-unresolvable';
    for (const ip of addresses) {
      const key = ipText(ip);
      let names = env.resolved.get(key);
      if (!names) env.resolved.set(key, names = new Set());
      names.add(host!);
    }
    return addresses;
  });
  return new ResolveAddressStream(pending, env.async);
}
