/**
 * Cancelling a call into another instance (`subtask.cancel`), with two hand-written guests linked
 * at run time (test/fixtures/async-cancel-{caller,callee}.wat): a started callee is told
 * (TASK_CANCELLED) and ends with `task.cancel`, so the caller's subtask resolves as cancelled after
 * it started (4); a call held back by the callee's backpressure ends before it starts (3) and the
 * callee never sees it. Both at once, inside `subtask.cancel`, as the specification resolves them.
 */
import { equal } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

interface Callee { wait(): Promise<number>; hold(): void; release(): void; cancelled(): number }
interface Caller { run(): Promise<number>; blocked(): number }

async function pair(): Promise<{ callee: Callee; caller: Caller }> {
  const { loadComponent } = await platform();
  const callee = (await (await loadComponent(await readFixture('async-cancel-callee'))).instantiate()).exports as unknown as Callee;
  const caller = (await (await loadComponent(await readFixture('async-cancel-caller'))).instantiate({ imports: { wait: callee.wait } })).exports as unknown as Caller;
  return { callee, caller };
}

describe('component-model async: cancelling a subtask', () => {
  it('a started callee is told, ends with task.cancel, and the caller sees CANCELLED_BEFORE_RETURNED (4)', async () => {
    const { callee, caller } = await pair();
    equal(await caller.run(), 4);
    // told inside subtask.cancel (its callback called then), so the cancel was not BLOCKED
    equal(caller.blocked(), 0);
    equal(callee.cancelled(), 1);
    equal(await caller.run(), 4);
    equal(callee.cancelled(), 2);
  });

  it('a call held back by backpressure ends before it starts (3); the callee never runs it', async () => {
    const { callee, caller } = await pair();
    callee.hold();
    equal(await caller.run(), 3);
    equal(caller.blocked(), 0);
    equal(callee.cancelled(), 0);
    callee.release();
    equal(await caller.run(), 4);
    equal(callee.cancelled(), 1);
  });
});
