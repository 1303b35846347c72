/**
 * The floor of instantiating a component: its core modules instantiated alone, in the order the
 * component instantiates them, each given the exports of the instances before it (memories,
 * tables, globals, functions) as the component wires them, and a plain JS function (no canonical
 * ABI) wherever the component passes a lowered host import or a resource built-in. What a
 * runtime adds on top of this is its linking and the JS side of the exports.
 */
import { parseComponent } from '../src/core/binary/parse-component.js';
import type { ComponentModel, CoreSort } from '../src/core/binary/model.js';

type Exports = Record<string, unknown>;

/** Compiles the component's core modules; the returned function instantiates them all once. */
export async function coreFloor(bytes: Uint8Array): Promise<() => Exports[]> {
  const model = parseComponent(bytes);
  for (const c of model.components) {
    if (c.kind === 'defined' && hasCoreInstances(c.model)) throw new Error('coreFloor: a nested component instantiates core modules; not supported');
  }
  const compiled = new Map<number, WebAssembly.Module>();
  for (const m of model.allModules) compiled.set(m.id, await WebAssembly.compile(m.bytes as Uint8Array<ArrayBuffer>));
  const moduleOf = (i: number): WebAssembly.Module => {
    const e = model.coreModules[i];
    if (e?.kind !== 'defined') throw new Error(`coreFloor: core module ${i} is not defined in the component`);
    return compiled.get(e.id)!;
  };
  const steps = model.steps.filter((s) => s.space === 'core-instance').map((s) => s.index);
  return () => {
    const instances: (Exports | undefined)[] = [];
    const instance = (i: number): Exports => {
      const done = instances[i];
      if (done) return done;
      const e = model.coreInstances[i]!;
      if (e.kind !== 'exports') throw new Error(`coreFloor: core instance ${i} is used before it is made`);
      const out: Exports = {};
      for (const item of e.items) out[item.name] = core(item.sort, item.index);
      return (instances[i] = out);
    };
    const core = (sort: CoreSort, i: number): unknown => {
      if (sort === 'func') {
        const f = model.coreFuncs[i]!;
        return f.kind === 'export' ? instance(f.instance)[f.name] : () => 0;
      }
      const table = sort === 'memory' ? model.coreMemories : sort === 'table' ? model.coreTables : sort === 'global' ? model.coreGlobals : sort === 'tag' ? model.coreTags : null;
      if (!table) throw new Error(`coreFloor: core ${sort} items are not supported`);
      const e = table[i]!;
      return instance(e.instance)[e.name];
    };
    for (const i of steps) {
      const e = model.coreInstances[i]!;
      if (e.kind !== 'instantiate') continue;
      const imports: Record<string, Exports> = {};
      for (const a of e.args) imports[a.name] = instance(a.instance);
      instances[i] = new WebAssembly.Instance(moduleOf(e.module), imports as WebAssembly.Imports).exports as Exports;
    }
    return instances.filter((x): x is Exports => x !== undefined);
  };
}

function hasCoreInstances(m: ComponentModel): boolean {
  return m.coreInstances.some((c) => c.kind === 'instantiate') || m.components.some((c) => c.kind === 'defined' && hasCoreInstances(c.model));
}
