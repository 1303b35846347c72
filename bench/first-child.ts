/**
 * Run in a fresh process by bench/components.ts: `first-child <isowasm|jco> <which>`. Times the
 * first instantiation from bytes already in memory (isowasm: load + instantiate; jco: compile its
 * transpiled core modules + instantiate) and prints `BENCH {"ms":..}`. Fresh processes keep V8's
 * in-process cache of compiled modules out of the measurement.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { stubWasi } from '../test/harness/wasi-stub.js';
import { importJco, jcoDir, root } from './_common.js';

const [side, which] = process.argv.slice(2) as [string, string];
const name = which.split('/').pop()!;
const imports = which.startsWith('conformance/') ? stubWasi().imports : {};
let ms: number;
if (side === 'isowasm') {
  // the rollup bundle users get (dist/, two chunks) where it is built; else the tsc output, one
  // module per file, whose lazily loaded linker costs a file read and link per module
  const dist = `${root}dist/core.js`;
  const { loadComponent } = (await import(existsSync(dist) ? pathToFileURL(dist).href : '../src/core/index.js')) as typeof import('../src/core/index.js');
  const bytes = which.startsWith('conformance/') ? readFileSync(conformancePath(`components/${name}.wasm`)) : readFileSync(`${root}build/fixtures/${name}.wasm`);
  const t0 = performance.now();
  await (await loadComponent(bytes)).instantiate({ imports });
  ms = performance.now() - t0;
} else {
  const jcoInstantiate = await importJco(which);
  const dir = jcoDir(which);
  const files = readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => [f, readFileSync(`${dir}${f}`)] as const);
  const t0 = performance.now();
  const modules = new Map(await Promise.all(files.map(async ([f, b]) => [f, await WebAssembly.compile(b)] as const)));
  await jcoInstantiate((p) => modules.get(p)!, imports);
  ms = performance.now() - t0;
}
console.log(`BENCH ${JSON.stringify({ ms })}`);
