/**
 * How 'auto' chooses, and the errors of strategies a platform lacks, in Node and in Chromium. A
 * platform without JSPI is simulated by removing WebAssembly.Suspending for the length of a
 * test; one without workers by registering no worker platform (or one that reports what it
 * lacks, as a browser page that is not cross-origin isolated does).
 */
import { IsowasmError } from '../../src/core/index.js';
import type { GuestWorker, WorkerPlatform } from '../../src/core/worker/platform.js';
import { equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import type { Host } from './_conformance-hosts-2.js';
import { failure, fixtureWith, sleep, startWith, withWorkers, withoutJspi } from './strategy-harness.js';
import { instantiateInWorker } from '../../src/core/worker/parent.js';

const I = 'something:test/test-interface';
const host: Host = () => ({
  [I]: {
    callSync: () => 'called sync',
    callAsync: async () => {
      await sleep(5);
      return 'called async';
    },
  },
});

function isowasmError(e: unknown, code: string, ...phrases: string[]): IsowasmError {
  ok(e instanceof IsowasmError, `expected an IsowasmError, got ${String(e)}`);
  equal(e.code, code, e.message);
  for (const p of phrases) ok(e.message.includes(p), `the message names ${p}: ${e.message}`);
  return e;
}

const JSPI = 'WebAssembly.Suspending';

describe('strategy option', () => {
  it('anything but auto, jspi, worker or sync is a TypeError naming the choices', async () => {
    const e = await failure(() => startWith('async_call', 'fast' as never, host));
    ok(e instanceof TypeError, String(e));
    ok(e.message.includes("'auto', 'jspi', 'worker', 'sync'") && e.message.includes("'fast'"), e.message);
  });

  it('auto: an instance that is not asynchronous runs with sync; its exports return plain values', async () => {
    const r = await startWith('async_call', 'auto', host);
    equal(r.instance.strategy, 'sync');
    equal(r.exports.runSync(), 'called sync');
  });

  it('auto: an asynchronous instance takes JSPI where the platform has it', async () => {
    const r = await startWith('async_call', 'auto', host, { async: { exports: ['run-async'] } });
    equal(r.instance.strategy, 'jspi');
    equal(await r.exports.runAsync(), 'called async');
  });

  it('auto: without JSPI, an asynchronous instance runs in a worker, with the same results', async () => {
    await withoutJspi(async () => {
      const r = await startWith('async_call', 'auto', host, { async: { exports: ['run-async'] } });
      equal(r.instance.strategy, 'worker');
      equal(await r.exports.runSync(), 'called sync');
      equal(await r.exports.runAsync(), 'called async');
      await r.instance.terminate();
    });
  });

  it('auto: without JSPI and without workers, the instance runs with sync; a host promise fails with UNSUPPORTED naming what is missing', async () => {
    await withoutJspi(() => withWorkers(null, async () => {
      const r = await startWith('async_call', 'auto', host, { async: { exports: ['run-async'] } });
      equal(r.instance.strategy, 'sync');
      equal(r.exports.runSync(), 'called sync');
      isowasmError(await failure(() => r.exports.runAsync()), 'UNSUPPORTED', 'call-async', JSPI, 'worker');
    }));
  });

  it('auto: without JSPI and with workers the platform can\'t run here, the refusal names what the workers lack', async () => {
    const lacking: WorkerPlatform = { name: 'test', instantiate: instantiateInWorker, missing: () => 'crossOriginIsolated (test)', spawn: () => { throw new Error('unreachable'); } };
    await withoutJspi(() => withWorkers(lacking, async () => {
      const r = await startWith('async_call', 'auto', host, { async: { exports: ['run-async'] } });
      equal(r.instance.strategy, 'sync');
      isowasmError(await failure(() => r.exports.runAsync()), 'UNSUPPORTED', JSPI, 'crossOriginIsolated (test)');
    }));
  });

  it('auto: grants served asynchronously, without JSPI and without workers, fail at instantiate with UNSUPPORTED', async () => {
    await withoutJspi(() => withWorkers(null, async () => {
      const e = await failure(() => fixtureWith('c-cli', { capabilities: { http: { allow: ['https://example.com'] } } }));
      isowasmError(e, 'UNSUPPORTED', 'asynchronously', JSPI, 'worker');
    }));
  });

  it('jspi, forced where JSPI is missing, fails at instantiate with UNSUPPORTED naming WebAssembly.Suspending', async () => {
    await withoutJspi(async () => {
      isowasmError(await failure(() => startWith('async_call', 'jspi', host)), 'UNSUPPORTED', "strategy 'jspi'", JSPI);
    });
  });

  it('worker, forced without a worker platform, fails with UNSUPPORTED naming the entry points that register one', async () => {
    await withWorkers(null, async () => {
      isowasmError(await failure(() => startWith('async_call', 'worker', host)), 'UNSUPPORTED', "strategy 'worker'", "'isowasm'");
    });
  });

  it('worker, forced where the platform lacks something, fails with UNSUPPORTED naming it', async () => {
    const lacking: WorkerPlatform = { name: 'test', instantiate: instantiateInWorker, missing: () => 'crossOriginIsolated (test)', spawn: () => { throw new Error('unreachable'); } };
    await withWorkers(lacking, async () => {
      isowasmError(await failure(() => startWith('async_call', 'worker', host)), 'UNSUPPORTED', "strategy 'worker'", 'crossOriginIsolated (test)');
    });
  });

  it('worker: a worker that can\'t be started fails instantiate with UNSUPPORTED; one that dies fails it with TRAP', async () => {
    const throwing: WorkerPlatform = { name: 'test', instantiate: instantiateInWorker, missing: () => null, spawn: () => { throw new Error('no threads today'); } };
    await withWorkers(throwing, async () => {
      isowasmError(await failure(() => startWith('async_call', 'worker', host)), 'UNSUPPORTED', 'no threads today');
    });
    const dying: WorkerPlatform = {
      name: 'test',
      instantiate: instantiateInWorker,
      missing: () => null,
      spawn(events): GuestWorker {
        setTimeout(() => events.failed(new Error('the worker script did not load')), 1);
        return { post: () => {}, hold: () => {}, terminate: () => {} };
      },
    };
    await withWorkers(dying, async () => {
      isowasmError(await failure(() => startWith('async_call', 'worker', host)), 'TRAP', 'the worker script did not load');
    });
  });

  it('sync, forced, refuses a host function declared async even without the async option', async () => {
    const r = await startWith('async_call', 'sync', host);
    equal(r.instance.strategy, 'sync');
    equal(r.exports.runSync(), 'called sync');
    isowasmError(await failure(() => r.exports.runAsync()), 'UNSUPPORTED', "strategy 'sync'", "'jspi'", "'worker'");
  });

  it('sync, forced with grants served asynchronously, fails at instantiate with UNSUPPORTED', async () => {
    isowasmError(await failure(() => fixtureWith('c-cli', { strategy: 'sync', capabilities: { http: { allow: ['https://example.com'] } } })), 'UNSUPPORTED', "strategy 'sync'");
  });

  it('terminate() of an in-thread instance makes later calls fail with INSTANCE_POISONED', async () => {
    const r = await startWith('async_call', 'sync', host);
    await r.instance.terminate();
    isowasmError(await failure(() => r.exports.runSync()), 'INSTANCE_POISONED', 'terminated');
  });
});
