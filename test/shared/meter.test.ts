/**
 * limits.fuel and limits.timeoutMs: a guest looping in its own code is stopped in the thread it
 * runs in (OUT_OF_FUEL, TIMEOUT), the fuel count is the same in every engine, and metered
 * components compute what they compute without metering.
 */
import { IsowasmError } from '../../src/core/errors.js';
import { deepEqual, equal, ok, rejects, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

interface Guest {
  add(a: number, b: number): number;
  bytes(n: number): Uint8Array;
  echo(s: string): string;
  forever(): void;
  count(): number;
}

async function load() {
  const { loadComponent } = await platform();
  return loadComponent(await readFixture('offload-guest'));
}

describe('limits.fuel and limits.timeoutMs', () => {
  it('fuel: a loop that never ends is stopped with OUT_OF_FUEL once the budget is spent; the instance is dead, others go on', async () => {
    const component = await load();
    const inst = await component.instantiate({ limits: { fuel: 100_000 } });
    const g = inst.exports as unknown as Guest;
    equal(g.add(1, 2), 3);
    const e = throws(() => g.forever(), { code: 'OUT_OF_FUEL' }) as IsowasmError;
    ok(/limits\.fuel \(100000\)/.test(e.message), e.message);
    equal(inst.fuelConsumed, 100_000);
    throws(() => g.add(1, 2), { code: 'INSTANCE_POISONED' });
    const other = (await component.instantiate()).exports as unknown as Guest;
    equal(other.add(2, 2), 4);
  });

  it('the fuel count is deterministic: one unit per loop iteration and per entry of a function that loops or calls, the same in every engine', async () => {
    const inst = await (await load()).instantiate({ limits: { fuel: 1e9 } });
    const g = inst.exports as unknown as Guest;
    equal(inst.fuelConsumed, 0);
    g.add(1, 2);
    // add neither loops nor calls: it runs straight through and spends nothing
    equal(inst.fuelConsumed, 0);
    g.bytes(1000);
    // bytes: its entry (it loops and calls realloc, which does neither), and 1,001 arrivals at the loop header
    equal(inst.fuelConsumed, 1 + 1001);
    g.echo('hello');
    // echo neither loops nor calls: nothing more
    equal(inst.fuelConsumed, 1 + 1001);
    const after = inst.fuelConsumed;
    const again = await (await load()).instantiate({ limits: { fuel: 1e9 } });
    const h = again.exports as unknown as Guest;
    h.add(1, 2);
    h.bytes(1000);
    h.echo('hello');
    equal(again.fuelConsumed, after);
  });

  it('timeoutMs: a call looping in its own code is stopped near its deadline with TIMEOUT; calls within it are untouched', async () => {
    const component = await load();
    const inst = await component.instantiate({ limits: { timeoutMs: 200 } });
    const g = inst.exports as unknown as Guest;
    for (let i = 0; i < 5; i++) equal(g.count(), i + 1);
    const t0 = performance.now();
    const e = throws(() => g.forever(), { code: 'TIMEOUT' }) as IsowasmError;
    const took = performance.now() - t0;
    // within twice its limit (the clock is read every 10,000 units: some tens of microseconds)
    ok(took >= 195 && took < 400, `stopped after ${Math.round(took)} ms`);
    ok(/limits\.timeoutMs \(200 ms\)/.test(e.message), e.message);
    throws(() => g.count(), { code: 'INSTANCE_POISONED' });
  });

  it('a metered component computes what it computes without metering (strings, lists, a second instance of the variant)', async () => {
    const component = await load();
    const plain = (await component.instantiate()).exports as unknown as Guest;
    const metered = (await component.instantiate({ limits: { fuel: 1e12, timeoutMs: 60_000, memoryBytes: 64 * 2 ** 20 } })).exports as unknown as Guest;
    equal(metered.echo('héllo ✓'), plain.echo('héllo ✓'));
    deepEqual(metered.bytes(300), plain.bytes(300));
    equal(metered.add(40, 2), 42);
  });

  it('with the worker strategy the meter runs beside the guest in its worker', async () => {
    const inst = await (await load()).instantiate({ strategy: 'worker', limits: { fuel: 50_000, timeoutMs: 10_000 } });
    const g = inst.exports as unknown as { add(a: number, b: number): Promise<number>; forever(): Promise<void> };
    try {
      equal(await g.add(1, 2), 3);
      await rejects(g.forever(), { code: 'OUT_OF_FUEL' });
    } finally {
      await inst.terminate();
    }
  });

  it('with the worker strategy, a call the meter can\'t reach (a host import that never answers) ends its worker at twice the deadline', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('strategy-echo'));
    const inst = await component.instantiate({
      strategy: 'worker',
      limits: { timeoutMs: 200 },
      imports: { fetch: (n: number) => new Uint8Array(n), tick: () => new Promise(() => {}) },
    });
    const t0 = performance.now();
    await rejects((inst.exports as { ticks(n: number): Promise<number> }).ticks(1), { code: 'TIMEOUT', message: /worker was terminated/ });
    const took = performance.now() - t0;
    ok(took >= 1300 && took < 6000, `ended after ${Math.round(took)} ms`);
  });

  it('refuses limits that are not numbers of the right kind', async () => {
    const component = await load();
    await rejects(() => component.instantiate({ limits: { fuel: 0 } }), { name: 'TypeError', message: /fuel/ });
    await rejects(() => component.instantiate({ limits: { fuel: 1.5 } }), { name: 'TypeError', message: /fuel/ });
    await rejects(() => component.instantiate({ limits: { timeoutMs: -1 } }), { name: 'TypeError', message: /timeoutMs/ });
  });
});

