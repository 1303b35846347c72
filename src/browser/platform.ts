/** The browser platform: isowasm's WASI host with browser adapters, and guests in module Workers. */
import type { Platform } from '../core/platform.js';
import { browserWasi } from './wasi.js';
import { browserWorkers } from './workers.js';

/**
 * What `loadComponent` of `isowasm` (in browsers) and `isowasm/browser` gives components: WASI
 * grants served with browser adapters (`browserWasi`) and the 'worker' strategy on module
 * Workers (`browserWorkers`, which needs `crossOriginIsolated`).
 *
 * @example
 * ```ts
 * import { Component } from 'isowasm/core';
 * import { browserPlatform } from 'isowasm/browser';
 * const component = await Component.compile(bytes, { platform: browserPlatform });
 * ```
 */
export const browserPlatform: Platform = { name: 'browser', wasi: browserWasi, workers: browserWorkers };
