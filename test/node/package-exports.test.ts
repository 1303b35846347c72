/**
 * The published shape: imports the package by its name, through package.json's `exports` map
 * (Node resolves a package's own name from inside it), exactly as an application would after
 * `npm install isowasm`: the node condition of `isowasm`, and `isowasm/core`, `/node`, `/browser`.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = new URL('../../../', import.meta.url);
const echo = fileURLToPath(new URL('build/fixtures/bench-echo.wasm', root));

describe('the package by its name (exports map, node condition)', () => {
  it("'isowasm' resolves to the Node build, whose loadComponent serves grants", async () => {
    const resolved = import.meta.resolve('isowasm');
    assert.equal(resolved, new URL('dist/index.node.js', root).href);
    const isowasm = await import('isowasm');
    for (const name of ['loadComponent', 'Component', 'IsowasmError', 'nodePlatform', 'nodeWasi', 'createMemoryVolume', 'createDirectoryVolume', 'wasiHost', 'createMemoryKeyValue', 'createSqliteKeyValue', 'createRedisKeyValue']) {
      assert.ok(name in isowasm, `isowasm exports ${name}`);
    }
    const component = await isowasm.loadComponent(echo);
    const { exports } = await component.instantiate({ capabilities: { env: { A: '1' } } });
    assert.equal(exports.echo('héllo'), 'héllo');
  });

  it("'isowasm/core' is the loader alone (no WASI host) and runs a component", async () => {
    assert.equal(import.meta.resolve('isowasm/core'), new URL('dist/core.js', root).href);
    const core = await import('isowasm/core');
    assert.ok(!('nodePlatform' in core) && !('wasiHost' in core), 'core carries no WASI host');
    const component = await core.loadComponent(await readFile(echo));
    assert.equal((await component.instantiate()).exports.echo('abc'), 'abc');
  });

  it("'isowasm/node' and 'isowasm/browser' resolve to their builds and import in Node", async () => {
    assert.equal(import.meta.resolve('isowasm/node'), new URL('dist/node.js', root).href);
    assert.equal(import.meta.resolve('isowasm/browser'), new URL('dist/browser.js', root).href);
    const node = await import('isowasm/node');
    const browser = await import('isowasm/browser');
    assert.equal(node.nodePlatform.name, 'node');
    assert.equal(browser.browserPlatform.name, 'browser');
    assert.equal(typeof browser.createIndexedDbVolume, 'function');
  });

  it('package.json names types first and default last in every condition', async () => {
    const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { exports: Record<string, unknown> };
    const check = (o: unknown, at: string): void => {
      if (typeof o !== 'object' || o === null) return;
      const keys = Object.keys(o);
      if (keys.includes('default')) assert.equal(keys.at(-1), 'default', `${at}: default last`);
      // platform conditions (workerd, node) lead with their own objects; then types, first of the rest
      const flat = keys.filter((k) => typeof (o as Record<string, unknown>)[k] === 'string');
      if (flat.includes('types')) assert.equal(flat[0], 'types', `${at}: types first`);
      for (const [k, v] of Object.entries(o)) check(v, `${at}.${k}`);
    };
    check(pkg.exports, 'exports');
  });

  it("a bundler targeting workerd (wrangler's conditions) gets the browser build, even beside node", async () => {
    const { build } = await import('esbuild');
    for (const conditions of [['workerd', 'worker', 'browser'], ['workerd', 'node']]) {
      const r = await build({
        stdin: { contents: "export { loadComponent } from 'isowasm';", resolveDir: fileURLToPath(root) },
        bundle: true, write: false, format: 'esm', platform: 'neutral', conditions, metafile: true, logLevel: 'silent',
        // the checkout's tsconfig maps `isowasm` to src/ for tsc; an installed package has none
        tsconfigRaw: '{}',
        external: ['node:*'],
      });
      const inputs = Object.keys(r.metafile.inputs);
      assert.ok(inputs.includes('dist/index.browser.js'), `${conditions.join()}: ${inputs.join(', ')}`);
      assert.ok(!inputs.includes('dist/index.node.js'), conditions.join());
    }
  });
});
