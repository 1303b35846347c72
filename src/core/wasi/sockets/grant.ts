/**
 * What both versions of `wasi:sockets` (0.2 in this folder, 0.3 in ../p3/sockets) share about one
 * instance's sockets grant: its state (allow-list, backend, where refusals are reported), the
 * checks every operation that reaches the network passes first, and the backend's error codes.
 * An instance without the grant has no policy and no backend: every such check refuses with
 * `access-denied` and reports which grant would allow it.
 */
import type { DenialReport } from '../../host/capabilities.js';
import type { SocketBackend, SocketErrorCode } from '../../host/socket-backend.js';
import type { SocketAddress } from '../../host/socket-address.js';
import { SocketAllowList, formatHostPort } from '../../host/socket-policy.js';

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

/** The sockets grant: allowed `host:port` addresses (`*` for any host or any port). */
export interface SocketGrant {
  readonly allow: readonly string[];
}

/**
 * The sockets state of an instance granted sockets: `backend` does the I/O, for addresses the
 * allow-list allows only. Throws a TypeError for a malformed grant.
 *
 * @example
 * ```ts
 * const env = socketEnv({ allow: ['127.0.0.1:*'] }, { report: console.warn, async: true }, createNodeSocketBackend());
 * ```
 */
export function socketEnv(
  grant: SocketGrant, ctx: { readonly report: (d: DenialReport) => void; readonly async: boolean }, backend: SocketBackend,
): SocketEnv {
  if (typeof grant !== 'object' || grant === null || !Array.isArray(grant.allow)) {
    throw new TypeError('capabilities.sockets must be { allow: [addresses] }, e.g. { allow: [\'127.0.0.1:8080\', \'db.internal:5432\'] }');
  }
  return { policy: new SocketAllowList(grant.allow), backend, report: ctx.report, async: ctx.async, resolved: new Map() };
}

/**
 * The sockets state of an instance without the grant: every check refuses (and reports).
 *
 * @example
 * ```ts
 * const env = deniedSocketEnv((d) => console.warn(d.detail));
 * ```
 */
export function deniedSocketEnv(report: (d: DenialReport) => void): SocketEnv {
  return { policy: null, backend: null, report, async: false, resolved: new Map() };
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
export function checkLookup(env: SocketEnv, iface: string, name: string): void {
  if (env.policy === null || env.backend === null) {
    env.report({ capability: 'sockets', interface: iface, detail: `the guest tried to look up ${name} and was refused before any query was made`, grant: NOT_GRANTED(`${name}:*`) });
    throw 'access-denied' satisfies SocketErrorCode;
  }
  const verdict = env.policy.checkLookup(name);
  if (verdict.allowed) return;
  env.report({ capability: 'sockets', interface: iface, detail: `the guest tried to look up ${name} and was refused before any query was made`, grant: verdict.grant });
  throw 'access-denied' satisfies SocketErrorCode;
}
