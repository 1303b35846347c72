/**
 * A caller's argument that fails while isowasm lowers it (an element getter that throws, a proxy
 * whose `length` throws) is the caller's error, not a guest trap: it reaches the caller as it was
 * thrown, the guest never runs, and the instance stays usable and correct. Memory that the
 * guest's realloc handed out for arguments lowered before the failure stays allocated (the ABI has
 * no way to give it back); handles lowered before it are taken back, so an owned or borrowed
 * resource is neither lost to the caller nor left where the guest could reach it.
 * Fixture: test/fixtures/caller-args.wat.
 */
import { type Component, IsowasmError, loadComponent } from '../../src/core/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';
import { STRATEGIES, failure, fixtureWith } from './strategy-harness.js';

let loaded: Promise<Component> | null = null;

class Thing {
  static disposed = 0;
  constructor(readonly v: number) {}
  get(): number {
    return this.v;
  }
  [Symbol.dispose](): void {
    Thing.disposed++;
  }
}

type Fn = (...a: unknown[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Blob { value(): number }
interface Exports {
  count: Fn;
  first: Fn;
  keep: Fn;
  peek: Fn;
  forge: Fn;
  'acme:args/blobs': { Blob: new (v: number) => Blob; consume: Fn };
}

async function fresh(): Promise<Exports> {
  loaded ??= readFixture('caller-args').then((b) => loadComponent(b));
  return (await (await loaded).instantiate({ imports: { host: { Thing } } })).exports as Exports;
}

/** An array of strings whose element `at` throws `error` when read. */
function failingAt(at: number, error: unknown, before: string[] = ['abc', 'de']): string[] {
  const parts = [...before, 'never read'];
  Object.defineProperty(parts, at, { get() { throw error; } });
  return parts;
}

describe('caller errors while lowering arguments', () => {
  it('an element getter that throws: the caller gets that error, and the instance stays usable and correct', async () => {
    const x = await fresh();
    const boom = new Error('the getter failed');
    equal(throws(() => x.count(failingAt(2, boom))), boom);
    equal(x.count(['ab', 'cde']), 5);
    equal(x.first(['hello', 'world']), 'hello');
  });

  it("a proxy whose length throws: the caller's error", async () => {
    const x = await fresh();
    const boom = new RangeError('no length today');
    const parts = new Proxy(['a'], { get: (t, k) => { if (k === 'length') throw boom; return Reflect.get(t, k); } });
    equal(throws(() => x.count(parts)), boom);
    equal(x.count(['xyz']), 3);
  });

  it('a getter that throws a value that is not an Error: that value', async () => {
    const x = await fresh();
    equal(throws(() => x.count(failingAt(1, 'nope'))), 'nope');
    equal(x.first(['still fine']), 'still fine');
  });

  it('a getter that throws a TypeError: a TypeError naming the function and the parameter, caused by it', async () => {
    const x = await fresh();
    const original = new TypeError('bad element');
    const e = throws(() => x.count(failingAt(1, original)), { instanceOf: TypeError, message: /count\(\).*parts\[1\].*bad element/ }) as TypeError;
    equal(e.cause, original);
    equal(x.count(['a', 'b']), 2);
  });

  it('a thousand failed calls after large allocations leave later calls correct', async () => {
    const x = await fresh();
    const boom = new Error('late');
    const big = 'q'.repeat(4096);
    for (let i = 0; i < 1000; i++) equal(throws(() => x.count(failingAt(8, boom, new Array(8).fill(big)))), boom);
    equal(x.count(['ab', 'cde']), 5);
    equal(x.first([big, 'x']), big);
  });

  it('an owned host resource lowered before the failure is not left in the instance', async () => {
    const x = await fresh();
    const disposed = Thing.disposed;
    const boom = new Error('after the handle');
    equal(throws(() => x.keep(new Thing(40), failingAt(1, boom))), boom);
    equal(Thing.disposed, disposed, 'the host object was not disposed: it still belongs to the caller');
    // handle 1 is where the failed call put it: the guest must not reach it
    throws(() => x.forge(1), { instanceOf: IsowasmError, code: 'TRAP', message: /handle 1 is not valid/ });
    const y = await fresh();
    equal(y.keep(new Thing(40), ['ab']), 42);
  });

  it('a borrowed host resource lowered before the failure is not left in the instance', async () => {
    const x = await fresh();
    const boom = new Error('after the borrow');
    equal(throws(() => x.peek(new Thing(7), failingAt(0, boom))), boom);
    throws(() => x.forge(1), { instanceOf: IsowasmError, code: 'TRAP', message: /handle 1 is not valid/ });
    const y = await fresh();
    equal(y.peek(new Thing(7), ['abc']), 10);
  });

  it('an owned guest resource lowered before the failure still belongs to the caller', async () => {
    const x = await fresh();
    const { Blob, consume } = x['acme:args/blobs'];
    const b = new Blob(7);
    const boom = new Error('after the move');
    equal(throws(() => consume(b, failingAt(1, boom))), boom);
    equal(b.value(), 7);
    equal(consume(b, ['ab']), 9);
    throws(() => b.value(), { instanceOf: TypeError, message: /moved/ });
  });

  it('an exported function is named as JS calls it, not by the inner name the binary gives it (import-func-consume)', async () => {
    const x = await fresh();
    const { Blob, consume } = x['acme:args/blobs'];
    const e = throws(() => consume(new Blob(1), 'not a list'), { instanceOf: TypeError }) as TypeError;
    ok(e.message.startsWith("consume(): argument 'parts': "), e.message);
    const ctor = throws(() => new (Blob as unknown as new (v: unknown) => Blob)('seven'), { instanceOf: TypeError }) as TypeError;
    ok(ctor.message.startsWith("new Blob(): argument 'v': "), ctor.message);
  });
});

describe('caller errors under every strategy', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: the caller's error, then a correct call`, async () => {
      const x = (await fixtureWith('caller-args', { strategy, imports: { host: { Thing } } })).exports as Exports;
      const boom = new Error('the getter failed');
      const e = await failure(() => x.count(failingAt(1, boom)));
      equal(e, boom);
      equal(await x.count(['ab', 'cde']), 5);
      ok(true);
    });
  }
});
