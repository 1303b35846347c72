import { fileURLToPath } from 'node:url';
import { type Component, type ComponentSource, IsowasmError, type LoadOptions, loadComponent as loadCore, readSource } from '../core/index.js';
import { checkIntegrity } from '../core/integrity.js';
import { describeSource } from '../core/load.js';
import { nodePlatform } from './platform.js';

/**
 * Loads a component in Node: like the core `loadComponent`, and also accepts a file path or a
 * `file:` URL, read from disk. `nodePlatform` serves its instances' grants and workers unless
 * `options.platform` says otherwise. `E` and `I` type the exports and imports (see `Component`).
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/node';
 * const component = await loadComponent('./app.wasm');
 * // typed by the declarations `isowasm types app.wasm` wrote (app.wasm.d.ts):
 * //   import type { Exports } from './app.wasm.js';
 * const typed = await loadComponent<Exports>('./app.wasm');
 * ```
 */
export async function loadComponent<E = Record<string, any>, I = Record<string, unknown>>(source: ComponentSource, given: LoadOptions = {}): Promise<Component<E, I>> {
  const options: LoadOptions = { ...given, platform: given.platform ?? nodePlatform };
  const path = localPath(source);
  return loadCore<E, I>(path === null ? source : await readFileBytes(path), options);
}

/**
 * A component's bytes from any source `loadComponent` takes in Node (file paths too), checked
 * against `options.integrity` when given.
 *
 * @example
 * ```ts
 * const bytes = await readComponentBytes('./app.wasm', { integrity: 'sha256-...' });
 * ```
 */
export async function readComponentBytes(source: ComponentSource, options: LoadOptions = {}): Promise<Uint8Array> {
  const path = localPath(source);
  const bytes = path === null ? await readSource(source, options) : await readFileBytes(path);
  if (options.integrity !== undefined) await checkIntegrity(bytes, options.integrity, path === null ? describeSource(source) : `the component file ${path}`);
  return bytes;
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    // imported here: node:fs/promises costs milliseconds at import time (see builtins.ts)
    const { readFile } = await import('node:fs/promises');
    const b = await readFile(path);
    // a plain view: a Buffer's slice() shares its memory (a copy that isn't one), and its
    // subarray() costs more on the parser's hot path
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new IsowasmError('LOAD_FAILED', `could not read the component file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function localPath(source: ComponentSource): string | null {
  if (source instanceof URL) return source.protocol === 'file:' ? fileURLToPath(source) : null;
  if (typeof source !== 'string') return null;
  if (source.startsWith('file:')) return fileURLToPath(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('data:')) return null;
  return source;
}
