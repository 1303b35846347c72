/**
 * `wasi:sockets/network` (0.2): the network resource, which carries one instance's sockets grant
 * (see grant.ts), and the start/finish operations of the 0.2 state machines.
 */
import type { SocketErrorCode } from '../../host/socket-backend.js';
import { type SocketEnv, errorCodeOf } from './grant.js';

const envs = new WeakMap<object, SocketEnv>();

/** `wasi:sockets/network#network`: the capability handle sockets are bound and connected through. */
export class Network {
  /** @internal made by `instanceNetwork` only */
  constructor(env: SocketEnv) {
    envs.set(this, env);
  }
}

/** The grant behind a network handle; throws `invalid-argument` for anything that is not one. */
export function envOf(network: unknown): SocketEnv {
  const env = typeof network === 'object' && network !== null ? envs.get(network) : undefined;
  if (!env) throw 'invalid-argument' satisfies SocketErrorCode;
  return env;
}

/**
 * An operation in progress (bind, connect, lookup): what `finish-*` reads once it has settled,
 * and a promise a pollable waits on (it never rejects).
 */
export class Pending<T> {
  #state: 'pending' | 'ok' | 'err' = 'pending';
  #value: unknown;
  #error: SocketErrorCode = 'unknown';
  readonly settled: Promise<void>;

  constructor(start: () => Promise<T>) {
    let p: Promise<T>;
    try {
      p = start();
    } catch (e) {
      p = Promise.reject(e);
    }
    this.settled = p.then(
      (v) => { this.#state = 'ok'; this.#value = v; },
      (e: unknown) => { this.#state = 'err'; this.#error = errorCodeOf(e); },
    );
  }

  /** An operation that finished at once. */
  static of<T>(value: T): Pending<T> {
    const p = new Pending(() => Promise.resolve(value));
    p.#state = 'ok';
    p.#value = value;
    return p;
  }

  get done(): boolean {
    return this.#state !== 'pending';
  }

  /** the result: throws `would-block` while pending, the error-code if it failed */
  take(): T {
    if (this.#state === 'pending') throw 'would-block' satisfies SocketErrorCode;
    if (this.#state === 'err') throw this.#error;
    return this.#value as T;
  }

  /** runs `cleanup` on the value if the operation succeeds (or has succeeded): for results nobody will take */
  abandon(cleanup: (v: T) => void): void {
    void this.settled.then(() => { if (this.#state === 'ok') cleanup(this.#value as T); });
  }
}
