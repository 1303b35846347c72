/**
 * Run by strategy-lifetime.test.ts with --expose-gc: counts the workers the 'worker' strategy
 * stops. One instance is dropped and garbage collected (its worker must stop); another stays
 * referenced, idle and never terminated (the process must still end by itself).
 */
import type { WorkerPlatform } from '../../src/core/index.js';

const { loadComponent, nodePlatform, nodeWorkers: base } = await import('../../src/index.node.js');
const { conformancePath } = await import('../harness/conformance-dir.js');

let started = 0;
let stopped = 0;
const counting: WorkerPlatform = {
  name: base.name,
  instantiate: base.instantiate,
  missing: () => base.missing(),
  spawn(events) {
    started++;
    const w = base.spawn(events);
    return { post: (m) => w.post(m), hold: (a) => w.hold(a), terminate: () => { stopped++; w.terminate(); } };
  },
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const I = 'something:test/test-interface';
const imports = { [I]: { callSync: () => 'called sync', callAsync: async () => 'called async' } };
const component = await loadComponent(conformancePath('components/async_call.wasm'), { platform: { ...nodePlatform, workers: counting } });

const kept = await component.instantiate({ strategy: 'worker', imports });
const keptResult: unknown = await kept.exports.runSync();

async function useAndDrop(): Promise<unknown> {
  const dropped = await component.instantiate({ strategy: 'worker', imports });
  return dropped.exports.runAsync();
}
const droppedResult = await useAndDrop();
for (let i = 0; i < 50 && stopped === 0; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(JSON.stringify({ started, stopped, keptResult, droppedResult, keptStrategy: kept.strategy }));
