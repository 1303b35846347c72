/**
 * Child of case 5, run in a fresh Node process:
 *   node fresh-child.js isowasm|isowasm-dist|isowasm-node-dist|jco|jco-transpile <adder.wasm>
 * Reads the adder's bytes (isowasm: the component; jco: the core modules of its already-transpiled
 * bindings), imports the runtime (isowasm's core, or with isowasm-node-dist the whole `isowasm`
 * entry for Node, dist/index.node.js; jco's generated bindings), then times from
 * having the bytes in memory to the first call's result. Prints `BENCH {json}` (ms).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { jcoDir, root, type JcoInstantiate } from './_common.js';

const which = process.argv[2];
/** the adder component's path (the parent resolves it: see test/harness/conformance-dir.ts) */
const adderPath = process.argv[3]!;
const tStart = performance.now();

if (which === 'isowasm' || which === 'isowasm-dist' || which === 'isowasm-node-dist') {
  const bytes = readFileSync(adderPath);
  const tImport = performance.now();
  // isowasm as compiled by tsc (one ES module per source file), or the rollup bundle in dist/
  const { loadComponent } = which === 'isowasm'
    ? await import('../src/core/index.js')
    : (await import(pathToFileURL(`${root}dist/${which === 'isowasm-dist' ? 'core' : 'index.node'}.js`).href)) as typeof import('../src/core/index.js');
  const t0 = performance.now();
  const component = await loadComponent(bytes);
  const { exports } = await component.instantiate({ imports: {} });
  const r = exports['docs:adder/add@0.1.0'].add(1, 2) as number;
  const t1 = performance.now();
  if (r !== 3) throw new Error(`add(1, 2) returned ${r}`);
  console.log(`BENCH ${JSON.stringify({ importMs: t0 - tImport, firstCallMs: t1 - t0, sinceStartMs: t1 - tStart, sinceProcessMs: t1 })}`);
} else if (which === 'jco') {
  const dir = jcoDir('conformance/adder');
  const files = new Map(readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => [f, readFileSync(`${dir}${f}`)]));
  const tImport = performance.now();
  const { instantiate } = (await import(pathToFileURL(`${dir}adder.js`).href)) as { instantiate: JcoInstantiate };
  const t0 = performance.now();
  const exports = await instantiate((p) => WebAssembly.compile(files.get(p)!), {});
  const r = exports['docs:adder/add@0.1.0'].add(1, 2) as number;
  const t1 = performance.now();
  if (r !== 3) throw new Error(`add(1, 2) returned ${r}`);
  console.log(`BENCH ${JSON.stringify({ importMs: t0 - tImport, firstCallMs: t1 - t0, sinceStartMs: t1 - tStart, sinceProcessMs: t1 })}`);
} else if (which === 'jco-transpile') {
  // jco's transpile API on the adder, in a fresh process: import time and transpile time
  const bytes = readFileSync(adderPath);
  const tImport = performance.now();
  const { transpile } = await import('@bytecodealliance/jco');
  const t0 = performance.now();
  const { files } = await transpile(bytes, { name: 'adder', instantiation: 'async', noTypescript: true });
  const t1 = performance.now();
  if (!files['adder.js']) throw new Error('transpile produced no adder.js');
  console.log(`BENCH ${JSON.stringify({ importMs: t0 - tImport, transpileMs: t1 - t0, sinceProcessMs: t1 })}`);
} else {
  throw new Error('usage: fresh-child.js isowasm|isowasm-dist|isowasm-node-dist|jco|jco-transpile <adder.wasm>');
}
