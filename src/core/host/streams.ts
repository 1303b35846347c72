/**
 * The contracts of byte streams between the WASI host and the adapters that feed them: an input
 * stream reads from an `InputSource`, an output stream writes to an `OutputTarget`. Adapters
 * (sockets, HTTP bodies, stdio) implement these; `wasi:io` (src/core/wasi/io.ts) turns them
 * into the streams and pollables the guest sees.
 */

/**
 * What an input stream reads from. `read` returns up to `max` bytes, an empty array when nothing
 * is available yet, or null at the end; `wait` resolves when more may be available. (Not the
 * stdin grant of `capabilities.ts`, which is what a user hands in.)
 */
export interface InputSource {
  read(max: number): Uint8Array | null;
  /** whether a read would return data or the end now (default: always) */
  available?(): boolean;
  wait?(): Promise<void> | null;
  close?(): void;
}

/**
 * What an output stream writes to. `capacity` is what `check-write` reports (default: 1 MiB);
 * a target that fills up reports 0 and resolves `wait` when it has room again (backpressure).
 */
export interface OutputTarget {
  write(bytes: Uint8Array): void;
  capacity?(): number;
  flush?(): void | Promise<void>;
  /** resolves when `capacity` may be above 0 again */
  wait?(): Promise<void> | null;
  close?(): void;
}
