/**
 * Component-model async's rules, broken on purpose by a hand-written guest
 * (test/fixtures/async-traps.wat): a task that ends without `task.return`, returns twice, answers
 * with a code that is no callback code, or drops something that is not a subtask traps with a
 * message saying so, and its instance is ended; tasks that keep the rules return at once or after
 * a yield, and one waiting on an empty set keeps waiting without blocking anything else (until
 * `limits.timeoutMs`, which ends it).
 */
import { equal, ok, rejects } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

type Guest = Record<'ok' | 'twice' | 'never' | 'badCode' | 'dropBad' | 'yield' | 'waitEmpty', (x: number) => Promise<number>>;

async function instance(limits?: { timeoutMs: number }): Promise<Guest> {
  const { loadComponent } = await platform();
  const component = await loadComponent(await readFixture('async-traps'));
  return (await component.instantiate(limits ? { limits } : {})).exports as unknown as Guest;
}

describe('component-model async: the rules a task must keep', () => {
  it('a task returns its value with task.return, at once or after yielding', async () => {
    const g = await instance();
    equal(await g.ok(5), 6);
    equal(await g.yield(5), 42);
    equal(await g.ok(7), 8);
  });

  it('ending a task without task.return traps, and the instance is ended', async () => {
    const g = await instance();
    await rejects(g.never(1), { code: 'TRAP', message: /without calling task\.return/ });
    await rejects(g.ok(1), { code: 'INSTANCE_POISONED' });
  });

  it('task.return twice traps: the caller has the first value, and the instance is ended with the trap', async () => {
    const g = await instance();
    equal(await g.twice(5), 5);
    const e = await rejects(g.ok(1), { code: 'INSTANCE_POISONED' }) as Error;
    ok(/task\.return was called twice/.test(String((e.cause as Error | undefined)?.message ?? e.message)), String(e.message));
  });

  it('a callback code that is none of exit, yield and wait traps', async () => {
    const g = await instance();
    await rejects(g.badCode(1), { code: 'TRAP', message: /not a callback code/ });
  });

  it('dropping something that is not a subtask traps', async () => {
    const g = await instance();
    await rejects(g.dropBad(1), { code: 'TRAP', message: /99 is not a subtask/ });
  });

  it('a task waiting on an empty set waits; other tasks of the instance go on', async () => {
    const g = await instance();
    const waiting = g.waitEmpty(1);
    let settled = false;
    void waiting.then(() => { settled = true; }, () => { settled = true; });
    equal(await g.ok(1), 2);
    await new Promise((r) => setTimeout(r, 20));
    equal(settled, false);
  });

  it('with limits.timeoutMs, a task that never returns ends its instance with TIMEOUT (it does not wait forever)', async () => {
    const g = await instance({ timeoutMs: 100 });
    equal(await g.ok(1), 2);
    await rejects(g.waitEmpty(1), { code: 'TIMEOUT', message: /waitEmpty|wait-empty/ });
    await rejects(g.ok(1), { code: 'INSTANCE_POISONED' });
  });
});
