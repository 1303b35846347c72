/**
 * One list of HTTP requests for the http-server fixture (test/fixtures/http-server), sent the same
 * way to any server, and the responses in a form two servers can be compared in: status, the
 * headers a guest controls (transport fields left out), and the body's bytes. Sent with
 * node:http rather than fetch, so the `Host` header (which decides the URL the guest sees),
 * repeated headers and chunked request bodies are the same for every server.
 */
import { Agent, request as httpRequest } from 'node:http';

/** One request of the list. */
export interface ListedRequest {
  /** what it checks, for messages */
  readonly name: string;
  readonly method: string;
  /** path and query */
  readonly path: string;
  /** header pairs in order (a name may repeat); `Host` is added */
  readonly headers?: readonly (readonly [string, string])[];
  /** the body: sent with content-length, or chunked when given as parts */
  readonly body?: Uint8Array | string | readonly (Uint8Array | string)[];
}

/** A response as compared: status, guest-controlled headers, body bytes (as base64, for short diffs) or their digest. */
export interface ComparableResponse {
  readonly name: string;
  readonly status: number;
  /** lowercase name -> values joined with ', ' in order (servers may fold repeated fields) */
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyLength: number;
  /** the body as text when it is short UTF-8, else a checksum of its bytes */
  readonly body: string;
}

/**
 * Fields each server sets for the connection, not the guest: when they appear (date,
 * content-length instead of chunked, keep-alive) is the server's choice.
 */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'server']);

/** The authority every request names: the URL the guest sees is the same whichever server answers. */
export const HOST = 'app.test:8080';

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i * 7) & 0xff;
  return out;
}

/** The list: methods, bodies, query strings, repeated headers, streaming, statuses, guest failures and a request after them. */
export const REQUESTS: readonly ListedRequest[] = [
  { name: 'GET with a query and repeated headers', method: 'GET', path: '/echo?a=1&b=two&a=3&empty=&sp=a%20b', headers: [['X-Multi', 'one'], ['Accept', 'text/plain'], ['X-Multi', 'two'], ['X-Spaces', '  padded value  ']] },
  { name: 'POST with a text body', method: 'POST', path: '/echo', headers: [['Content-Type', 'text/plain; charset=utf-8']], body: 'hello, edge \u2014 \u00e9\u00e8\u00ea \ud83d\ude80' },
  { name: 'PUT with a chunked body', method: 'PUT', path: '/echo?chunked=1', headers: [['Content-Type', 'application/json']], body: ['{"parts":', '[1,2,', '3]}'] },
  { name: 'PATCH with a JSON body', method: 'PATCH', path: '/echo', headers: [['Content-Type', 'application/json']], body: JSON.stringify({ a: [1, 2, 3], b: { c: 'd' } }) },
  { name: 'DELETE without a body', method: 'DELETE', path: '/echo?id=42' },
  { name: 'a 256 KiB binary body streamed back', method: 'POST', path: '/raw', headers: [['Content-Type', 'application/octet-stream']], body: pattern(256 * 1024, 3) },
  { name: 'a chunked binary body streamed back', method: 'POST', path: '/raw', body: [pattern(70_000, 1), pattern(1, 9), pattern(33_333, 5)] },
  { name: 'a 1 MiB response streamed in 16 KiB chunks', method: 'GET', path: '/stream?mb=1&chunk=16384' },
  { name: '201 with repeated response headers', method: 'GET', path: '/status?code=201&h=x-a:1&h=x-a:2&h=x-b:three' },
  { name: '404', method: 'GET', path: '/status?code=404' },
  { name: '204 without a body', method: 'GET', path: '/status?code=204&h=x-empty:yes' },
  { name: '418', method: 'GET', path: '/status?code=418' },
  { name: '503 with retry-after', method: 'GET', path: '/status?code=503&h=retry-after:7' },
  { name: 'a fresh instance per request', method: 'GET', path: '/count' },
  { name: 'a route the guest does not know', method: 'GET', path: '/nope' },
  { name: 'a trap: 500', method: 'GET', path: '/trap' },
  { name: 'an exception in the handler: 500', method: 'GET', path: '/throw' },
  { name: 'served after the failures', method: 'GET', path: '/echo?after=failures' },
  { name: 'a fresh instance after the failures', method: 'GET', path: '/count' },
];

