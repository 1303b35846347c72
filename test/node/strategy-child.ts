/**
 * Run by strategy-no-jspi.test.ts in a separate Node process: instantiates async_call and c-cli
 * with the default strategy and reports, as one JSON line, what was chosen and what the calls
 * returned. `--delete-jspi` removes WebAssembly.Suspending first (a Node without JSPI). It never
 * terminates its instances: the process must still end on its own.
 */
if (process.argv.includes('--delete-jspi')) {
  const wa = WebAssembly as unknown as Record<string, unknown>;
  delete wa.Suspending;
  delete wa.promising;
}
const { loadComponent } = await import('../../src/index.node.js');
const { conformancePath } = await import('../harness/conformance-dir.js');

const I = 'something:test/test-interface';
const asyncCall = await loadComponent(conformancePath('components/async_call.wasm'));
const inst = await asyncCall.instantiate({
  async: { exports: ['run-async'] },
  imports: {
    [I]: {
      callSync: () => 'called sync',
      callAsync: () => new Promise<string>((resolve) => setTimeout(() => resolve('called async'), 50)),
    },
  },
});
const runSync: unknown = await inst.exports.runSync();
const runAsync: unknown = await inst.exports.runAsync();

const out: Uint8Array[] = [];
const cli = await (await loadComponent(new URL('../../fixtures/c-cli.wasm', import.meta.url))).instantiate({
  async: true,
  capabilities: { args: ['prog'], stdio: { stdout: (b) => out.push(b.slice()), stderr: null } },
});
await cli.exports['wasi:cli/run'].run();
const stdout = new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c])));

console.log(JSON.stringify({
  node: process.version,
  jspi: typeof (WebAssembly as unknown as Record<string, unknown>).Suspending,
  strategy: inst.strategy,
  cliStrategy: cli.strategy,
  runSync,
  runAsync,
  stdout,
}));
