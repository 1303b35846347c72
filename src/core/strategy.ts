/**
 * How an instance waits for asynchronous hosts (DESIGN.md section 5): suspend the guest with
 * JSPI, run it in a worker that blocks on `Atomics.wait` while this thread does the I/O, or
 * only call hosts that answer at once. 'auto' takes the first the platform supports; a strategy
 * the platform lacks fails with an error that names what is missing.
 */
import { isThenable, jspi, type Jspi } from './abi/jspi.js';
import type { ComponentCall } from './abi/functions.js';
import { IsowasmError } from './errors.js';
import type { ArgSource } from './link/instantiate.js';
import type { Item } from './link/items.js';
import type { WorkerPlatform } from './worker/platform.js';

/** The strategy an instance runs with. */
export type Strategy = 'jspi' | 'worker' | 'sync';

/** What `instantiate({ strategy })` accepts: a strategy, or 'auto' (the default). */
export type StrategyOption = 'auto' | Strategy;

const OPTIONS: readonly StrategyOption[] = ['auto', 'jspi', 'worker', 'sync'];

export type Chosen =
  | { readonly strategy: 'jspi'; readonly jspi: Jspi }
  | { readonly strategy: 'worker'; readonly platform: WorkerPlatform }
  /** refuse: when set, a host import that returns a promise fails with this error */
  | { readonly strategy: 'sync'; readonly refuse: ((name: string) => IsowasmError) | null };

const JSPI_MISSING = 'JavaScript Promise Integration (WebAssembly.Suspending, in Node 24+ and current Chromium)';

/** Why workers can't run the guest here, or null when they can. */
function workerMissing(workers: WorkerPlatform | null): string | null {
  if (!workers) return 'a worker platform: load the component with loadComponent of \'isowasm\', \'isowasm/node\' or \'isowasm/browser\' (not \'isowasm/core\'), or pass options.platform';
  return workers.missing();
}

/**
 * Picks the strategy of one instance. `wantsAsync`: the instance was asked to be asynchronous
 * (`async` option) or its grants are served asynchronously (`grantsAsync`); `workers`: how this
 * platform runs guests in workers (null: it can't).
 */
export function chooseStrategy(option: unknown, wantsAsync: boolean, grantsAsync: boolean, workers: WorkerPlatform | null): Chosen {
  const requested = option ?? 'auto';
  if (!OPTIONS.includes(requested as StrategyOption)) {
    throw new TypeError(`instantiate(): options.strategy must be one of ${OPTIONS.map((o) => `'${o}'`).join(', ')}, got ${typeof requested === 'string' ? `'${requested}'` : typeof requested}`);
  }
  const api = jspi();
  switch (requested as StrategyOption) {
    case 'jspi':
      if (!api) throw new IsowasmError('UNSUPPORTED', `strategy 'jspi' needs ${JSPI_MISSING}, which this platform lacks; use strategy 'worker' or 'auto'`);
      return { strategy: 'jspi', jspi: api };
    case 'worker': {
      const missing = workerMissing(workers);
      if (missing !== null || !workers) throw new IsowasmError('UNSUPPORTED', `strategy 'worker' needs ${missing}`);
      return { strategy: 'worker', platform: workers };
    }
    case 'sync':
      if (grantsAsync) {
        throw new IsowasmError('UNSUPPORTED', 'the granted capabilities (HTTP, sockets or an asynchronous volume) are served asynchronously, which strategy \'sync\' can\'t wait for; use strategy \'jspi\', \'worker\' or \'auto\'');
      }
      return { strategy: 'sync', refuse: (name) => forcedSyncError(name, workers) };
    case 'auto': {
      if (!wantsAsync) return { strategy: 'sync', refuse: null };
      if (api) return { strategy: 'jspi', jspi: api };
      const missing = workerMissing(workers);
      if (missing === null && workers) return { strategy: 'worker', platform: workers };
      const lack = `this platform lacks ${JSPI_MISSING}, and a worker needs ${missing}`;
      if (grantsAsync) throw new IsowasmError('UNSUPPORTED', `the granted capabilities (HTTP, sockets or an asynchronous volume) are served asynchronously, but ${lack}`);
      return { strategy: 'sync', refuse: (name) => new IsowasmError('UNSUPPORTED', `the host function ${name} returned a promise, which the guest can't wait for: ${lack}`) };
    }
  }
}

function forcedSyncError(name: string, workers: WorkerPlatform | null): IsowasmError {
  const missing = workerMissing(workers);
  const alternatives = [jspi() ? 'strategy \'jspi\'' : null, missing === null ? 'strategy \'worker\'' : null].filter((x) => x !== null);
  const fix = alternatives.length ? `use ${alternatives.join(' or ')}` : `this platform has neither ${JSPI_MISSING} nor workers (${missing})`;
  return new IsowasmError('UNSUPPORTED', `the host function ${name} returned a promise, but the instance runs with strategy 'sync', which can't wait for it; ${fix}`);
}

/**
 * The imports of a 'sync' instance: a host function that returns a promise fails with `refuse`'s
 * error (the guest can't wait for it) instead of the generic "not linked as asynchronous".
 */
export function refusingPromises(source: ArgSource, refuse: (name: string) => IsowasmError): ArgSource {
  const cache = new Map<string, Item | undefined>();
  const wrap = (item: Item, path: string): Item => {
    if (item.sort === 'func') {
      // the item's type and call are read when first needed: a host function makes them then
      let call: ComponentCall | undefined;
      return {
        sort: 'func',
        get type() { return item.type; },
        ...(item.async !== undefined ? { async: item.async } : {}),
        ...(item.callAsync !== undefined ? { callAsync: item.callAsync } : {}),
        call: (...args: unknown[]) => {
          const r = (call ??= item.call)(...args);
          if (!isThenable(r)) return r;
          // nobody will wait for it: keep its rejection from being reported as unhandled
          Promise.resolve(r).catch(() => {});
          throw refuse(path);
        },
      };
    }
    if (item.sort === 'instance') {
      return { sort: 'instance', exports: new Map([...item.exports].map(([k, v]) => [k, wrap(v, `${path}#${k}`)])) };
    }
    return item;
  };
  return {
    has: (name) => source.has(name),
    get(name) {
      if (cache.has(name)) return cache.get(name);
      const item = source.get(name);
      const out = item && wrap(item, name);
      cache.set(name, out);
      return out;
    },
  };
}
