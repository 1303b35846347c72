/**
 * Helpers for the strategy suites (strategy-*.test.ts): instances of conformance components and
 * fixtures under a forced strategy, failures of calls that may throw or reject, and a platform
 * with JSPI or workers taken away for the length of a callback.
 */
import type { Instance, InstantiateOptions, Platform, Strategy } from '../../src/core/index.js';
import type { WorkerPlatform } from '../../src/core/worker/platform.js';
import { readFixture } from '../harness/fixtures.js';
import { platform, platformValue } from '../harness/platform.js';
import { type Call, type Exports, type Host, type RecordingWasi, recordingWasi } from './_conformance-hosts-2.js';
import { component } from './_conformance-hosts.js';

/** Every strategy; Node 24 and the cross-origin isolated Chromium test page support all three. */
export const STRATEGIES: readonly Strategy[] = ['jspi', 'worker', 'sync'];

export interface StrategyRun {
  readonly instance: Instance;
  readonly exports: Exports;
  readonly log: Call[];
  readonly wasi: RecordingWasi;
  readonly host: Record<string, any>;
}

/**
 * A fresh instance of conformance component `name` with `strategy`, the recording WASI stub and
 * the custom imports of `host`, on the entry's platform (with the workers of `withWorkers`).
 */
export async function startWith(name: string, strategy: Strategy | 'auto', host: Host = () => ({}), extra: Omit<InstantiateOptions, 'imports' | 'strategy'> = {}): Promise<StrategyRun> {
  const log: Call[] = [];
  const wasi = recordingWasi();
  const custom = host(log);
  const instance = await (await component(name)).instantiate({ imports: { ...wasi.imports, ...custom }, strategy, platform: await testPlatform(), ...extra });
  return { instance, exports: instance.exports, log, wasi, host: custom };
}

/** A fresh instance of fixture `name` (build/fixtures) with the platform's loader. */
export async function fixtureWith(name: string, options: InstantiateOptions): Promise<Instance> {
  const { loadComponent } = await platform();
  return (await loadComponent(await readFixture(name))).instantiate({ platform: await testPlatform(), ...options });
}

/** What `fn` threw or its promise rejected with (fails if neither). */
export async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Runs `fn` on a platform without JSPI: WebAssembly.Suspending and promising are removed meanwhile. */
export async function withoutJspi<T>(fn: () => Promise<T>): Promise<T> {
  const wa = WebAssembly as unknown as Record<string, unknown>;
  const saved = { Suspending: Object.getOwnPropertyDescriptor(wa, 'Suspending'), promising: Object.getOwnPropertyDescriptor(wa, 'promising') };
  delete wa.Suspending;
  delete wa.promising;
  try {
    return await fn();
  } finally {
    if (saved.Suspending) Object.defineProperty(wa, 'Suspending', saved.Suspending);
    if (saved.promising) Object.defineProperty(wa, 'promising', saved.promising);
  }
}

/** The workers `withWorkers` put in place of the platform's (undefined: the platform's own). */
let workers: WorkerPlatform | null | undefined;

/** The entry's platform, with the workers of `withWorkers` while it runs. */
async function testPlatform(): Promise<Platform> {
  const base = await platformValue();
  return workers === undefined ? base : { ...base, workers };
}

/** Runs `fn` with `p` as the platform's workers for the instances it starts (null: none). */
export async function withWorkers<T>(p: WorkerPlatform | null, fn: () => Promise<T>): Promise<T> {
  const saved = workers;
  workers = p;
  try {
    return await fn();
  } finally {
    workers = saved;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `cond()` holds (checked every few milliseconds), or fails after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
