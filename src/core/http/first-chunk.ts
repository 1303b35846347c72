/**
 * The head of a response waits for its body's first bytes (or its end): a guest that fails
 * before writing a byte (a trap, a handler that returns without finishing the body) then gets a
 * clean 500 on every server. Deno's, Bun's and workerd's servers send the head as soon as they
 * have the Response, so without this wait the client would get the guest's status followed by a
 * cut connection there, and a 500 from Node's listener (which waits the same way).
 */

/**
 * `response` with its first chunk read already (the rest streams as before, slowed to the
 * reader's pace), or null when the body failed before its first byte.
 *
 * @example
 * ```ts
 * const ready = await afterFirstChunk(response) ?? new Response('Internal Server Error\n', { status: 500 });
 * ```
 */
export async function afterFirstChunk(response: Response): Promise<Response | null> {
  if (!response.body) return response;
  const reader = response.body.getReader();
  let first: ReadableStreamReadResult<Uint8Array>;
  try {
    first = await reader.read();
  } catch {
    return null;
  }
  let pending: Uint8Array | null = first.done ? null : first.value;
  let ended = first.done;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending) {
        controller.enqueue(pending);
        pending = null;
        return;
      }
      if (ended) {
        controller.close();
        return;
      }
      // a failure here errors the stream: the head has gone, so the connection is cut
      const next = await reader.read();
      if (next.done) {
        ended = true;
        controller.close();
      } else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
