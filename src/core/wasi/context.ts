/** What every room of one instance's WASI host shares (built once per instance by `wasiHost`). */
import type { DenialReport } from '../host/capabilities.js';
import type { IsowasmError } from '../errors.js';

/**
 * The context each WASI interface of one instance is built with.
 *
 * @example
 * ```ts
 * const ctx: HostContext = { async: false, report: (d) => console.warn(d.detail), afterCall: () => {} };
 * const ns = filesystemNamespaces(preopens, ctx);
 * ```
 */
export interface HostContext {
  /** the instance waits on hosts with JSPI (waits return promises) rather than blocking */
  readonly async: boolean;
  /** reports a refused operation once per capability and interface */
  readonly report: (d: DenialReport) => void;
  /**
   * Runs `hook` after every call into the instance, before the call's promise resolves (async
   * instances only): what a call wrote is durable once the call has completed.
   */
  readonly afterCall: (hook: () => Promise<void> | void) => void;
  /** told when an outgoing HTTP request fails on the way (not when it is refused) */
  readonly onHttpFailure?: (e: IsowasmError) => void;
  /** aborted when the instance ends: waits on timers end then */
  readonly ended?: AbortSignal;
}
