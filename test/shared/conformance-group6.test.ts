/**
 * Conformance group 6 (asynchronous host through JSPI): async_call. The host's `callAsync`
 * returns a promise; with `async: { exports: ['run-async'] }` the guest suspends on it and
 * `runAsync()` returns a promise, while `runSync()` stays a plain synchronous call. Needs
 * `WebAssembly.Suspending` (Node 24+, Chromium 137+).
 */
import { IsowasmError } from '../../src/core/index.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { type Host, start, thrown } from './_conformance-hosts-2.js';

const I = 'something:test/test-interface';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const host = (callAsync: () => Promise<string>): Host => (log) => ({
  [I]: {
    callSync: () => { log.push(['callSync']); return 'called sync'; },
    callAsync: () => { log.push(['callAsync']); return callAsync(); },
  },
});

/** jco's flags for this test: --async-imports=something:test/test-interface#call-async --async-exports=run-async */
const asyncRunAsync = { imports: [`${I}#call-async`], exports: ['run-async'] };

describe('conformance group 6: async_call (JSPI)', () => {
  it('this environment has JSPI (WebAssembly.Suspending and WebAssembly.promising)', () => {
    const wa = WebAssembly as unknown as Record<string, unknown>;
    equal(typeof wa.Suspending, 'function');
    equal(typeof wa.promising, 'function');
  });

  it('runSync() is a plain synchronous call returning "called sync"', async () => {
    const r = await start('async_call', 'isowasm', host(async () => 'called async'), { async: asyncRunAsync });
    const v: unknown = r.exports.runSync();
    ok(!(v instanceof Promise), 'runSync() must not return a promise');
    equal(v, 'called sync');
    deepEqual(r.log, [['callSync']]);
  });

  it('runAsync() returns a promise that resolves to "called async" once the host\'s promise settles', async () => {
    const r = await start('async_call', 'isowasm', host(async () => {
      await sleep(10);
      return 'called async';
    }), { async: asyncRunAsync });
    const p: unknown = r.exports.runAsync();
    ok(p instanceof Promise, 'runAsync() returns a promise');
    equal(await p, 'called async');
    // the instance is usable afterwards, synchronously and asynchronously
    equal(r.exports.runSync(), 'called sync');
    equal(await r.exports.runAsync(), 'called async');
    deepEqual(r.log, [['callAsync'], ['callSync'], ['callAsync']]);
  });

  it('with only async: { exports: [\'run-async\'] }, a host callAsync declared `async` is taken as asynchronous', async () => {
    const log: string[] = [];
    const c = await start('async_call', 'isowasm', () => ({
      [I]: {
        callSync: () => 'called sync',
        callAsync: async () => {
          log.push('callAsync');
          await sleep(5);
          return 'called async';
        },
      },
    }), { async: { exports: ['run-async'] } });
    const p: unknown = c.exports.runAsync();
    ok(p instanceof Promise, 'runAsync() returns a promise');
    equal(await p, 'called async');
    equal(c.exports.runSync(), 'called sync');
    deepEqual(log, ['callAsync']);
  });

  it('three concurrent runAsync() calls on one instance each get their own result (the host answers later calls sooner)', async () => {
    let n = 0;
    const r = await start('async_call', 'isowasm', host(async () => {
      const k = ++n;
      await sleep(40 - k * 10);
      return `result ${k}`;
    }), { async: asyncRunAsync });
    const results = await Promise.all([r.exports.runAsync(), r.exports.runAsync(), r.exports.runAsync()]);
    deepEqual(results, ['result 1', 'result 2', 'result 3']);
    equal(n, 3);
  });

  it('concurrent runAsync() calls on three instances sharing one host get their own results when the host resolves them in reverse order', async () => {
    const pending: Array<(v: string) => void> = [];
    let allPending: () => void = () => {};
    const three = new Promise<void>((resolve) => { allPending = resolve; });
    const shared = host(() => new Promise<string>((resolve) => {
      pending.push(resolve);
      if (pending.length === 3) allPending();
    }));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await start('async_call', 'isowasm', shared, { async: asyncRunAsync }));
    const order: number[] = [];
    const promises = runs.map((r, i) => (r.exports.runAsync() as Promise<string>).then((v) => { order.push(i); return v; }));
    await three;
    for (let i = 2; i >= 0; i--) {
      pending[i]!(`answer ${i}`);
      await sleep(1);
    }
    deepEqual(await Promise.all(promises), ['answer 0', 'answer 1', 'answer 2']);
    deepEqual(order, [2, 1, 0], 'each call finished when its own host promise settled');
  });

  it('a rejected host promise makes runAsync() reject (HOST_ERROR), and the instance is dead afterwards', async () => {
    const r = await start('async_call', 'isowasm', host(async () => {
      await sleep(1);
      throw new Error('host failed');
    }), { async: asyncRunAsync });
    const e = await rejects(() => r.exports.runAsync() as Promise<unknown>, { instanceOf: IsowasmError });
    equal((e as IsowasmError).code, 'HOST_ERROR', (e as Error).message);
    const again = thrown(() => r.exports.runSync());
    ok(again instanceof IsowasmError, String(again));
    equal(again.code, 'INSTANCE_POISONED');
  });

  it('calling run-async synchronously (not listed in the async exports) fails with TRAP, naming the fix; the instance is dead afterwards', async () => {
    const r = await start('async_call', 'isowasm', host(async () => 'called async'), { async: { imports: [`${I}#call-async`], exports: [] } });
    const e = thrown(() => r.exports.runAsync());
    ok(e instanceof IsowasmError, `expected an IsowasmError, got ${String(e)}`);
    equal(e.code, 'TRAP', e.message);
    ok(e.message.includes('run-async') && e.message.includes("async: { exports: ['run-async'] }"), `the message names the fix: ${e.message}`);
    const again = thrown(() => r.exports.runSync());
    ok(again instanceof IsowasmError, String(again));
    equal(again.code, 'INSTANCE_POISONED');
  });

  it('without the async option at all, runSync() still works', async () => {
    const r = await start('async_call', 'isowasm', host(async () => 'called async'));
    equal(r.exports.runSync(), 'called sync');
  });
});
