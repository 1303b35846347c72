/** Byte arrays put together: one helper for every place that collects chunks. */

/**
 * `chunks` as one array (`total`: their length, when the caller counted it already). A single
 * chunk is returned as it is, not copied.
 *
 * @example
 * ```ts
 * const whole = concat([head, body]);
 * ```
 */
export function concat(chunks: readonly Uint8Array[], total = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
