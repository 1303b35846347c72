/**
 * `runInWorker` in Node (worker_threads) and Chromium (a module Worker): the exports as async
 * functions of the same names and values, errors of the same classes and codes, large byte
 * results transferred, a runaway call stopped by terminating its worker and a fresh one started.
 */
import { ComponentError, IsowasmError } from '../../src/core/errors.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

interface Guest {
  add(a: number, b: number): Promise<number>;
  count(): Promise<number>;
  bytes(n: number): Promise<Uint8Array>;
  sum(b: Uint8Array): Promise<number>;
  echo(s: string): Promise<string>;
  forever(): Promise<void>;
  checked(n: number): Promise<number>;
  boom(): Promise<void>;
}

async function start(options: Record<string, unknown> = {}) {
  const { runInWorker } = await platform();
  return runInWorker!<Guest>(await readFixture('offload-guest'), options);
}

describe('runInWorker', () => {
  it('exports become async functions of the same names, with the same values', async () => {
    const w = await start();
    try {
      equal(await w.exports.add(2, 40), 42);
      equal(await w.exports.echo('héllo, wörld ✓'), 'héllo, wörld ✓');
      equal(await w.exports.checked(4), 4);
      const bytes = await w.exports.bytes(300);
      ok(bytes instanceof Uint8Array, 'a list<u8> is a Uint8Array');
      equal(bytes.length, 300);
      equal(bytes[257], 1);
      equal(await w.exports.sum(new Uint8Array([1, 2, 3, 250])), 256);
      deepEqual(Object.keys(w.exports).sort(), ['add', 'boom', 'bytes', 'checked', 'count', 'echo', 'forever', 'sum']);
      // one instance: its state persists between calls
      equal(await w.exports.count(), 1);
      equal(await w.exports.count(), 2);
    } finally {
      await w.terminate();
    }
  });

  it('calls run one at a time, in order', async () => {
    const w = await start();
    try {
      const got = await Promise.all([w.exports.count(), w.exports.add(1, 1), w.exports.count(), w.exports.count()]);
      deepEqual(got, [1, 2, 2, 3]);
    } finally {
      await w.terminate();
    }
  });

  it('errors keep their class and fields: ComponentError with its payload, a trap as IsowasmError TRAP, then INSTANCE_POISONED', async () => {
    const w = await start();
    try {
      const e = await rejects(w.exports.checked(3)) as ComponentError;
      ok(e instanceof ComponentError, String(e));
      equal(e.payload, 'odd');
      await rejects(w.exports.boom(), (x: unknown) => x instanceof IsowasmError && x.code === 'TRAP');
      await rejects(w.exports.add(1, 2), { code: 'INSTANCE_POISONED' });
      // a wrong argument is the caller's TypeError
      const fresh = await start();
      await rejects(fresh.exports.add(-1 as number, 2), { name: 'TypeError' });
      equal(await fresh.exports.add(1, 2), 3);
      await fresh.terminate();
    } finally {
      await w.terminate();
    }
  });

  it('a byte list of 64 KiB or more comes back transferred (a buffer of its own), intact', async () => {
    const w = await start();
    try {
      const big = await w.exports.bytes(1 << 20);
      equal(big.length, 1 << 20);
      equal(big.buffer.byteLength, 1 << 20);
      equal(big[(1 << 20) - 1], 255);
      const { transfer } = await platform();
      const arg = new Uint8Array(1 << 17).fill(1);
      equal(await w.exports.sum(transfer!(arg)), 1 << 17);
      equal(arg.byteLength, 0, 'a transferred argument is moved, not copied');
    } finally {
      await w.terminate();
    }
  });

  it('timeoutMs: a call that never returns is stopped by terminating its worker; a fresh worker and instance serve the next call', async () => {
    const w = await start({ timeoutMs: 300 });
    try {
      equal(await w.exports.count(), 1);
      equal(await w.exports.count(), 2);
      const t0 = performance.now();
      const e = await rejects(w.exports.forever(), { code: 'TIMEOUT' }) as IsowasmError;
      ok(performance.now() - t0 < 5000, 'stopped near the deadline');
      ok(/forever\(\) took longer than timeoutMs \(300 ms\)/.test(e.message), e.message);
      equal(w.restarts, 1);
      equal(await w.exports.count(), 1, 'a fresh instance');
      equal(await w.exports.add(20, 22), 42);
    } finally {
      await w.terminate();
    }
    await rejects(w.exports.add(1, 1), { code: 'INSTANCE_POISONED' });
  });

  it('options cross as data; a bad timeoutMs is a TypeError; a component that fails to instantiate rejects at once', async () => {
    const { runInWorker } = await platform();
    await rejects(start({ timeoutMs: -1 }), { name: 'TypeError' });
    await rejects(runInWorker!(new Uint8Array([1, 2, 3, 4])), (e: unknown) => e instanceof IsowasmError && e.code === 'INVALID_BINARY');
  });
});
