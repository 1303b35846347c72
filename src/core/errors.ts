/**
 * The one error family of isowasm. Every failure the library reports on purpose is an
 * `IsowasmError` with a stable `code`; misuse of the API (a wrong argument type) is a `TypeError`.
 */

/** Stable machine-readable reasons. Add codes; never rename one. */
export type IsowasmErrorCode =
  /** The bytes are not a well-formed component (or core module) binary. */
  | 'INVALID_BINARY'
  /** The binary uses a feature this runtime does not implement yet. */
  | 'UNSUPPORTED'
  /** The component imports names the host did not provide. */
  | 'MISSING_IMPORTS'
  /** The host provided an import of the wrong shape. */
  | 'IMPORT_MISMATCH'
  /** Core WebAssembly linking or instantiation failed. */
  | 'LINK_ERROR'
  /** The guest trapped (or broke a Canonical ABI rule); the instance can't be used again. */
  | 'TRAP'
  /** A call reached an instance that trapped earlier. */
  | 'INSTANCE_POISONED'
  /** A call tried to enter an instance that is already running a call. */
  | 'REENTRANCE'
  /** A host import threw an error that is not the import's own `result` error. */
  | 'HOST_ERROR'
  /** The guest used a capability that was not granted. */
  | 'CAPABILITY_DENIED'
  /** Fetching or reading the component's bytes failed. */
  | 'LOAD_FAILED'
  /** isowasm broke one of its own invariants: a bug in isowasm (please report it with the component). */
  | 'INTERNAL'
  /**
   * A call went over a memory limit of the instance (`limits.liftBytes`, `limits.lowerBytes`);
   * the message names the limit and how to raise it.
   */
  | 'MEMORY_LIMIT'
  /**
   * A guest serving HTTP gave no usable response: it never set its response-outparam (or dropped
   * it), set an error-code, or set a status or header fetch can't carry.
   */
  | 'BAD_RESPONSE'
  /** A deadline passed (`limits.timeoutMs` of a call or a request); the instance was ended. */
  | 'TIMEOUT'
  /** The instance spent its `limits.fuel`; it can't be used again. */
  | 'OUT_OF_FUEL'
  /** A body went over its size limit (`maxResponseBodyBytes` of a fetch handler). */
  | 'BODY_TOO_LARGE'
  /**
   * An outgoing HTTP request of the guest failed on the way (refused, reset, timed out, no such
   * host); the guest received the wasi:http error-code, whose tag is in `details`.
   */
  | 'UPSTREAM_FAILED'
  /** A component's bytes did not match the `integrity` they were loaded with; nothing was compiled. */
  | 'INTEGRITY_MISMATCH'
  /** An async call was cancelled by its caller (component-model async's `subtask.cancel`). */
  | 'CANCELLED';

/**
 * An error raised by isowasm. `code` says what kind of failure it is; the message says what
 * happened and what to do; `cause` carries the underlying error when there is one.
 *
 * @example
 * ```ts
 * try {
 *   await component.instantiate({ imports: {} });
 * } catch (e) {
 *   if (e instanceof IsowasmError && e.code === 'MISSING_IMPORTS') console.error(e.details);
 * }
 * ```
 */
export class IsowasmError extends Error {
  readonly code: IsowasmErrorCode;
  /** Structured data about the failure (for example the list of missing imports). */
  readonly details: unknown;

  constructor(code: IsowasmErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IsowasmError';
    this.code = code;
    this.details = options?.details;
  }
}

/**
 * The error thrown by a call of an exported function whose result is `result<T, E>` when the
 * guest returned `err`: `payload` is the lifted `E` value (jco's `ComponentError` shape).
 *
 * @example
 * ```ts
 * try { exports.parse('x'); } catch (e) { if (e instanceof ComponentError) console.log(e.payload); }
 * ```
 */
export class ComponentError extends Error {
  readonly payload: unknown;
  constructor(payload: unknown) {
    super(describePayload(payload));
    this.name = 'ComponentError';
    this.payload = payload;
  }
}

function describePayload(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  try {
    return `the call returned an error: ${JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  } catch {
    return 'the call returned an error';
  }
}

/**
 * Thrown when the guest calls `wasi:cli/exit`: it unwinds the guest (which can't continue) and
 * carries the exit code to the caller. The instance can't be used after it.
 *
 * @example
 * ```ts
 * try { await exports['wasi:cli/run'].run(); } catch (e) { if (e instanceof ComponentExit) process.exitCode = e.exitCode; }
 * ```
 */
export class ComponentExit extends Error {
  readonly exitCode: number;
  /** the marker preview2-shim's own exit error carries too */
  readonly exitError = true;
  constructor(exitCode: number) {
    super(`the component exited with code ${exitCode}`);
    this.name = 'ComponentExit';
    this.exitCode = exitCode;
  }
}

/** The exit code of an exit error (ours or preview2-shim's), or null if `e` is not one. */
export function exitCodeOf(e: unknown): number | null {
  if (e instanceof ComponentExit) return e.exitCode;
  if (typeof e === 'object' && e !== null && (e as { exitError?: unknown }).exitError === true) {
    const c = (e as { code?: unknown }).code;
    return typeof c === 'number' ? c : 1;
  }
  return null;
}

/** Creates the TRAP error, keeping the guest's own error as `cause`. */
export function trapError(message: string, cause?: unknown): IsowasmError {
  return new IsowasmError('TRAP', `guest trapped: ${message}`, { cause });
}

/** Signals a Canonical ABI violation by the guest while lifting or lowering. */
export class AbiTrap extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbiTrap';
  }
}
