/**
 * Test fixtures built by scripts/build-fixtures.mjs (run by `npm test` before the suites), and
 * jco's transpiled bindings of each, loaded beside isowasm for differential checks.
 */
import { type Component, loadComponent } from '../../src/core/index.js';
import { readConformance, readRepoFile, repoRoot } from './files.js';
import { isNode } from './test-api.js';

/** Bytes of the fixture built from test/fixtures/<name>.wat or test/fixtures/<name>/. */
export function readFixture(name: string): Promise<Uint8Array> {
  return readRepoFile(`build/fixtures/${name}.wasm`);
}

const loaded = new Map<string, Promise<Component>>();

/** Loads (parses and compiles) `bytes()` once per test file under `key`, with the core loader. */
function once(key: string, bytes: () => Promise<Uint8Array>): Promise<Component> {
  let c = loaded.get(key);
  if (!c) {
    c = bytes().then((b) => loadComponent(b));
    loaded.set(key, c);
  }
  return c;
}

/** The fixture `name` as a component, loaded once per test file. */
export function fixtureComponent(name: string): Promise<Component> {
  return once(`fixture:${name}`, () => readFixture(name));
}

/** The conformance component `name` as a component, loaded once per test file. */
export function conformanceComponent(name: string): Promise<Component> {
  return once(`conformance:${name}`, () => readConformance(name));
}

type JcoInstantiate = (
  getCoreModule: (path: string) => Promise<WebAssembly.Module>,
  imports: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/**
 * Instantiates jco's bindings of a component with the given imports: `fixtures/<name>` for a
 * fixture, `conformance/<name>` for a conformance component.
 */
export async function jcoInstantiate(which: string, imports: Record<string, unknown>): Promise<Record<string, any>> {
  const [kind, name] = which.split('/') as [string, string];
  const dir = kind === 'conformance' ? `build/fixtures/conformance/${name}.jco` : `build/fixtures/${name}.jco`;
  const url = isNode ? new URL(`${dir}/${name}.js`, repoRoot).href : `/${dir}/${name}.js`;
  const mod = (await import(url)) as { instantiate: JcoInstantiate };
  return mod.instantiate(async (file) => WebAssembly.compile(await readRepoFile(`${dir}/${file}`) as Uint8Array<ArrayBuffer>), imports);
}
