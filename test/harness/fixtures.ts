/**
 * Test fixtures built by scripts/build-fixtures.mjs (run by `npm test` before the suites), and
 * jco's transpiled bindings of each, loaded beside isowasm for differential checks.
 */
import { readRepoFile, repoRoot } from './files.js';
import { isNode } from './test-api.js';

/** Bytes of the fixture built from test/fixtures/<name>.wat or test/fixtures/<name>/. */
export function readFixture(name: string): Promise<Uint8Array> {
  return readRepoFile(`build/fixtures/${name}.wasm`);
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
