/**
 * Run by strategy-lifetime.test.ts with --expose-gc: counts the workers the 'worker' strategy
 * stops. One instance is dropped and garbage collected (its worker must stop); another stays
 * referenced, idle and never terminated (the process must still end by itself).
 */
const { loadComponent } = await import('../../src/index.node.js');
const { setWorkerPlatform, workerPlatform } = await import('../../src/core/worker/platform.js');
const { conformancePath } = await import('../harness/conformance-dir.js');

const base = workerPlatform();
if (!base) throw new Error('the Node entry registers its worker platform');
let started = 0;
let stopped = 0;
setWorkerPlatform({
  name: base.name,
  instantiate: base.instantiate,
  missing: () => base.missing(),
  spawn(events) {
    started++;
    const w = base.spawn(events);
    return { post: (m) => w.post(m), hold: (a) => w.hold(a), terminate: () => { stopped++; w.terminate(); } };
  },
});

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const I = 'something:test/test-interface';
const imports = { [I]: { callSync: () => 'called sync', callAsync: async () => 'called async' } };
const component = await loadComponent(conformancePath('components/async_call.wasm'));

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
