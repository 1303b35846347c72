/** The JS value of a component-model `error-context` (its own module: the public entry exports it without the async ABI). */

/**
 * An error a component passes around as an `error-context` value: its debug message is for
 * people, not programs (a guest may leave it empty).
 *
 * @example
 * ```ts
 * const e = new ErrorContext('connection reset');
 * e.debugMessage; // 'connection reset'
 * ```
 */
export class ErrorContext {
  constructor(readonly debugMessage: string) {}
}
