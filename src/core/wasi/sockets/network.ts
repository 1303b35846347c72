/**
 * `wasi:sockets/network`: the network resource, which carries one instance's sockets grant (its
 * allow-list, the platform backend and where refusals are reported), and the checks every socket
 * operation shares. An instance without the sockets grant gets a network without a backend:
 * everything that would reach the network fails with `access-denied` and is reported.
 */
import type { DenialReport } from '../../host/capabilities.js';
import type { SocketBackend, SocketErrorCode } from '../../host/socket-backend.js';
import type { SocketAddress } from '../../host/socket-address.js';
import { type SocketAllowList, formatHostPort } from '../../host/socket-policy.js';

/** One instance's sockets state. */
export interface SocketEnv {
  /** null: the sockets capability was not granted */
  readonly policy: SocketAllowList | null;
  /** null where sockets can't be served (no grant) */
  readonly backend: SocketBackend | null;
  readonly report: (d: DenialReport) => void;
  /** the instance waits with JSPI: pollables return promises */
  readonly async: boolean;
  /** DNS names the guest resolved through ip-name-lookup, by the canonical IP they resolved to */
  readonly resolved: Map<string, Set<string>>;
}

const ERROR_CODES: ReadonlySet<string> = new Set<SocketErrorCode>([
  'unknown', 'access-denied', 'not-supported', 'invalid-argument', 'out-of-memory', 'timeout', 'concurrency-conflict',
  'not-in-progress', 'would-block', 'invalid-state', 'new-socket-limit', 'address-not-bindable', 'address-in-use',
  'remote-unreachable', 'connection-refused', 'connection-reset', 'connection-aborted', 'datagram-too-large',
  'name-unresolvable', 'temporary-resolver-failure', 'permanent-resolver-failure',
]);

/** The error-code a backend failed with (anything else it threw is `unknown`). */
export function errorCodeOf(e: unknown): SocketErrorCode {
  return typeof e === 'string' && ERROR_CODES.has(e) ? e as SocketErrorCode : 'unknown';
}

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

/** The backend, for an env that passed the policy (which a grant without a backend never does). */
export function backendOf(env: SocketEnv): SocketBackend {
  if (!env.backend) throw 'access-denied' satisfies SocketErrorCode;
  return env.backend;
}

const NOT_GRANTED = (entry: string): string => `capabilities.sockets = { allow: ['${entry}'] }`;

/**
 * Refuses (reports, then throws `access-denied`) a use of an address the grant does not allow.
 * `what` completes "the guest tried to ...".
 */
export function checkAddress(env: SocketEnv, iface: string, what: string, sa: SocketAddress): void {
  const names = [...env.resolved.get(sa.address) ?? []];
  const shown = formatHostPort(sa.address, sa.port);
  // (the report's message goes on: "..., which this instance's sockets capability does not allow")
  const detail = `the guest tried to ${what} ${shown}${names.length > 0 ? ` (resolved from ${names.join(', ')})` : ''} and was refused before anything reached the network`;
  if (env.policy === null || env.backend === null) {
    env.report({ capability: 'sockets', interface: iface, detail, grant: NOT_GRANTED(names.length > 0 ? formatHostPort(names[0]!, sa.port) : shown) });
    throw 'access-denied' satisfies SocketErrorCode;
  }
  const verdict = env.policy.checkAddress(sa.address, sa.port, names);
  if (verdict.allowed) return;
  env.report({ capability: 'sockets', interface: iface, detail, grant: verdict.grant });
  throw 'access-denied' satisfies SocketErrorCode;
}

/** Refuses a DNS lookup the grant does not allow (reported; throws `access-denied`). */
export function checkLookup(env: SocketEnv, name: string): void {
  const iface = 'wasi:sockets/ip-name-lookup';
  if (env.policy === null || env.backend === null) {
    env.report({ capability: 'sockets', interface: iface, detail: `the guest tried to look up ${name} and was refused before any query was made`, grant: NOT_GRANTED(`${name}:*`) });
    throw 'access-denied' satisfies SocketErrorCode;
  }
  const verdict = env.policy.checkLookup(name);
  if (verdict.allowed) return;
  env.report({ capability: 'sockets', interface: iface, detail: `the guest tried to look up ${name} and was refused before any query was made`, grant: verdict.grant });
  throw 'access-denied' satisfies SocketErrorCode;
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
