/** The Node platform: isowasm's WASI host with Node's adapters, and guests in `worker_threads`. */
import type { Platform } from '../core/platform.js';
import { nodeWasi } from './wasi.js';
import { nodeWorkers } from './workers.js';

/**
 * What `loadComponent` of `isowasm` and `isowasm/node` gives components: WASI grants served
 * with Node's adapters (`nodeWasi`) and the 'worker' strategy on `worker_threads`
 * (`nodeWorkers`). Pass it yourself when you use `isowasm/core`'s loader, or spread it to change
 * a part.
 *
 * @example
 * ```ts
 * import { Component } from 'isowasm/core';
 * import { nodePlatform } from 'isowasm/node';
 * const component = await Component.compile(bytes, { platform: nodePlatform });
 * ```
 */
export const nodePlatform: Platform = { name: 'node', wasi: nodeWasi, workers: nodeWorkers };
