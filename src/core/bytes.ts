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

/**
 * The whole of a byte stream (an empty array for none); rejects as the stream does (too long,
 * client gone). One helper for the places that need a body at once: a synchronous instance's
 * request body, an upload fetch can't stream.
 *
 * @example
 * ```ts
 * const bytes = await readWhole(request.body);
 * ```
 */
export async function readWhole(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    chunks.push(r.value);
    total += r.value.length;
  }
  return concat(chunks, total);
}