/**
 * Requests whose guest calls out (the /fetch route): one to `allowed` (an origin the server
 * granted, on 127.0.0.1, answering `GET /hello` with text) and one to an origin it did not grant
 * (refused before any connection: the guest fails, a 500). Each server must answer them alike.
 */
export function outgoingRequests(allowed: string, denied: string): ListedRequest[] {
  return [
    { name: 'an outgoing request to a granted origin', method: 'GET', path: `/fetch?url=${encodeURIComponent(`${allowed}/hello?from=guest`)}` },
    { name: 'an outgoing request to an origin not granted: 500', method: 'GET', path: `/fetch?url=${encodeURIComponent(`${denied}/nope`)}` },
    { name: 'served after the refusal', method: 'GET', path: '/count' },
  ];
}

/** A checksum of bytes (FNV-1a, 32 bits): enough to tell two bodies apart in a diff. */
function checksum(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `fnv1a:${h.toString(16).padStart(8, '0')}`;
}

function asBytes(part: Uint8Array | string): Uint8Array {
  return typeof part === 'string' ? new TextEncoder().encode(part) : part;
}

function describeBody(bytes: Uint8Array): string {
  if (bytes.length <= 4096) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // binary: a checksum below
    }
  }
  return checksum(bytes);
}

/** Sends one request to `base` (http://127.0.0.1:PORT) and reads the whole response. */
export function send(base: string, r: ListedRequest, agent: Agent, timeoutMs = 30_000): Promise<ComparableResponse> {
  const url = new URL(r.path, base);
  const headers: string[] = ['Host', HOST];
  for (const [k, v] of r.headers ?? []) headers.push(k, v);
  const parts = r.body === undefined ? [] : Array.isArray(r.body) ? (r.body as (Uint8Array | string)[]).map(asBytes) : [asBytes(r.body as Uint8Array | string)];
  const chunked = Array.isArray(r.body);
  if (r.body !== undefined && !chunked) headers.push('Content-Length', String(parts[0]!.length));
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname, port: url.port, method: r.method, path: url.pathname + url.search, headers, agent, setHost: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        const grouped: Record<string, string[]> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          if (TRANSPORT.has(name)) continue;
          (grouped[name] ??= []).push(res.rawHeaders[i + 1]!);
        }
        const sorted = Object.fromEntries(Object.keys(grouped).sort().map((k) => [k, grouped[k]!.join(', ')]));
        resolve({ name: r.name, status: res.statusCode!, headers: sorted, bodyLength: body.length, body: describeBody(body) });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${r.method} ${r.path}: no response within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new Error(`${r.method} ${r.path} to ${base}: ${e.message}`, { cause: e })));
    if (chunked) {
      // separate writes: the server sees a chunked body in several pieces
      let i = 0;
      const next = (): void => {
        if (i === parts.length) {
          req.end();
          return;
        }
        req.write(parts[i++]!, () => setTimeout(next, 5));
      };
      next();
    } else req.end(parts[0]);
  });
}

/**
 * Sends the list to `base`, one request after another (the order matters: requests after the
 * failures check that the server still serves), and returns the comparable responses.
 *
 * @example
 * ```ts
 * assert.deepStrictEqual(await sendAll(deno), await sendAll(node));
 * ```
 */
export async function sendAll(base: string, requests: readonly ListedRequest[] = REQUESTS): Promise<ComparableResponse[]> {
  const agent = new Agent({ keepAlive: false });
  try {
    const out: ComparableResponse[] = [];
    for (const r of requests) out.push(await send(base, r, agent));
    return out;
  } finally {
    agent.destroy();
  }
}
