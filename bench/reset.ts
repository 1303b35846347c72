/**
 * Resetting an instance to pristine (`instance.reset()`) against instantiating again, for the
 * bench components: the target is a reset at least 5x faster than instantiating again,
 * for the 1.9 MB Rust guest and the 12 MB JS guest. jco has no reset: its column is what a jco
 * user pays for a pristine instance, instantiating its bindings again.
 */
import { readFileSync } from 'node:fs';
import { loadComponent } from '../src/core/index.js';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { stubWasi } from '../test/harness/wasi-stub.js';
import { importJco, jcoModules, root, type Row } from './_common.js';
import { formatNs, measureAsync } from './_measure.js';

interface Guest {
  label: string;
  which: string;
  bytes: () => Uint8Array;
  imports: () => Record<string, unknown>;
  /** a call that changes the guest's state (so each reset has something to undo) */
  dirty: (exports: Record<string, any>) => unknown;
}

const guests: Guest[] = [
  {
    label: 'adder',
    which: 'conformance/adder',
    bytes: () => readFileSync(conformancePath('components/adder.wasm')),
    imports: () => ({}),
    dirty: (e) => e['docs:adder/add@0.1.0'].add(1, 2),
  },
  {
    label: 'Rust resource_borrow_export (1.9 MB)',
    which: 'conformance/resource_borrow_export',
    bytes: () => readFileSync(conformancePath('components/resource_borrow_export.wasm')),
    imports: () => stubWasi().imports,
    dirty: (e) => { const E = e['test:resource-borrow-export/test']; return E.foo(new E.Thing(1)); },
  },
  {
    label: 'JavaScript js-guest (12 MB, componentize)',
    which: 'js-guest',
    bytes: () => readFileSync(`${root}build/fixtures/js-guest.wasm`),
    imports: () => ({}),
    dirty: (e) => e['test:jsguest/api'].greet('x'.repeat(1000)),
  },
];

async function rows(g: Guest): Promise<Row[]> {
  const component = await loadComponent(g.bytes());
  const inst = await component.instantiate({ imports: g.imports(), resettable: true });
  const jcoInstantiate = await importJco(g.which);
  const modules = await jcoModules(g.which);
  const get = (p: string): WebAssembly.Module => modules.get(p)!;
  const opts = { warmupMs: 100, batchMs: 60, batches: 7 };
  const again = await measureAsync({
    isowasm: () => component.instantiate({ imports: g.imports() }),
    jco: () => jcoInstantiate(get, g.imports()),
  }, opts);
  // a reset copies the saved memory and clears the rest, however little the calls changed: its
  // cost is the same after one call as after many, so it is measured on its own, after one
  g.dirty(inst.exports);
  const reset = await measureAsync({ isowasm: () => inst.reset() }, opts);
  // a pristine instance and its first call (a cold guest: the JS engine inside starts over)
  const firstCall = await measureAsync({
    isowasm: async () => {
      await inst.reset();
      g.dirty(inst.exports);
    },
    jco: async () => g.dirty(await jcoInstantiate(get, g.imports())),
  }, opts);
  const againNs = again.isowasm!.median;
  const resetNs = reset.isowasm!.median;
  return [
    { name: `${g.label}: instantiate again (modules compiled)`, isowasm: again.isowasm!, jco: again.jco!, target: '', targetNs: null },
    {
      name: '  reset to pristine: instance.reset()', isowasm: reset.isowasm!, jco: again.jco!, target: `≥ 5x faster than instantiate again (≤ ${formatNs(againNs / 5)})`, targetNs: againNs / 5,
      note: `jco has no reset: its column is instantiating again; the reset is ${(againNs / Math.max(resetNs, 1)).toFixed(1)}x faster than isowasm's instantiate again`,
    },
    { name: '  pristine instance and its first call (reset + call; jco: instantiate + call)', isowasm: firstCall.isowasm!, jco: firstCall.jco!, target: '', targetNs: null },
  ];
}

export async function resetCases(): Promise<Row[]> {
  const out: Row[] = [];
  for (const g of guests) out.push(...await rows(g));
  return out;
}
