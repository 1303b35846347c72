/**
 * `transfer`, the marking of byte arrays to move to a worker with a call: apart from the client
 * (client.ts), so that isowasm's entry points export it without carrying runInWorker's client,
 * which they load on the first call.
 */

/** Byte arrays the caller marked with `transfer`, to move to the worker with the call. */
const marked = new WeakSet<ArrayBufferView>();

/**
 * Marks a large byte array to be moved to the worker with the call it is an argument of,
 * instead of copied (it is empty here afterwards). Only whole-buffer arrays can be moved.
 *
 * @example
 * ```ts
 * await exports.digest(transfer(bytes));
 * ```
 */
export function transfer<T extends ArrayBufferView>(bytes: T): T {
  if (!ArrayBuffer.isView(bytes)) throw new TypeError('transfer() takes a typed array or DataView');
  if (!(bytes.buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
    throw new TypeError('transfer() moves a whole buffer: pass an array that spans its ArrayBuffer (a copy, bytes.slice(), does)');
  }
  marked.add(bytes);
  return bytes;
}

/** The buffers of the arguments marked with `transfer`. */
export function transfersOf(args: readonly unknown[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of args) if (ArrayBuffer.isView(a) && marked.has(a)) out.push(a.buffer as ArrayBuffer);
  return out;
}
