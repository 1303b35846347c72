/**
 * The conformance groups and the value suites again, with every instance metered (generous
 * limits.fuel and limits.timeoutMs, so none is stopped): what metering rewrites must not change
 * what any component computes.
 */
import { Component } from '../../src/core/component.js';

const instantiate = Component.prototype.instantiate;
Component.prototype.instantiate = function metered(this: Component, options = {}) {
  const given = (options as { limits?: object }).limits;
  return instantiate.call(this, { ...options, limits: { fuel: 1e15, timeoutMs: 1e9, ...given } });
};

for (const suite of ['conformance-group1', 'conformance-group2', 'conformance-group3', 'conformance-group4', 'conformance-group5', 'conformance-group6', 'values', 'values-strings', 'js-guest']) {
  await import(`../shared/${suite}.test.js`);
}
