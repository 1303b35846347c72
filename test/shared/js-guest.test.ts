import { loadComponent } from '../../src/core/index.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { jcoInstantiate, readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

type Api = Record<string, any>;

describe('a JavaScript guest (jco componentize, StarlingMonkey, ~12 MB)', () => {
  let ours: Api;
  let ref: Api;

  it('loads and instantiates, beside jco\'s bindings of the same component', async () => {
    const component = await loadComponent(await readFixture('js-guest'));
    ours = (await component.instantiate()).exports['test:jsguest/api'];
    ref = (await jcoInstantiate('fixtures/js-guest', {}))['test:jsguest/api'] ?? (await jcoInstantiate('fixtures/js-guest', {})).api;
    ok(ours && ref);
  });

  it('strings, lists, records and variants give the same results as jco', () => {
    const cases: [string, unknown[]][] = [
      ['greet', ['isowasm']], ['greet', ['']], ['greet', ['héllo 🌍']],
      ['sum', [new Uint32Array([1, 2, 4294967295])]], ['sum', [new Uint32Array([])]],
      ['movePoint', [{ x: 1, y: -2, label: 'p' }, 5]], ['movePoint', [{ x: 2147483647, y: 0, label: 'max' }, 0]],
      ['area', [{ tag: 'circle', val: 1.5 }]], ['area', [{ tag: 'rect', val: { x: 2, y: 3, label: 'r' } }]], ['area', [{ tag: 'empty' }]],
      ['split', ['a b  c']], ['split', ['']],
    ];
    for (const [fn, args] of cases) {
      const mine = ours[fn](...args);
      const theirs = ref[fn](...args);
      deepEqual(mine, theirs, `${fn}(${JSON.stringify(args, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v))})`);
    }
    equal(ours.greet('isowasm'), 'Hello, isowasm!');
    equal(ours.sum(new Uint32Array([1, 2, 4294967295])), 4294967298n);
    deepEqual(ours.split('a b  c'), ['a', 'b', '', 'c']);
  });

  it('exposes the guest resource as a class with constructor, methods and dispose', () => {
    const k = new ours.Counter(5);
    ok(k instanceof ours.Counter);
    equal(k.increment(2), 7);
    equal(k.value(), 7);
    const r = new ref.Counter(5);
    equal(r.increment(2), 7);
    k[Symbol.dispose]();
    throws(() => k.value(), { name: 'TypeError' });
  });

  it('stays correct over many calls, many resources and a second instance', async () => {
    for (let i = 0; i < 200; i++) equal(ours.greet(`n${i}`), `Hello, n${i}!`);
    for (let i = 0; i < 50; i++) new ours.Counter(i)[Symbol.dispose]();
    const component = await loadComponent(await readFixture('js-guest'));
    const again = (await component.instantiate()).exports['test:jsguest/api'];
    equal(again.greet('again'), 'Hello, again!');
  });
});
