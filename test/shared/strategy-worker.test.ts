/**
 * The 'worker' strategy's own behaviour, in Node (worker_threads) and Chromium (a module Worker
 * on the cross-origin isolated test page): host functions may return promises without any
 * `async` option, this thread stays free while the guest waits, large replies cross, calls run
 * in order, re-entrance and termination fail clearly, and after-call hooks finish before a call
 * resolves. Uses the strategy-echo fixture (exports that call host imports).
 */
import { IsowasmError, type Volume } from '../../src/core/index.js';
import { VolumeError } from '../../src/core/host/volume.js';
import { equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { failure, fixtureWith, sleep, until } from './strategy-harness.js';

const bytes = (n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
};
/** sum of (i & 0xff) for i < n */
const sumOf = (n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + (i & 0xff)) >>> 0;
  return s;
};

function code(e: unknown): string {
  return e instanceof IsowasmError ? e.code : `not an IsowasmError: ${String(e)}`;
}

describe('strategy worker: host functions that return promises', () => {
  it('every export returns a promise, and async host functions work without an async option', async () => {
    const inst = await fixtureWith('strategy-echo', {
      strategy: 'worker',
      imports: { fetch: async (n: number) => bytes(n), tick: async (i: number) => { await sleep(1); return i + 1; } },
    });
    equal(inst.strategy, 'worker');
    const p: unknown = inst.exports.ticks(5);
    ok(p instanceof Promise, 'ticks() returns a promise');
    equal(await p, 5);
    equal(await inst.exports.fetchSum(1000), sumOf(1000));
    await inst.terminate();
  });

  it('this thread stays free while the guest waits: timers fire during three host calls of 60 ms each', async () => {
    const inst = await fixtureWith('strategy-echo', {
      strategy: 'worker',
      imports: { fetch: bytes, tick: async (i: number) => { await sleep(60); return i + 1; } },
    });
    let fired = 0;
    const timer = setInterval(() => { fired++; }, 10);
    try {
      const t0 = performance.now();
      equal(await inst.exports.ticks(3), 3);
      ok(performance.now() - t0 >= 170, 'the calls waited for the host');
      ok(fired >= 5, `timers fired ${fired} times while the guest waited`);
    } finally {
      clearInterval(timer);
      await inst.terminate();
    }
  });

  it('large replies cross: 8 MiB of bytes from the host reach the guest intact (as under sync)', async () => {
    const n = 8 << 20;
    const inst = await fixtureWith('strategy-echo', { strategy: 'worker', imports: { fetch: bytes, tick: (i: number) => i + 1 } });
    equal(await inst.exports.fetchSum(n), sumOf(n));
    equal(await inst.exports.fetchSum(3), 3, 'and small ones after');
    await inst.terminate();
  });

  it('a host call costs well under a millisecond (20,000 calls, generous bound for shared CPUs)', async () => {
    const inst = await fixtureWith('strategy-echo', { strategy: 'worker', imports: { fetch: bytes, tick: (i: number) => i + 1 } });
    await inst.exports.ticks(200); // warm up
    const n = 20_000;
    const t0 = performance.now();
    equal(await inst.exports.ticks(n), n);
    const us = ((performance.now() - t0) / n) * 1000;
    ok(us < 1000, `a host call took ${us.toFixed(1)} µs on average`);
    await inst.terminate();
  });
});

