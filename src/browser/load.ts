import { type Component, type ComponentSource, type LoadOptions, loadComponent as loadCore } from '../core/index.js';
import { browserPlatform } from './platform.js';

/**
 * Loads a component in a browser, a Worker or a Service Worker: like the core `loadComponent`,
 * with `browserPlatform` serving its instances' grants unless `options.platform` says otherwise.
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/browser';
 * const component = await loadComponent(new URL('./app.wasm', import.meta.url));
 * ```
 */
export function loadComponent(source: ComponentSource, options: LoadOptions = {}): Promise<Component> {
  return loadCore(source, { ...options, platform: options.platform ?? browserPlatform });
}
