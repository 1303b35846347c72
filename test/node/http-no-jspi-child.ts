/**
 * Run by http-no-jspi.test.ts in a separate Node process with WebAssembly.Suspending removed (a
 * runtime without JSPI): serves a few requests of the http-server fixture through
 * createFetchHandler and prints, as one JSON line, what each answered and the strategy used.
 */
const wa = WebAssembly as unknown as Record<string, unknown>;
delete wa.Suspending;
delete wa.promising;
const { createFetchHandler, loadComponent } = await import('../../src/index.node.js');
const { readFixture } = await import('../harness/fixtures.js');

const component = await loadComponent(await readFixture('http-server'));
const errors: string[] = [];
const handle = createFetchHandler(component, { onError: (e) => errors.push(e.code), capabilities: { stdio: { stderr: () => {} } } });
const out: { path: string; status: number; length: number; text: string }[] = [];
for (const [method, path, body] of [['GET', '/echo?a=1'], ['POST', '/raw', 'x'.repeat(200_000)], ['GET', '/stream?mb=1'], ['GET', '/trap'], ['GET', '/count']] as const) {
  const res = await handle(new Request(`http://app.test${path}`, { method, ...(body ? { body } : {}) }));
  const bytes = new Uint8Array(await res.arrayBuffer());
  out.push({ path, status: res.status, length: bytes.length, text: new TextDecoder().decode(bytes.subarray(0, 60)) });
}
await handle.close();
console.log(JSON.stringify({ jspi: typeof wa.Suspending, out, errors }));
