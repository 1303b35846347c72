import { type Component, type ComponentSource, type LoadOptions, loadComponent as loadCore } from '../core/index.js';
import { browserPlatform } from './platform.js';

/**
 * Loads a component in a browser, a Worker or a Service Worker: like the core `loadComponent`,
 * with `browserPlatform` serving its instances' grants unless `options.platform` says otherwise.
 * `E` and `I` type the exports and imports (see `Component`).
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/browser';
 * const component = await loadComponent(new URL('./app.wasm', import.meta.url));
 * // typed by the declarations `isowasm types app.wasm` wrote (app.wasm.d.ts):
 * //   import type { Exports } from './app.wasm.js';
 * const typed = await loadComponent<Exports>(new URL('./app.wasm', import.meta.url));
 * ```
 */
export function loadComponent<E = Record<string, any>, I = Record<string, unknown>>(source: ComponentSource, options: LoadOptions = {}): Promise<Component<E, I>> {
  return loadCore<E, I>(source, { ...options, platform: options.platform ?? browserPlatform });
}
