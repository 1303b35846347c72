/**
 * Case 4: instantiating a small component again once its core modules are compiled. isowasm:
 * `component.instantiate()` on a loaded Component; jco: its generated `instantiate(getCoreModule,
 * imports)` with the modules compiled beforehand (getCoreModule returns them synchronously).
 * Measured on the conformance adder (a Rust guest: one core module with 17 pages of memory) and
 * on the hand-written echo fixture (one page), with the bare `new WebAssembly.Instance` of the
 * same core module beside them: the floor both runtimes stand on.
 */
import { readFileSync } from 'node:fs';
import { loadComponent } from '../src/core/index.js';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { host, importJco, jcoModules, root, type Row } from './_common.js';
import { measureAsync } from './_measure.js';

async function instantiateCase(name: string, which: string, bytes: Uint8Array, probe: (exports: Record<string, any>) => unknown, want: unknown): Promise<Row[]> {
  const component = await loadComponent(bytes);
  const jcoInstantiate = await importJco(which);
  const modules = await jcoModules(which);
  const getCoreModule = (p: string): WebAssembly.Module => {
    const m = modules.get(p);
    if (!m) throw new Error(`jco asked for an unknown core module ${p}`);
    return m;
  };
  const imports = host();

  const ours = await component.instantiate({ imports });
  const ref = await jcoInstantiate(getCoreModule, imports);
  if (probe(ours.exports) !== want || probe(ref) !== want) throw new Error(`${name}: instances disagree`);

  const [core] = [...modules.values()];
  if (modules.size !== 1 || !core) throw new Error(`${name}: expected one core module`);
  const m = await measureAsync({
    isowasm: () => component.instantiate({ imports }),
    jco: () => jcoInstantiate(getCoreModule, imports),
    floor: async () => new WebAssembly.Instance(core, {}),
  });
  return [
    { name: `instantiate ${name} again (modules compiled)`, isowasm: m.isowasm!, jco: m.jco!, target: '≤ 50 µs', targetNs: 50_000 },
    { name: `  floor: new WebAssembly.Instance of its core module`, isowasm: m.floor!, jco: null, target: '', targetNs: null, note: 'what both runtimes pay for the core instance (its memory) alone' },
  ];
}

export async function instantiateCases(): Promise<Row[]> {
  return [
    ...await instantiateCase('adder', 'conformance/adder', readFileSync(conformancePath('components/adder.wasm')), (e) => e['docs:adder/add@0.1.0'].add(2, 3), 5),
    ...await instantiateCase('bench-echo', 'bench-echo', readFileSync(`${root}build/fixtures/bench-echo.wasm`), (e) => e.echo('hi'), 'hi'),
  ];
}
