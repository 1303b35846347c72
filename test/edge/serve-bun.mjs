// A wasi:http component on Bun: the recipe of README.md's "Deploy to the edge", run by
// test/node/edge-runtimes.test.ts as
//   bun serve-bun.mjs app.wasm PORT [ORIGIN...]
// Bun resolves `isowasm` to its Node build (the `node` export condition); requests wait with
// JSPI, which Bun has (WebAssembly.Suspending, checked by feature, as isowasm always does).
import { createFetchHandler, loadComponent } from 'isowasm';

// ORIGINs: where the guest's own outgoing requests may go
const [file = 'app.wasm', port = '8000', ...allow] = process.argv.slice(2);
const handle = createFetchHandler(await loadComponent(file), {
  instances: { warm: 1 },
  ...(allow.length ? { capabilities: { http: { allow } } } : {}),
  onError: (error, request) => console.error(`isowasm: ${request.method} ${new URL(request.url).pathname}: ${error.code}: ${error.message}`),
});
const server = Bun.serve({ hostname: '127.0.0.1', port: Number(port), fetch: handle });
console.log(`listening on ${server.url}`);
