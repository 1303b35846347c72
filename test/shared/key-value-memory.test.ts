/** The KeyValueStore contract suite on the memory store (Node and Chromium), and what is its own. */
import { createMemoryKeyValue } from '../../src/core/host/key-values/memory.js';
import { equal } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { testKeyValue } from './key-value-suite.js';

testKeyValue('memory', async () => ({ store: createMemoryKeyValue() }));

describe('createMemoryKeyValue', () => {
  it('is synchronous: its methods return values, so instances granted it stay synchronous', () => {
    const store = createMemoryKeyValue();
    equal(store.async, false);
    const b = store.open('x');
    b.set('k', new Uint8Array([1]));
    equal(b.get('k')?.[0], 1);
    equal(b.increment('n', 2n), 2n);
    equal(store.open('x'), b);
  });
});
