// A wasi:http component on Deno: the recipe of README.md's "Deploy to the edge", run by
// test/node/edge-runtimes.test.ts as
//   deno run --allow-read --allow-net=127.0.0.1 serve-deno.mjs app.wasm PORT [ORIGIN...]
// Deno resolves `isowasm` to its Node build (the `node` export condition), whose loadComponent
// reads the file through node:fs; requests wait with JSPI, which Deno has.
import { createFetchHandler, loadComponent } from 'isowasm';

// ORIGINs: where the guest's own outgoing requests may go (Deno's --allow-net must allow them too)
const [file = 'app.wasm', port = '8000', ...allow] = Deno.args;
const handle = createFetchHandler(await loadComponent(file), {
  instances: { warm: 1 },
  ...(allow.length ? { capabilities: { http: { allow } } } : {}),
  onError: (error, request) => console.error(`isowasm: ${request.method} ${new URL(request.url).pathname}: ${error.code}: ${error.message}`),
});
Deno.serve({
  hostname: '127.0.0.1',
  port: Number(port),
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
}, handle);
