/**
 * Errors across a worker boundary: structured clone keeps an Error's message but not the class
 * or fields callers branch on, so an `IsowasmError` (code, details), a `ComponentError` (payload)
 * and a `ComponentExit` (exit code) travel as plain data and are made again on the page.
 */
import { ComponentError, ComponentExit, IsowasmError, type IsowasmErrorCode } from '../errors.js';

/** An error as plain, cloneable data. */
export interface SentError {
  readonly kind: 'isowasm' | 'component' | 'exit' | 'type' | 'error';
  readonly message: string;
  readonly name: string;
  readonly stack?: string;
  readonly code?: string;
  readonly details?: unknown;
  readonly payload?: unknown;
  readonly exitCode?: number;
}

/** Cloneable data, or a string describing what wasn't (details and payloads are the guest's data, normally cloneable). */
function cloneable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

/**
 * `e` as data to post.
 *
 * @example
 * ```ts
 * port.postMessage({ error: sendError(e) });
 * ```
 */
export function sendError(e: unknown): SentError {
  if (e instanceof IsowasmError) return { kind: 'isowasm', name: e.name, message: e.message, stack: e.stack, code: e.code, details: cloneable(e.details) };
  if (e instanceof ComponentError) return { kind: 'component', name: e.name, message: e.message, stack: e.stack, payload: cloneable(e.payload) };
  if (e instanceof ComponentExit) return { kind: 'exit', name: e.name, message: e.message, exitCode: e.exitCode };
  if (e instanceof TypeError) return { kind: 'type', name: e.name, message: e.message, stack: e.stack };
  if (e instanceof Error) return { kind: 'error', name: e.name, message: e.message, stack: e.stack };
  return { kind: 'error', name: 'Error', message: String(e) };
}

/**
 * The error `sent` describes, of the class it had in the worker.
 *
 * @example
 * ```ts
 * throw receiveError(reply.error);
 * ```
 */
export function receiveError(sent: SentError): Error {
  let e: Error;
  if (sent.kind === 'isowasm') e = new IsowasmError(sent.code as IsowasmErrorCode, sent.message, { details: sent.details });
  else if (sent.kind === 'component') e = new ComponentError(sent.payload);
  else if (sent.kind === 'exit') e = new ComponentExit(sent.exitCode ?? 1);
  else if (sent.kind === 'type') e = new TypeError(sent.message);
  else {
    e = new Error(sent.message);
    e.name = sent.name;
  }
  // the worker's stack says where it happened in the guest's thread
  if (sent.stack) e.stack = `${e.name}: ${e.message}\n    (in the worker)\n${sent.stack.split('\n').slice(1).join('\n')}`;
  return e;
}
