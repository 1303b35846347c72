/**
 * `wasi:sockets/ip-name-lookup` (0.2): the lookup of resolve.ts, read through a
 * `resolve-address-stream` once its pollable is ready.
 */
import type { IpAddress } from '../../host/socket-address.js';
import { Pollable } from '../io.js';
import { type Network, Pending, envOf } from './network.js';
import { resolveName } from './resolve.js';
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

/**
 * The `resolve-addresses` function.
 *
 * @example
 * ```ts
 * const stream = resolveAddresses(network, 'db.internal'); // then resolveNextAddress() after its pollable is ready
 * ```
 */
export function resolveAddresses(network: Network, name: string): ResolveAddressStream {
  const env = envOf(network);
  const found = resolveName(env, 'wasi:sockets/ip-name-lookup', name);
  const pending = Array.isArray(found) ? Pending.of(found) : new Pending(() => found);
  return new ResolveAddressStream(pending, env.async);
}
