/**
 * The published shape in a browser: imports the package by its name, resolved by the dev server
 * through package.json's `exports` map with the browser conditions, as a bundler would: `isowasm`
 * must be the browser build (no node:* import), `isowasm/browser` and `isowasm/core` likewise.
 */
import * as isowasm from 'isowasm';
import * as browser from 'isowasm/browser';
import * as core from 'isowasm/core';
import { equal, ok } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

describe('the package by its name in Chromium (exports map, browser conditions)', () => {
  it("'isowasm' is the browser build: browserPlatform, IndexedDB volumes, no Node platform", () => {
    const names = Object.keys(isowasm);
    ok(names.includes('browserPlatform') && names.includes('createIndexedDbVolume') && names.includes('createIndexedDbKeyValue') && names.includes('createMemoryKeyValue'), 'browser exports');
    ok(!names.includes('nodePlatform') && !names.includes('createDirectoryVolume'), 'no Node exports');
  });

  it("'isowasm' loads and calls a component, granting capabilities through its platform", async () => {
    const component = await isowasm.loadComponent(await readFixture('bench-echo'));
    const { exports } = await component.instantiate({ capabilities: { env: { A: '1' } } });
    equal(exports.echo('héllo'), 'héllo');
  });

  it("'isowasm/browser' and 'isowasm/core' import, and core carries no WASI host", async () => {
    equal(browser.browserPlatform.name, 'browser');
    ok(!('wasiHost' in core) && !('browserPlatform' in core), 'core is the loader alone');
    const component = await core.loadComponent(await readFixture('bench-echo'));
    equal((await component.instantiate()).exports.echo('abc'), 'abc');
  });
});
