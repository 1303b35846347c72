import { loadComponent } from '../../src/core/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { describe, it } from '../harness/test-api.js';
import { stubWasi } from '../harness/wasi-stub.js';

describe('resource identity across the component boundary', () => {
  it('a guest resource moved into the component and handed back is the same JS object', async () => {
    const { exports } = await (await loadComponent(await readConformance('resource_alias'))).instantiate({ imports: stubWasi().imports });
    const e1 = exports['test:resource-alias/e1'];
    const x = new e1.X(42);
    const [back] = e1.a({ x });
    ok(back === x, 'the same object came back');
    // it is owned by JS again: it can be moved in a second time
    const [again] = e1.a({ x: back });
    ok(again === x);
  });

  it('a host resource handed to the guest and back is the host\'s own object', async () => {
    class Thing {
      constructor(readonly s: string) {}
      get(): string {
        return `${this.s} HostThing.get`;
      }
    }
    const { exports } = await (await loadComponent(await readConformance('resource_alias_redux'))).instantiate({
      imports: {
        ...stubWasi().imports,
        'test:resource-alias-redux/resource-alias1': { Thing, a: (f: { thing: Thing }) => [f.thing] },
        'test:resource-alias-redux/resource-alias2': { b: (f: { thing: Thing }, g: { thing: Thing }) => [f.thing, g.thing] },
        thing: { default: Thing },
      },
    });
    const h = new Thing('Ni Hao');
    const [back] = exports.test([h]);
    ok(back === h);
  });

  it('a moved object can\'t be used from JS until it comes back', async () => {
    const { exports } = await (await loadComponent(await readConformance('resource_borrow_export'))).instantiate({ imports: stubWasi().imports });
    const E = exports['test:resource-borrow-export/test'];
    const t = new E.Thing(1);
    equal(E.foo(t), 4);
    t[Symbol.dispose]();
    throws(() => E.foo(t), { name: 'TypeError', message: /dropped/ });
  });
});
