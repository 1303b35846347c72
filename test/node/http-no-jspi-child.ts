/**
 * Run by http-no-jspi.test.ts in a separate Node process with WebAssembly.Suspending removed (a
 * runtime without JSPI): serves a few requests of the http-server fixture through
 * createFetchHandler and prints, as one JSON line, what each answered and what onError heard.
 * `--no-workers` also takes the platform's workers away (a browser page that is not cross-origin
 * isolated): the instances are synchronous, and a handler granted outgoing HTTP can't serve.
 */
const wa = WebAssembly as unknown as Record<string, unknown>;
delete wa.Suspending;
delete wa.promising;
const { createFetchHandler, loadComponent, nodePlatform } = await import('../../src/index.node.js');
const { readFixture } = await import('../harness/fixtures.js');

const noWorkers = process.argv.includes('--no-workers');
const platform = noWorkers ? { ...nodePlatform, workers: null } : nodePlatform;
const component = await loadComponent(await readFixture('http-server'));
const errors: string[] = [];
const handle = createFetchHandler(component, {
  platform, maxRequestBodyBytes: 1024 * 1024,
  onError: (e) => errors.push(e.code), capabilities: { stdio: { stderr: () => {} } },
});
const out: { path: string; status: number; length: number; text: string }[] = [];
const requests: [string, string, string?][] = [
  ['GET', '/echo?a=1'], ['POST', '/raw', 'x'.repeat(200_000)], ['GET', '/stream?mb=1'], ['GET', '/trap'], ['GET', '/count'],
  ['POST', '/raw', 'y'.repeat(2 * 1024 * 1024)],
];
for (const [method, path, body] of requests) {
  // a stream, not a string: no content-length, so the limit is met while reading
  const stream = body === undefined ? undefined : new Blob([body]).stream();
  const res = await handle(new Request(`http://app.test${path}`, { method, ...(stream ? { body: stream, duplex: 'half' } : {}) } as RequestInit));
  const bytes = new Uint8Array(await res.arrayBuffer());
  out.push({ path, status: res.status, length: bytes.length, text: new TextDecoder().decode(bytes.subarray(0, 60)) });
}
await handle.close();

// outgoing HTTP needs the host to wait: without JSPI or workers, such a handler can't serve
const granted = createFetchHandler(component, { platform, capabilities: { http: { allow: ['https://api.example.com'] } }, onError: (e) => errors.push(`${e.code}: ${e.message}`) });
const refused = await granted(new Request('http://app.test/echo'));
out.push({ path: 'granted http', status: refused.status, length: 0, text: '' });
await granted.close();
console.log(JSON.stringify({ jspi: typeof wa.Suspending, out, errors }));
