import { loadComponent } from '../../src/core/index.js';
import { deepEqual, equal } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { describe, it } from '../harness/test-api.js';

describe('smoke: the smallest real components', () => {
  it('adder adds and wraps u32', async () => {
    const c = await loadComponent(await readConformance('adder'));
    deepEqual(c.exports.map((e) => e.name), ['docs:adder/add@0.1.0']);
    const { exports } = await c.instantiate();
    equal(exports['docs:adder/add@0.1.0'].add(1, 2), 3);
    equal(exports.add.add(4294967295, 1), 0);
  });

  it('asmjs_bigint converts s64 both ways', async () => {
    const { exports } = await (await loadComponent(await readConformance('asmjs_bigint'))).instantiate();
    equal(exports.add(1n, 2n), 3n);
    equal(exports.add(1n << 33n, -(1n << 42n)), -4389456576512n);
    equal(exports.add(2n ** 63n - 1n, 1n), -(2n ** 63n));
  });
});
