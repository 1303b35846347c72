/**
 * The conformance groups and the value suites again, with every instance metered (generous
 * limits.fuel and limits.timeoutMs, so none is stopped): what metering rewrites must not change
 * what any component computes.
 */
import { Component } from '../../src/core/component.js';
import { ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const instantiate = Component.prototype.instantiate;
Component.prototype.instantiate = function metered(this: Component, options = {}) {
  const given = (options as { limits?: object }).limits;
  return instantiate.call(this, { ...options, limits: { fuel: 1e15, timeoutMs: 1e9, ...given } });
};

for (const suite of ['conformance-group1', 'conformance-group2', 'conformance-group3', 'conformance-group4', 'conformance-group5', 'conformance-group6', 'values', 'values-strings', 'js-guest']) {
  await import(`./${suite}.test.js`);
}

describe('the metered runs above', () => {
  it('really meter: an instance made through the patched instantiate spends fuel', async () => {
    const { loadComponent } = await import('../../src/core/index.js');
    const { readFixture } = await import('../harness/fixtures.js');
    const instance = await (await loadComponent(await readFixture('offload-guest'))).instantiate();
    // bytes loops (add, a straight-line function, would spend nothing)
    (instance.exports as { bytes(n: number): Uint8Array }).bytes(10);
    ok((instance.fuelConsumed ?? 0) > 0, `fuel spent: ${instance.fuelConsumed}`);
  });
});
