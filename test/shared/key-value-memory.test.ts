/** The KeyValueStore contract suite on the memory store (Node and Chromium), and what is its own. */
import { createMemoryKeyValue } from '../../src/core/host/key-values/memory.js';
import { equal, throws } from '../harness/assert.js';
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

  it('holds at most maxBytes across its buckets: a write beyond fails, and deleting frees room', () => {
    const store = createMemoryKeyValue({ maxBytes: 1000 });
    const a = store.open('a');
    const b = store.open('b');
    a.set('k', new Uint8Array(500));
    throws(() => b.set('k', new Uint8Array(500)), { message: /full/ });
    equal(b.get('k'), undefined);
    // replacing a value counts the difference
    a.set('k', new Uint8Array(100));
    b.set('k', new Uint8Array(500));
    a.delete('k');
    b.set('k2', new Uint8Array(300));
    throws(() => b.increment('k3', 1n) && b.set('big', new Uint8Array(400)), { message: /full/ });
    throws(() => createMemoryKeyValue({ maxBytes: -1 }), { instanceOf: TypeError });
  });
});
