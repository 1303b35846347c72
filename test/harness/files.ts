/**
 * Reads test data in Node (from disk) and in the browser (over @web/test-runner's server, which
 * serves the repository root, and the conformance corpus under /__conformance/).
 */
import { isNode } from './test-api.js';

interface NodeFs { readFile(path: string | URL): Promise<Uint8Array> }

/** The repository root as a file: URL (Node only). */
export const repoRoot = new URL('../../../', import.meta.url);

async function nodeFs(): Promise<NodeFs> {
  const name = 'node:fs/promises';
  return (await import(name)) as NodeFs;
}

/** Reads a file by its path relative to the repository root. */
export async function readRepoFile(rel: string): Promise<Uint8Array> {
  if (isNode) return new Uint8Array(await (await nodeFs()).readFile(new URL(rel, repoRoot)));
  const res = await fetch(`/${rel}`);
  if (!res.ok) throw new Error(`could not fetch /${rel}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Reads a text file by its path relative to the repository root. */
export async function readRepoText(rel: string): Promise<string> {
  return new TextDecoder().decode(await readRepoFile(rel));
}

/** Reads a file of the async and WASI 0.3 corpus, e.g. `components/context-sync/component.wasm`. */
export async function readConformanceP3(rel: string): Promise<Uint8Array> {
  if (isNode) {
    const { conformanceP3Path } = await import('./conformance-dir.js');
    return new Uint8Array(await (await nodeFs()).readFile(conformanceP3Path(rel)));
  }
  const res = await fetch(`/__conformance-p3/${rel}`);
  if (!res.ok) throw new Error(`could not fetch conformance-p3 file ${rel}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Reads a component of the conformance corpus (see test/harness/conformance-dir.ts). */
export async function readConformance(name: string): Promise<Uint8Array> {
  if (isNode) {
    const { conformancePath } = await import('./conformance-dir.js');
    return new Uint8Array(await (await nodeFs()).readFile(conformancePath(`components/${name}.wasm`)));
  }
  const res = await fetch(`/__conformance/components/${name}.wasm`);
  if (!res.ok) throw new Error(`could not fetch conformance component ${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