describe('runaway guests', () => {
  async function runaway(name = 'runaway') {
    const { loadComponent } = await platform();
    return loadComponent(await readFixture(name));
  }

  it('a loop in a nested component\'s export is stopped (TIMEOUT, then OUT_OF_FUEL in another instance)', async () => {
    const component = await runaway();
    const a = (await component.instantiate({ limits: { timeoutMs: 150 } })).exports as { spin(): void };
    throws(() => a.spin(), { code: 'TIMEOUT' });
    const b = (await component.instantiate({ limits: { fuel: 20_000 } })).exports as { spin(): void };
    throws(() => b.spin(), { code: 'OUT_OF_FUEL' });
  });

  it('a start function that loops forever: instantiate rejects with TIMEOUT', async () => {
    const component = await runaway('runaway-start');
    const t0 = performance.now();
    await rejects(component.instantiate({ limits: { timeoutMs: 150 } }), { code: 'TIMEOUT' });
    // within twice its limit, the compilation of the metered variant aside
    ok(performance.now() - t0 < 300 + 500, `stopped after ${Math.round(performance.now() - t0)} ms`);
    await rejects(component.instantiate({ limits: { fuel: 10_000 } }), { code: 'OUT_OF_FUEL' });
  });

  it('deep recursion is a TRAP saying the stack overflowed; the caller goes on', async () => {
    const g = (await (await runaway()).instantiate()).exports as { deep(n: number): number };
    const e = throws(() => g.deep(0), { code: 'TRAP' }) as IsowasmError;
    ok(/stack/i.test(e.message), e.message);
    const h = (await (await runaway()).instantiate({ limits: { fuel: 1e12 } })).exports as { deep(n: number): number };
    throws(() => h.deep(0), { code: 'TRAP' });
  });

  it('a memory bomb stops at limits.memoryBytes, inside the guest', async () => {
    const g = (await (await runaway()).instantiate({ limits: { memoryBytes: 8 * 2 ** 20, timeoutMs: 5000 } })).exports as { bomb(): number };
    equal(g.bomb(), 128);
  });
});

describe('metering real guests', () => {
  it('the 12 MB JavaScript guest runs metered, spends fuel, and a runaway HTTP request is stopped with 504 while the handler goes on', async () => {
    const { loadComponent, createFetchHandler } = await platform();
    const component = await loadComponent(await readFixture('http-server'));
    const errors: string[] = [];
    const handle = createFetchHandler!(component, { limits: { timeoutMs: 1000 }, capabilities: { stdio: { stderr: null } }, onError: (e: IsowasmError) => errors.push(e.code) });
    equal(await (await handle(new Request('http://app.local/count'))).text(), '1');
    const t0 = performance.now();
    const spin = await handle(new Request('http://app.local/spin'));
    equal(spin.status, 504);
    ok(performance.now() - t0 < 2000, `stopped after ${Math.round(performance.now() - t0)} ms, within twice the limit`);
    deepEqual(errors, ['TIMEOUT']);
    equal(await (await handle(new Request('http://app.local/count'))).text(), '1');
    await handle.close();
  });
});
