import { type Component, type ComponentSource, type LoadOptions, loadComponent as loadCore } from '../core/index.js';
import { type CacheOutcome, cachedBytes } from './cache.js';
import { browserPlatform } from './platform.js';

/** Options of the browser `loadComponent`: the core ones, and the Cache Storage cache. */
export interface BrowserLoadOptions extends LoadOptions {
  /**
   * Keep the bytes of a component loaded from a URL in Cache Storage (`true`: the cache named
   * `'isowasm'`; a string: that cache), so the next page load or Service Worker start does not
   * download them again. With `integrity` a matching cached copy is used without asking the
   * network; without it the copy is revalidated (a 304 costs a round trip, no download) and used
   * when the network fails. Where Cache Storage is missing (an insecure context), the bytes are
   * downloaded as usual.
   */
  readonly cache?: boolean | string;
  /** Told how the cache served this load. */
  readonly onCache?: (outcome: CacheOutcome) => void;
}

export type { CacheOutcome };

/**
 * Loads a component in a browser, a Worker or a Service Worker: like the core `loadComponent`,
 * with `browserPlatform` serving its instances' grants unless `options.platform` says otherwise,
 * and the bytes kept in Cache Storage with `cache`. `E` and `I` type the exports and imports
 * (see `Component`).
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/browser';
 * const component = await loadComponent(new URL('./app.wasm', import.meta.url), {
 *   integrity: 'sha256-...', // from `isowasm inspect app.wasm`
 *   cache: true,
 *   onProgress: (received, total) => console.log(received, total),
 * });
 * // typed by the declarations `isowasm types app.wasm` wrote (app.wasm.d.ts):
 * //   import type { Exports } from './app.wasm.js';
 * const typed = await loadComponent<Exports>(new URL('./app.wasm', import.meta.url));
 * ```
 */
export async function loadComponent<E = Record<string, any>, I = Record<string, unknown>>(source: ComponentSource, options: BrowserLoadOptions = {}): Promise<Component<E, I>> {
  const { cache, onCache, ...rest } = options;
  const loadOptions: LoadOptions = { ...rest, platform: options.platform ?? browserPlatform };
  if (cache && (typeof source === 'string' || source instanceof URL) && typeof caches !== 'undefined') {
    const url = new URL(source, typeof location !== 'undefined' ? location.href : undefined).href;
    const { bytes, outcome } = await cachedBytes(url, typeof cache === 'string' ? cache : 'isowasm', loadOptions);
    onCache?.(outcome);
    // checked against integrity already
    const { integrity: _checked, ...compileOptions } = loadOptions;
    return loadCore<E, I>(bytes, compileOptions);
  }
  return loadCore<E, I>(source, loadOptions);
}