describe('strategy worker: failures', () => {
  it('a host function that throws fails the call with HOST_ERROR naming it; the instance is dead afterwards', async () => {
    const inst = await fixtureWith('strategy-echo', {
      strategy: 'worker',
      imports: { fetch: bytes, tick: () => { throw new RangeError('no more ticks'); } },
    });
    const e = await failure(() => inst.exports.ticks(1));
    equal(code(e), 'HOST_ERROR', String(e));
    ok((e as Error).message.includes('tick') && (e as Error).message.includes('no more ticks'), (e as Error).message);
    equal(code(await failure(() => inst.exports.fetchSum(1))), 'INSTANCE_POISONED');
    await inst.terminate();
  });

  it('a host function calling back into the instance gets REENTRANCE; the outer call completes', async () => {
    let inner: unknown = null;
    let exports: Record<string, (n: number) => Promise<number>> = {};
    const inst = await fixtureWith('strategy-echo', {
      strategy: 'worker',
      imports: {
        fetch: bytes,
        tick: (i: number) => {
          if (inner === null) inner = exports.ticks!(1).then(() => 'no error', (e: unknown) => e);
          return i + 1;
        },
      },
    });
    exports = inst.exports;
    equal(await inst.exports.ticks(2), 2);
    equal(code(await inner), 'REENTRANCE');
    equal(await inst.exports.ticks(1), 1, 'the instance is still usable');
    await inst.terminate();
  });

  it('terminate(): a call waiting on the host rejects with INSTANCE_POISONED, and so do later calls', async () => {
    let called = false;
    const inst = await fixtureWith('strategy-echo', {
      strategy: 'worker',
      imports: { fetch: bytes, tick: () => { called = true; return new Promise<number>(() => {}); } },
    });
    const p = inst.exports.ticks(1) as Promise<unknown>;
    await until(() => called, 'the host call');
    await inst.terminate();
    equal(code(await failure(() => p)), 'INSTANCE_POISONED');
    equal(code(await failure(() => inst.exports.fetchSum(1))), 'INSTANCE_POISONED');
  });
});

/**
 * A read-only volume of one file that persists "asynchronously": its flush is what the host
 * awaits after every call (the volume interface's own example, with `async: true`).
 */
function flushingVolume(onFlush: () => Promise<void>): Volume {
  const text = new TextEncoder().encode('hello\n');
  const file = (p: readonly string[]): boolean => p.length === 1 && p[0] === 'hello.txt';
  const refuse = (): never => { throw new VolumeError('read-only'); };
  return {
    readOnly: true,
    async: true,
    lstat(p) {
      if (p.length === 0) return { type: 'directory', size: 0, linkCount: 2, id: 'root' };
      if (file(p)) return { type: 'regular-file', size: text.length, linkCount: 1, id: 'hello' };
      throw new VolumeError('no-entry');
    },
    read(p, offset, length) {
      if (!file(p)) throw new VolumeError(p.length === 0 ? 'is-directory' : 'no-entry');
      return text.slice(offset, offset + length);
    },
    readdir(p) {
      if (p.length !== 0) throw new VolumeError(file(p) ? 'not-directory' : 'no-entry');
      return [{ name: 'hello.txt', type: 'regular-file' }];
    },
    write: refuse, createFile: refuse, truncate: refuse, mkdir: refuse, rmdir: refuse, unlink: refuse, rename: refuse, setTimes: refuse,
    flush: onFlush,
  };
}

describe('strategy worker: after-call hooks (durability)', () => {
  for (const strategy of ['auto', 'jspi', 'worker'] as const) {
    it(`${strategy}: with an asynchronously persisting volume granted, a call resolves only after its flush finished`, async () => {
      const events: string[] = [];
      const volume = flushingVolume(async () => {
        await sleep(30);
        events.push('flushed');
      });
      const inst = await fixtureWith('c-cli', { strategy, capabilities: { fs: { preopens: { '/data': { volume } } }, stdio: { stdout: () => {}, stderr: null } } });
      equal(inst.strategy, strategy === 'auto' ? 'jspi' : strategy);
      const p: unknown = inst.exports['wasi:cli/run'].run();
      ok(p instanceof Promise, 'the instance is asynchronous');
      await p;
      events.push('call resolved');
      equal(events.join(', '), 'flushed, call resolved');
    });
  }

  it('sync: an asynchronously persisting volume can\'t be granted (UNSUPPORTED at instantiate)', async () => {
    const volume = flushingVolume(async () => {});
    const e = await failure(() => fixtureWith('c-cli', { strategy: 'sync', capabilities: { fs: { preopens: { '/data': { volume } } } } }));
    equal(code(e), 'UNSUPPORTED', String(e));
    ok((e as Error).message.includes("strategy 'sync'"), (e as Error).message);
  });
});
