/**
 * Real guests (issue "Core runtime II"): instantiating a 2 MB Rust component and the 12 MB
 * JavaScript component, first (from bytes: compile + instantiate) and again (modules compiled);
 * calls that pass a resource; memory (RSS) per live instance. isowasm and jco side by side, with
 * the same host.
 */
import { readFileSync } from 'node:fs';
import { loadComponent } from '../src/core/index.js';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { stubWasi } from '../test/harness/wasi-stub.js';
import { importJco, jcoModules, root, type Row } from './_common.js';
import { coreFloor } from './_floor.js';
import { measureAsync, measureSync, median, runProcess, type Stat } from './_measure.js';

interface Guest {
  label: string;
  which: string;
  bytes: () => Uint8Array;
  imports: () => Record<string, unknown>;
  probe: (exports: Record<string, any>) => unknown;
  want: unknown;
}

const rust: Guest = {
  label: 'Rust resource_borrow_export (1.9 MB)',
  which: 'conformance/resource_borrow_export',
  bytes: () => readFileSync(conformancePath('components/resource_borrow_export.wasm')),
  imports: () => stubWasi().imports,
  probe: (e) => { const E = e['test:resource-borrow-export/test']; return E.foo(new E.Thing(1)); },
  want: 4,
};

const js: Guest = {
  label: 'JavaScript js-guest (12 MB, componentize)',
  which: 'js-guest',
  bytes: () => readFileSync(`${root}build/fixtures/js-guest.wasm`),
  imports: () => ({}),
  probe: (e) => e['test:jsguest/api'].greet('x'),
  want: 'Hello, x!',
};

async function instantiateRows(g: Guest): Promise<Row[]> {
  const bytes = g.bytes();
  const jcoInstantiate = await importJco(g.which);
  const cached = await jcoModules(g.which);
  const get = (m: Map<string, WebAssembly.Module>) => (p: string): WebAssembly.Module => {
    const x = m.get(p);
    if (!x) throw new Error(`jco asked for an unknown core module ${p}`);
    return x;
  };
  const component = await loadComponent(bytes);
  const ours = await component.instantiate({ imports: g.imports() });
  const ref = await jcoInstantiate(get(cached), g.imports());
  if (g.probe(ours.exports) !== g.want || g.probe(ref) !== g.want) throw new Error(`${g.label}: instances disagree`);
  const first: Record<string, Stat> = {};
  for (const side of ['isowasm', 'jco']) {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push((await runProcess([`${root}build/bench/first-child.js`, side, g.which], root)).report.ms! * 1e6);
    first[side] = { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), batches: runs.length, opsPerBatch: 1 };
  }
  const floor = await coreFloor(bytes);
  floor();
  const again = await measureAsync({
    isowasm: () => component.instantiate({ imports: g.imports() }),
    jco: () => jcoInstantiate(get(cached), g.imports()),
    floor: async () => floor(),
  }, { warmupMs: 100, batchMs: 60, batches: 7 });
  return [
    { name: `${g.label}: bytes -> instance, fresh process`, isowasm: first.isowasm!, jco: first.jco!, target: '', targetNs: null, note: 'median of 3 fresh processes; isowasm: from dist/ (the linker loads in loadComponent), after importing it; jco: compiling its transpiled core modules, then instantiate (its transpile step comes on top)' },
    { name: `${g.label}: instantiate again`, isowasm: again.isowasm!, jco: again.jco!, target: '', targetNs: null, note: 'both with a new import object per instance (g.imports())' },
    { name: `  floor: its core modules alone`, isowasm: again.floor!, jco: null, target: '', targetNs: null, note: 'the component\'s core modules instantiated in its order with new WebAssembly.Instance, wired to each other\'s exports as the component wires them, with a plain JS function where it passes a lowered import or a resource built-in (no canonical ABI, no WASI host, no JS exports): see bench/_floor.ts' },
  ];
}

async function resourceRows(): Promise<Row[]> {
  const component = await loadComponent(rust.bytes());
  const ours = (await component.instantiate({ imports: rust.imports() })).exports['test:resource-borrow-export/test'];
  const jcoInstantiate = await importJco(rust.which);
  const modules = await jcoModules(rust.which);
  const ref = (await jcoInstantiate((p) => modules.get(p)!, rust.imports()))['test:resource-borrow-export/test'];
  const a = new ours.Thing(41);
  const b = new ref.Thing(41);
  if (ours.foo(a) !== 44 || ref.foo(b) !== 44) throw new Error('resource calls disagree');
  const borrow = await measureSync({ isowasm: () => ours.foo(a), jco: () => ref.foo(b) });
  const own = await measureSync({
    isowasm: () => { const t = new ours.Thing(1); t[Symbol.dispose](); return t; },
    jco: () => { const t = new ref.Thing(1); t[Symbol.dispose](); return t; },
  });
  return [
    { name: 'call passing a borrowed resource: foo(borrow<thing>) -> u32', isowasm: borrow.isowasm!, jco: borrow.jco!, target: '', targetNs: null },
    { name: 'create and drop a guest resource: new Thing(1), dispose', isowasm: own.isowasm!, jco: own.jco!, target: '', targetNs: null },
  ];
}

/** RSS growth per live instance, measured in fresh processes (bench/rss-child.ts). */
async function rssRows(g: Guest, count: number): Promise<Row[]> {
  const stats: Record<string, Stat> = {};
  for (const side of ['isowasm', 'jco']) {
    const perInstance: number[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await runProcess(['--expose-gc', `${root}build/bench/rss-child.js`, side, g.which, String(count)], root);
      perInstance.push((r.report.after! - r.report.before!) / count);
    }
    const m = median(perInstance);
    // reported in bytes, shown through the ns formatter's column as MiB in the note
    stats[side] = { median: m, min: Math.min(...perInstance), max: Math.max(...perInstance), batches: perInstance.length, opsPerBatch: count };
  }
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  return [{
    name: `${g.label}: RSS per live instance (${count} live)`,
    isowasm: null, jco: null, target: '', targetNs: null,
    note: `isowasm ${mib(stats.isowasm!.median)} (${mib(stats.isowasm!.min)}–${mib(stats.isowasm!.max)}), jco ${mib(stats.jco!.median)} (${mib(stats.jco!.min)}–${mib(stats.jco!.max)}) per instance, median of 3 fresh processes`,
  }];
}

export async function componentCases(): Promise<Row[]> {
  return [
    ...await instantiateRows(rust),
    ...await instantiateRows(js),
    ...await resourceRows(),
    ...await rssRows(rust, 50),
    ...await rssRows(js, 10),
  ];
}
