import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Component, type ComponentSource, IsowasmError, type LoadOptions, loadComponent as loadCore } from '../core/index.js';
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
  if (path === null) return loadCore<E, I>(source, options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new IsowasmError('LOAD_FAILED', `could not read the component file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return loadCore<E, I>(bytes, options);
}

function localPath(source: ComponentSource): string | null {
  if (source instanceof URL) return source.protocol === 'file:' ? fileURLToPath(source) : null;
  if (typeof source !== 'string') return null;
  if (source.startsWith('file:')) return fileURLToPath(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('data:')) return null;
  return source;
}
