/**
 * The package as a user gets it: `npm pack` (the dist/ that `npm test` just built), installed
 * into a fresh project, imported by its name in Node (24, and the lowest Node the package
 * supports when the machine has it) and in plain Chromium pages with no bundler: one with an
 * import map naming the package, one importing the browser build's file directly. Nothing is
 * fetched: the package has no runtime dependencies.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, extname, join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withPage } from '../harness/chromium.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; dependencies?: object };
const lowestNode = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
let project: string;

/** The first `node` on the PATH, outside this repository's node_modules, whose major version is `major`. */
function nodeOfMajor(major: number): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'node');
    if (dir.includes('node_modules') || !existsSync(bin)) continue;
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (v.startsWith(`v${major}.`)) return bin;
  }
  return null;
}

before(() => {
  project = mkdtempSync(join(tmpdir(), 'isowasm-install-'));
  // --ignore-scripts: dist/ is already built, and `prepare` must not rebuild it under the running suite
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(project, tarball)], { cwd: project, stdio: 'pipe' });
  copyFileSync(join(root, 'build/fixtures/bench-echo.wasm'), join(project, 'echo.wasm'));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const nodeScript = `
import { loadComponent, nodePlatform } from 'isowasm';
import * as node from 'isowasm/node';
import * as browser from 'isowasm/browser';
import * as core from 'isowasm/core';
const component = await loadComponent('./echo.wasm');
const { exports } = await component.instantiate({ capabilities: { env: { A: '1' } } });
console.log(JSON.stringify({ echo: exports.echo('héllo'), platform: nodePlatform.name, node: typeof node.createDirectoryVolume, browser: typeof browser.createIndexedDbVolume, core: typeof core.Component }));
`;

describe('the packed package, installed into a fresh project', () => {
  it('has no runtime dependencies (it installs offline)', () => {
    assert.equal(pkg.dependencies, undefined);
    assert.ok(readdirSync(join(project, 'node_modules')).every((n) => n === 'isowasm' || n.startsWith('.')));
  });

  it(`imports isowasm, isowasm/node, isowasm/browser and isowasm/core by name and runs a component on Node ${process.versions.node.split('.')[0]} and on Node ${lowestNode}, the lowest in "engines", when the machine has it`, (t) => {
    writeFileSync(join(project, 'main.js'), nodeScript);
    const nodes = [process.execPath];
    const lowest = nodeOfMajor(lowestNode);
    if (lowest) nodes.push(lowest);
    else t.diagnostic(`no Node ${lowestNode} on the PATH outside node_modules: checked Node ${process.version} only`);
    for (const bin of nodes) {
      const r = spawnSync(bin, ['main.js'], { cwd: project, encoding: 'utf8' });
      assert.equal(r.status, 0, `${bin}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), { echo: 'héllo', platform: 'node', node: 'function', browser: 'function', core: 'function' });
    }
  });

  it('its .d.ts files type-check in a browser project (lib ES2022 + DOM, no @types/node) and in a Node one', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    writeFileSync(join(project, 'app.ts'), `import { loadComponent, type Capabilities, type Instance } from 'isowasm';
import { createIndexedDbVolume } from 'isowasm/browser';
import { Component, IsowasmError } from 'isowasm/core';
const caps: Capabilities = { fs: { preopens: { '/data': await createIndexedDbVolume('app') } } };
const component: Component = await loadComponent(new URL('./echo.wasm', import.meta.url));
const instance: Instance = await component.instantiate({ capabilities: caps });
export const out: unknown = instance.exports.echo('hi');
export const isError = (e: unknown): boolean => e instanceof IsowasmError;
`);
    writeFileSync(join(project, 'node.ts'), `import { loadComponent, nodePlatform } from 'isowasm';
import { createDirectoryVolume } from 'isowasm/node';
const component = await loadComponent('./echo.wasm', { platform: nodePlatform });
export const out = (await component.instantiate({ capabilities: { fs: { preopens: { '/d': createDirectoryVolume('.') } } } })).exports;
`);
    const base = { target: 'ES2022', module: 'ESNext', strict: true, noEmit: true, skipLibCheck: false };
    writeFileSync(join(project, 'tsconfig.browser.json'), JSON.stringify({ compilerOptions: { ...base, moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] }, files: ['app.ts'] }));
    writeFileSync(join(project, 'tsconfig.node.json'), JSON.stringify({ compilerOptions: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['node.ts'] }));
    for (const config of ['tsconfig.browser.json', 'tsconfig.node.json']) {
      const r = spawnSync(process.execPath, [tsc, '-p', config], { cwd: project, encoding: 'utf8' });
      assert.equal(r.status, 0, `${config}:\n${r.stdout}${r.stderr}`);
    }
  });

  it('npx isowasm runs the CLI from the installed package: --version, inspect', () => {
    const v = spawnSync('npx', ['--no-install', 'isowasm', '--version'], { cwd: project, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), `isowasm ${pkg.version}`);
    const r = spawnSync('npx', ['--no-install', 'isowasm', 'inspect', 'echo.wasm'], { cwd: project, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /echo: func\(/);
  });

  describe('in plain Chromium pages, no bundler', () => {
    let server: Server;
    let origin: string;
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };

    before(async () => {
      server = createServer((req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
        // the browser asks for it on its own; a 404 would read as an error of the page
        if (path === '/favicon.ico') {
          res.writeHead(204).end();
          return;
        }
        const file = join(project, path);
        if (!file.startsWith(project) || !existsSync(file)) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const a = server.address();
      origin = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const pageScript = (imports: string): string => `<!doctype html><meta charset="utf-8"><script type="module">
${imports}
try {
  const component = await loadComponent(new URL('/echo.wasm', location.href));
  const { exports } = await component.instantiate({ capabilities: { env: { A: '1' } } });
  const volume = await createIndexedDbVolume('install-test');
  window.result = { echo: exports.echo('héllo'), platform: browserPlatform.name, volume: typeof volume.lstat, core: typeof Component };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script>`;

    async function run(page: string): Promise<unknown> {
      return withPage(`${origin}/${page}`, async (p, errors) => {
        await p.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 20_000 }).catch(() => {});
        const result = await p.evaluate(() => (window as unknown as { result?: unknown }).result);
        assert.deepEqual(errors, [], 'no errors on the page');
        return result;
      });
    }

    it('an import map naming the package: isowasm, isowasm/browser and isowasm/core by name', async () => {
      const d = 'node_modules/isowasm/dist';
      writeFileSync(join(project, 'by-name.html'), `<script type="importmap">${JSON.stringify({ imports: { isowasm: `/${d}/index.browser.js`, 'isowasm/browser': `/${d}/browser.js`, 'isowasm/core': `/${d}/core.js` } })}</script>\n${pageScript(`import { loadComponent } from 'isowasm';
import { browserPlatform, createIndexedDbVolume } from 'isowasm/browser';
import { Component } from 'isowasm/core';`)}`);
      assert.deepEqual(await run('by-name.html'), { echo: 'héllo', platform: 'browser', volume: 'function', core: 'function' });
    });

    it('no import map: the browser build imported by its file resolves everything it needs', async () => {
      const d = '/node_modules/isowasm/dist';
      writeFileSync(join(project, 'by-file.html'), pageScript(`import { loadComponent, browserPlatform, createIndexedDbVolume, Component } from '${d}/index.browser.js';`));
      assert.deepEqual(await run('by-file.html'), { echo: 'héllo', platform: 'browser', volume: 'function', core: 'function' });
    });
  });
});
