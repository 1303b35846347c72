/**
 * The error codes of `wasi:sockets@0.3.0`, which are variants (`{ tag }`, and `other` carries an
 * optional message) where 0.2's were enum strings: the backend and the shared checks of
 * ../../sockets fail with 0.2's strings, mapped here. A host function returning a `result`
 * throws (or rejects with) one of these objects, which is the guest's `err`.
 */
import type { SocketErrorCode } from '../../../host/socket-backend.js';
import { errorCodeOf } from '../../sockets/grant.js';
import type { ResultValue } from '../streams.js';

type Plain =
  | 'access-denied' | 'not-supported' | 'invalid-argument' | 'out-of-memory' | 'timeout' | 'invalid-state'
  | 'address-not-bindable' | 'address-in-use' | 'remote-unreachable' | 'connection-refused' | 'connection-broken'
  | 'connection-reset' | 'connection-aborted' | 'datagram-too-large';

/** `wasi:sockets/types@0.3.0#error-code`. */
export type ErrorCode = { tag: Plain } | { tag: 'other'; val: string | undefined };

/** `wasi:sockets/ip-name-lookup@0.3.0#error-code`. */
export type LookupErrorCode =
  | { tag: 'access-denied' | 'invalid-argument' | 'name-unresolvable' | 'temporary-resolver-failure' | 'permanent-resolver-failure' }
  | { tag: 'other'; val: string | undefined };

/** A `result<_, error-code>` as a future carries it. */
export type Outcome = ResultValue<ErrorCode>;

const SAME: ReadonlySet<string> = new Set<Plain>([
  'access-denied', 'not-supported', 'invalid-argument', 'out-of-memory', 'timeout', 'invalid-state', 'address-not-bindable',
  'address-in-use', 'remote-unreachable', 'connection-refused', 'connection-broken', 'connection-reset', 'connection-aborted',
  'datagram-too-large',
]);
// 0.2's codes for misuse of its start/finish and pollable protocol are all invalid states in 0.3
const INVALID_STATE: ReadonlySet<string> = new Set<SocketErrorCode>(['concurrency-conflict', 'not-in-progress', 'would-block']);

/** The 0.3 error-code for a backend code (or an already mapped one); anything else is `other`. */
export function socketError(e: unknown): ErrorCode {
  if (typeof e === 'object' && e !== null && typeof (e as { tag?: unknown }).tag === 'string' && (SAME.has((e as { tag: string }).tag) || (e as { tag: string }).tag === 'other')) {
    return e as ErrorCode;
  }
  if (typeof e !== 'string') return { tag: 'other', val: e instanceof Error ? e.message : undefined };
  if (SAME.has(e)) return { tag: e as Plain };
  if (INVALID_STATE.has(e)) return { tag: 'invalid-state' };
  const code = errorCodeOf(e);
  return { tag: 'other', val: code === 'unknown' ? undefined : code };
}

const LOOKUP_SAME: ReadonlySet<string> = new Set(['access-denied', 'invalid-argument', 'name-unresolvable', 'temporary-resolver-failure', 'permanent-resolver-failure']);

/** The ip-name-lookup error-code for a backend code. */
export function lookupError(e: unknown): LookupErrorCode {
  if (typeof e === 'string' && LOOKUP_SAME.has(e)) return { tag: e as 'access-denied' };
  if (typeof e === 'string') return { tag: 'other', val: errorCodeOf(e) === 'unknown' ? undefined : e };
  return { tag: 'other', val: e instanceof Error ? e.message : undefined };
}

/**
 * Runs `f`, turning a backend code it throws into the 0.3 error-code (JS errors, which are host
 * bugs or traps, pass through).
 */
export function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (typeof e === 'string') throw socketError(e);
    throw e;
  }
}

/** Throws the 0.3 error-code `code`. */
export function fail(code: Plain): never {
  throw { tag: code } satisfies ErrorCode;
}

export const OK: Outcome = Object.freeze({ tag: 'ok' }) as Outcome;

/** An `err` outcome for a future. */
export function errOutcome(e: unknown): Outcome {
  return { tag: 'err', val: socketError(e) };
}
