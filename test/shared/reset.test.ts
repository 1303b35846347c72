/**
 * instance.reset(): a resettable instance is put back as it was right after instantiation —
 * memory (contents and size), globals it does not export, tables, handle tables, the WASI host's
 * state — so that, call for call, it answers as a fresh instance does. A fuzz compares a reset
 * instance with a fresh one after random call sequences.
 */
import { ComponentExit, IsowasmError } from '../../src/core/errors.js';
import type { Instance } from '../../src/core/component.js';
import { deepEqual, equal, ok, rejects, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { readConformance } from '../harness/files.js';
import { platform } from '../harness/platform.js';
import { mulberry32 } from '../harness/prng.js';
import { stubWasi } from '../harness/wasi-stub.js';
import { describe, it } from '../harness/test-api.js';

interface Stateful {
  held(): number;
  bump(): number;
  next(): bigint;
  store(v: number): void;
  load(): number;
  grow(): number;
  growHuge(): number;
  pages(): number;
  writeLast(v: number): void;
  readLast(): number;
  flip(): void;
  which(): number;
  newHandle(): number;
  dropHandle(h: number): void;
  trap(): void;
  adapterGrow(): number;
  adapterPages(): number;
}

async function stateful() {
  const { loadComponent } = await platform();
  return loadComponent(await readFixture('stateful'));
}

/** Every piece of state the guest has, read without changing it (except what reading must do). */
function observe(g: Stateful): unknown[] {
  return [g.load(), g.pages(), g.adapterPages(), g.readLast(), g.which()];
}

/** One random step: a change to one piece of state, or a read; returns what the guest answered (or the error's code). */
function step(g: Stateful, rnd: () => number): unknown {
  const pick = Math.floor(rnd() * 12);
  try {
    return act(g, pick, rnd);
  } catch (e) {
    if (!(e instanceof IsowasmError)) throw e;
    return e.code;
  }
}

function act(g: Stateful, pick: number, rnd: () => number): unknown {
  switch (pick) {
    case 0: return g.bump();
    case 1: return g.next();
    case 2: g.store(Math.floor(rnd() * 2 ** 32)); return 'store';
    case 3: return g.grow();
    case 4: return g.adapterGrow();
    case 5: g.writeLast(Math.floor(rnd() * 1000) + 1); return 'write-last';
    case 6: g.flip(); return 'flip';
    case 7: return g.newHandle();
    case 8: {
      const h = g.newHandle();
      g.dropHandle(h);
      return h;
    }
    case 9: return observe(g);
    case 10: {
      // the handle its start function made: dropped once, then a trap
      g.dropHandle(g.held());
      return 'dropped held';
    }
    default:
      // rarely: a trap poisons the instance, and everything after it answers INSTANCE_POISONED
      if (rnd() < 0.3) g.trap();
      return 'no trap';
  }
}

describe('instance.reset()', () => {
  it('puts back memory, a global the guest does not export, a table and the handle table, as a fresh instance has them', async () => {
    const component = await stateful();
    const inst = await component.instantiate({ resettable: true });
    const g = inst.exports as unknown as Stateful;
    const fresh = (await component.instantiate()).exports as unknown as Stateful;
    const before = observe(g);
    deepEqual(before, observe(fresh));
    deepEqual(before, [0, 1, 1, 0, 1]);

    g.store(1234);
    equal(g.bump(), 1);
    equal(g.bump(), 2);
    g.next();
    g.flip();
    equal(g.which(), 2);
    // handle 1 is the one its start function made while it was instantiated
    equal(g.held(), 1);
    equal(g.newHandle(), 2);
    equal(g.newHandle(), 3);
    g.dropHandle(1);
    deepEqual(observe(g), [1234, 1, 1, 0, 2]);

    await inst.reset();
    deepEqual(observe(g), before);
    // the global it does not export counts from the start again, as do the handles and the seed
    equal(g.bump(), 1);
    equal(g.next(), fresh.next());
    // the start function's handle is back (dropping it works), and new ones count from it
    equal(g.held(), 1);
    g.dropHandle(1);
    equal(g.newHandle(), 1);
    equal(g.newHandle(), 2);
    fresh.dropHandle(1);
    equal(fresh.newHandle(), 1);
  });

  it('restores the memory size: pages grown since are gone to the guest, zero when it grows again, and a second module that grows the memory agrees', async () => {
    const component = await stateful();
    const inst = await component.instantiate({ resettable: true });
    const g = inst.exports as unknown as Stateful;
    equal(g.grow(), 1);
    equal(g.adapterGrow(), 2);
    equal(g.pages(), 3);
    equal(g.adapterPages(), 3);
    g.writeLast(77);
    equal(g.readLast(), 77);
    equal(g.growHuge(), -1);

    await inst.reset();
    equal(g.pages(), 1);
    equal(g.adapterPages(), 1);
    equal(g.readLast(), 0);
    // growing again reuses the pages the memory has: they read as zero, as new pages do
    equal(g.adapterGrow(), 1);
    equal(g.grow(), 2);
    equal(g.pages(), 3);
    equal(g.readLast(), 0);
    equal(g.grow(), 3);
    equal(g.pages(), 4);
    equal(g.readLast(), 0);
    equal(g.growHuge(), -1);
  });

  it('fuzz: after random call sequences, a reset instance answers every call as a fresh one does', async () => {
    const component = await stateful();
    const inst = await component.instantiate({ resettable: true });
    const g = inst.exports as unknown as Stateful;
    for (let round = 0; round < 40; round++) {
      const seed = 0x5eed + round;
      const rnd = mulberry32(seed);
      // dirty the instance, sometimes to a trap
      const dirty = 1 + Math.floor(rnd() * 30);
      for (let i = 0; i < dirty; i++) step(g, rnd);
      await inst.reset();
      const fresh = (await component.instantiate()).exports as unknown as Stateful;
      const seq = mulberry32(seed * 7919);
      const seq2 = mulberry32(seed * 7919);
      const n = 1 + Math.floor(rnd() * 40);
      const got: unknown[] = [];
      const want: unknown[] = [];
      for (let i = 0; i < n; i++) {
        got.push(step(g, seq));
        want.push(step(fresh, seq2));
      }
      deepEqual(got, want, `round ${round} (seed ${seed})`);
    }
  });

  it('revives an instance that trapped; refuses one that was terminated, one not made resettable, and a call in progress', async () => {
    const component = await stateful();
    const inst = await component.instantiate({ resettable: true });
    const g = inst.exports as unknown as Stateful;
    g.store(5);
    throws(() => g.trap(), { code: 'TRAP' });
    throws(() => g.load(), { code: 'INSTANCE_POISONED' });
    await inst.reset();
    equal(g.load(), 0);

    const plain = await component.instantiate();
    await rejects(plain.reset(), { code: 'UNSUPPORTED' });
    await inst.terminate();
    await rejects(inst.reset(), { code: 'INSTANCE_POISONED' });
    await rejects(component.instantiate({ resettable: 'yes' as unknown as boolean }), { instanceOf: TypeError });
  });

  it('refuses at instantiation what a reset could not undo: a table that grows', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('table-grow'));
    const e = await rejects(component.instantiate({ resettable: true }), { code: 'UNSUPPORTED' }) as IsowasmError;
    ok(/table\.grow/.test(e.message), e.message);
    // the same component still instantiates without it
    equal(((await component.instantiate()).exports as { size(): number }).size(), 2);
  });

  it('refuses a guest that holds a host resource when its instantiation ends (its state is the host\'s, beyond a reset)', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('host-at-start'));
    class Thing {}
    const imports = { host: { Thing } };
    const e = await rejects(component.instantiate({ imports, resettable: true }), { code: 'UNSUPPORTED' }) as IsowasmError;
    ok(/host resource/.test(e.message), e.message);
    equal((await component.instantiate({ imports })).exports.get(), 1);
  });

  it('a Rust guest: resource objects from before a reset stop working (TypeError), and the guest answers as a fresh one', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readConformance('resource_borrow_export'));
    const inst = await component.instantiate({ imports: stubWasi().imports, resettable: true });
    const E = inst.exports['test:resource-borrow-export/test'];
    const kept = new E.Thing(41);
    equal(E.foo(kept), 44);
    const moved = new E.Thing(1);
    await inst.reset();
    const e = throws(() => E.foo(kept), { instanceOf: TypeError }) as TypeError;
    ok(/before instance\.reset\(\)/.test(e.message), e.message);
    // disposing a stale object does nothing (its resource went with the old state)
    kept[Symbol.dispose]();
    moved[Symbol.dispose]();
    const again = new E.Thing(41);
    equal(E.foo(again), 44);
    again[Symbol.dispose]();
    for (let i = 0; i < 3; i++) {
      await inst.reset();
      equal(E.foo(new E.Thing(i)), i + 3);
    }
  });

  it('makes the WASI host\'s state anew: a C command runs again from a reset instance as from a fresh one (stdin from the start, libc\'s state, exit)', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('c-cli'));
    let out: Uint8Array[] = [];
    const text = (chunks: Uint8Array[]) => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    const inst = await component.instantiate({
      resettable: true,
      capabilities: { args: ['prog', '0', 'echo'], stdio: { stdout: (b) => out.push(b.slice()), stderr: null, stdin: 'line one\nline two\n' } },
    });
    const want = 'hello from C\narg 0: prog\narg 1: 0\narg 2: echo\nGREETING=(unset)\nline one\nline two\n';
    await inst.exports['wasi:cli/run'].run();
    equal(text(out), want);
    for (let i = 0; i < 3; i++) {
      out = [];
      await inst.reset();
      await inst.exports['wasi:cli/run'].run();
      equal(text(out), want, `run ${i + 2}`);
    }
    // an exit ends the run; a reset makes the command runnable again
    const exiting = await component.instantiate({ resettable: true, capabilities: { args: ['prog', '3'], stdio: { stdout: null, stderr: null } } });
    await rejects(async () => exiting.exports['wasi:cli/run'].run(), { instanceOf: ComponentExit });
    await exiting.reset();
    await rejects(async () => exiting.exports['wasi:cli/run'].run(), { instanceOf: ComponentExit });
  });

  it('metered: the fuel count and the limits start over; an instance that ran out of fuel is revived', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('offload-guest'));
    const inst = await component.instantiate({ resettable: true, limits: { fuel: 5_000 } });
    const g = inst.exports as unknown as { bytes(n: number): Uint8Array; forever(): void; add(a: number, b: number): number };
    const start = inst.fuelConsumed ?? 0;
    g.bytes(1000);
    equal(inst.fuelConsumed, start + 1 + 1001);
    throws(() => g.forever(), { code: 'OUT_OF_FUEL' });
    throws(() => g.add(1, 2), { code: 'INSTANCE_POISONED' });
    await inst.reset();
    equal(inst.fuelConsumed, start);
    equal(g.add(1, 2), 3);
    g.bytes(1000);
    equal(inst.fuelConsumed, start + 1 + 1001);
  });

  it('with JSPI: refused while a call waits for the host (REENTRANCE), done once it settled', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('strategy-echo'));
    let release: (() => void) | null = null;
    const inst = await component.instantiate({
      strategy: 'jspi',
      async: true,
      resettable: true,
      imports: {
        fetch: (n: number) => new Promise<Uint8Array>((resolve) => { release = () => resolve(new Uint8Array(n).fill(2)); }),
        tick: (i: number) => i + 1,
      },
    });
    const g = inst.exports as unknown as { fetchSum(n: number): Promise<number>; ticks(n: number): Promise<number> };
    const pending = g.fetchSum(3);
    for (let i = 0; i < 50 && release === null; i++) await new Promise((r) => setTimeout(r, 1));
    ok(release !== null, 'the guest asked the host');
    await rejects(inst.reset(), { code: 'REENTRANCE' });
    release!();
    equal(await pending, 6);
    await inst.reset();
    equal(await g.ticks(5), 5);
  });

  it('the worker strategy: the guest is restored in its worker, the WASI host here; refused while a call is in progress', async () => {
    const component = await stateful();
    const inst = await component.instantiate({ strategy: 'worker', resettable: true });
    equal(inst.strategy, 'worker');
    const g = inst.exports as unknown as { [K in keyof Stateful]: (...a: Parameters<Stateful[K]>) => Promise<ReturnType<Stateful[K]>> };
    await g.store(99);
    equal(await g.bump(), 1);
    equal(await g.grow(), 1);
    await g.flip();
    equal(await g.newHandle(), 2);
    await g.dropHandle(1);
    const busy = g.bump();
    await rejects(inst.reset(), { code: 'REENTRANCE' });
    equal(await busy, 2);
    await inst.reset();
    deepEqual([await g.load(), await g.pages(), await g.adapterPages(), await g.readLast(), await g.which()], [0, 1, 1, 0, 1]);
    equal(await g.bump(), 1);
    equal(await g.newHandle(), 2);
    await g.dropHandle(1);
    await rejects(g.trap(), { code: 'TRAP' });
    await rejects(g.load(), { code: 'INSTANCE_POISONED' });
    await inst.reset();
    equal(await g.load(), 0);

    const { loadComponent } = await platform();
    const cli = await loadComponent(await readFixture('c-cli'));
    let out: Uint8Array[] = [];
    const text = (chunks: Uint8Array[]) => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    const run = await cli.instantiate({
      strategy: 'worker',
      resettable: true,
      capabilities: { args: ['prog', '0', 'echo'], stdio: { stdout: (b) => out.push(b.slice()), stderr: null, stdin: 'from stdin\n' } },
    });
    await run.exports['wasi:cli/run'].run();
    const first = text(out);
    ok(first.endsWith('from stdin\n'), first);
    out = [];
    await run.reset();
    await run.exports['wasi:cli/run'].run();
    equal(text(out), first);
    await run.terminate();
    await rejects(run.reset(), { code: 'INSTANCE_POISONED' });
  });

  it('many resets keep the instance as it was: 200 rounds of state and the memory size stay bounded', async () => {
    const component = await stateful();
    const inst: Instance = await component.instantiate({ resettable: true });
    const g = inst.exports as unknown as Stateful;
    for (let i = 0; i < 200; i++) {
      g.grow();
      g.store(i);
      g.bump();
      await inst.reset();
    }
    deepEqual(observe(g), [0, 1, 1, 0, 1]);
    equal(g.bump(), 1);
  });
});
