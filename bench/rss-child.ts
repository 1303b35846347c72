/**
 * Run in a fresh process by bench/components.ts: `rss-child <isowasm|jco> <which> <count>`.
 * Loads one component, keeps `count` instances alive, and prints the process RSS before the first
 * and after the last instance (after a GC when exposed): `BENCH {"before":..,"after":..}`.
 */
import { readFileSync } from 'node:fs';
import { loadComponent } from '../src/core/index.js';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { stubWasi } from '../test/harness/wasi-stub.js';
import { importJco, jcoModules, root } from './_common.js';

const [side, which, countText] = process.argv.slice(2) as [string, string, string];
const count = Number(countText);
const name = which.split('/').pop()!;
const bytes = which.startsWith('conformance/') ? readFileSync(conformancePath(`components/${name}.wasm`)) : readFileSync(`${root}build/fixtures/${name}.wasm`);
const imports = (): Record<string, unknown> => (which.startsWith('conformance/') ? stubWasi().imports : {});
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const live: unknown[] = [];
let make: () => Promise<unknown>;
if (side === 'isowasm') {
  const component = await loadComponent(bytes);
  make = () => component.instantiate({ imports: imports() });
} else {
  const jcoInstantiate = await importJco(which);
  const modules = await jcoModules(which);
  make = () => jcoInstantiate((p) => modules.get(p)!, imports());
}
live.push(await make()); // the first instance pays one-time costs (code, caches) on both sides
gc();
const before = process.memoryUsage().rss;
for (let i = 0; i < count; i++) live.push(await make());
gc();
const after = process.memoryUsage().rss;
console.log(`BENCH ${JSON.stringify({ before, after, live: live.length })}`);
