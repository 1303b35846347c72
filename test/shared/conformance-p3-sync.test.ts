/**
 * The first of the async and WASI 0.3 corpus (../shared/conformance-p3): the two components
 * whose synchronous functions use async built-ins, with the expectations upstream's tests check
 * (jco's test/p3 context.ts and backpressure.ts): `context.get`/`context.set` (a task's context
 * slots, zero at each task's start; each call is a task) and `backpressure.inc`/`dec` (the
 * instance's counter, which may not go below zero).
 */
import { equal, throws } from '../harness/assert.js';
import { readConformanceP3 } from '../harness/files.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

async function load(group: string) {
  const { loadComponent } = await platform();
  return loadComponent(await readConformanceP3(`components/${group}/component.wasm`));
}

describe('conformance-p3: synchronous tasks using async built-ins', () => {
  it('context-sync: context.set keeps a value for the task, and the next task starts with 0', async () => {
    const { exports } = await (await load('context-sync')).instantiate();
    const g = exports as { pushContext(v: number): number; pullContext(): number };
    equal(g.pushContext(33), 33);
    // a sync call's task ends when it returns: the next one sees an empty context
    equal(g.pullContext(), 0);
    equal(g.pushContext(0xffffffff), 0xffffffff);
    equal(g.pullContext(), 0);
  });

  it('backpressure-sync: backpressure.inc and dec change the counter; dec below zero traps', async () => {
    const { exports } = await (await load('backpressure-sync')).instantiate();
    const g = exports as { incBackpressure(): void; decBackpressure(): void };
    equal(g.incBackpressure(), undefined);
    equal(g.decBackpressure(), undefined);
    throws(() => g.decBackpressure(), { code: 'TRAP', message: /backpressure counter is already 0/ });
    throws(() => g.incBackpressure(), { code: 'INSTANCE_POISONED' });
  });
});
