/**
 * The host side of the corpus' `local:local/chain-http` import, as upstream's tests give it.
 */
import { Fields, Request as P3Request, Response as P3Response } from '../../src/core/wasi/p3/http/index.js';

/**
 * Upstream's echo for chain-http: the request's headers, body and trailers as the response.
 *
 * @example
 * const handle = createFetchHandler(middleware, { imports: { 'local:local/chain-http': { handle: echo } } });
 */
export async function echo(request: P3Request): Promise<P3Response> {
  const [contents, trailers] = P3Request.consumeBody(request, Promise.resolve({ tag: 'ok', val: undefined }));
  const bytes = new Uint8Array(await new Response(contents).arrayBuffer());
  const t = await trailers;
  const body = new ReadableStream<Uint8Array>({ start(c) { if (bytes.length > 0) c.enqueue(bytes); c.close(); } });
  return P3Response.new(Fields.fromList(request.getHeaders().copyAll()), body, Promise.resolve(t))[0];
}
