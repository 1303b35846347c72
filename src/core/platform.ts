/**
 * A platform: what `isowasm/node`, `isowasm/browser` or your own code hands the loader so that
 * instances get WASI grants and the 'worker' strategy. A value passed down (to `loadComponent`,
 * `Component.compile` or `instantiate`), never a registry: two platforms, or two configurations
 * of one, live side by side in one process.
 */
import type { WasiPlatform } from './host/platform.js';
import type { WorkerPlatform } from './worker/platform.js';

/**
 * What serves an instance's WASI grants (`wasi`) and runs guests in workers (`workers`); either
 * may be absent (then grants, or the 'worker' strategy, are refused with an error saying so).
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm/core';
 * import { nodePlatform } from 'isowasm/node';
 * const quiet: Platform = { ...nodePlatform, wasi: { ...nodePlatform.wasi!, defaultStdout: () => {} } };
 * const component = await loadComponent(bytes, { platform: quiet });
 * ```
 */
export interface Platform {
  /** `'node'`, `'browser'`, ... for messages */
  readonly name: string;
  readonly wasi?: WasiPlatform | null;
  readonly workers?: WorkerPlatform | null;
}
