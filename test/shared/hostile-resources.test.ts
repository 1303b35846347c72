import { loadComponent } from '../../src/core/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

class Thing {
  static live = 0;
  static disposed = 0;
  static gets = 0;
  constructor(readonly v: number) {
    Thing.live++;
  }
  get(): number {
    Thing.gets++;
    return this.v * 10;
  }
  [Symbol.dispose](): void {
    Thing.disposed++;
  }
}

describe('hostile guests abusing resource handles', () => {
  const fresh = async () => {
    const component = await loadComponent(await readFixture('hostile-resources'));
    return (await component.instantiate({ imports: { host: { Thing } } })).exports;
  };

  it('a handle dropped twice traps, and the instance is dead afterwards', async () => {
    const e = await fresh();
    throws(() => e.doubleDrop(), { code: 'TRAP', message: /handle \d+ is not valid/ });
    throws(() => e.roundtrip(1), { code: 'INSTANCE_POISONED' });
  });

  it('a handle used after its drop traps', async () => {
    const e = await fresh();
    throws(() => e.useAfterDrop(), { code: 'TRAP', message: /not valid/ });
  });

  it('a borrow of a handle the guest never had traps before the host sees anything', async () => {
    const e = await fresh();
    const before = Thing.gets;
    throws(() => e.forgeBorrow(12345), { code: 'TRAP', message: /handle 12345 is not valid/ });
    equal(Thing.gets, before);
  });

  it('a host handle dropped twice traps after exactly one dispose', async () => {
    const e = await fresh();
    const disposed = Thing.disposed;
    throws(() => e.hostDoubleDrop(), { code: 'TRAP' });
    equal(Thing.disposed, disposed + 1);
  });

  it('a handle of the wrong resource type traps', async () => {
    const e = await fresh();
    throws(() => e.wrongType(), { code: 'TRAP', message: /not a thing/ });
  });

  it('100,000 leaked handles stay contained: the instance keeps working, others are unaffected', async () => {
    const e = await fresh();
    equal(e.leak(100_000), 99_999);
    equal(e.roundtrip(4), 40);
    const other = await fresh();
    equal(other.roundtrip(5), 50);
  });

  it('the host stays usable: a new instance after each trap works', async () => {
    for (const bad of ['doubleDrop', 'useAfterDrop', 'hostDoubleDrop', 'wrongType'] as const) {
      const e = await fresh();
      throws(() => e[bad](), { code: 'TRAP' });
      const ok2 = await fresh();
      equal(ok2.roundtrip(3), 30);
    }
    ok(true);
  });
});
