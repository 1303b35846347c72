import { parseComponent } from './binary/parse-component.js';
import type { LoaderLimits } from './binary/limits.js';
import { type CoreSignatures, readCoreSignatures } from './binary/core-signatures.js';
import { coreModuleKey, strippedModule } from './binary/precompiled.js';
import type { ComponentModel } from './binary/model.js';
import { IsowasmError } from './errors.js';
import type { ItemDescription } from './link/describe.js';
import type { AsyncSpec } from './link/async-options.js';
import type { Capabilities } from './host/capabilities.js';
import type { Grants } from './host/grants.js';
import type { WasiPlatform } from './host/platform.js';
import type { Platform } from './platform.js';
import type { Instantiation, LinkContext } from './link/instantiate.js';
import { type ModuleVariant, PLAIN_KEY, variantKey, variantOf } from './meter/variant-key.js';
import { METER_MODULE, METER_REFILL } from './meter/names.js';
import type { Strategy, StrategyOption } from './strategy.js';
import { type Linker, loadLinker, loadRewriter } from './lazy.js';
import { type InstanceLimits, resolveLimits } from './limits.js';
import type { SwappableImports } from './reset/swap.js';

/**
 * Options of `Component.instantiate`. `I` types `imports` (default: any object); the `Imports`
 * interface that `isowasm types` generates for a component is one.
 */
export interface InstantiateOptions<I = Record<string, unknown>> {
  /**
   * The host's imports in jco's conventions: interfaces keyed `'ns:pkg/iface'` (with or without
   * `@version`) holding camelCase functions and PascalCase resource classes; world-level
   * functions keyed by their name.
   */
  readonly imports?: I;
  /**
   * Lets host imports return promises: the guest suspends until they settle (JSPI, present in
   * Node 24+ and Chromium). `true`: every import may, and every export returns a promise.
   * `{ imports, exports }`: the listed imports (default: host functions declared `async`) and the
   * listed exports (default: all); names are `'ns:pkg/iface#func'` or a world-level `'func'`.
   * Calls into one instance that return promises run one at a time, in call order; a
   * synchronous export can't call an async import.
   */
  readonly async?: AsyncSpec;
  /**
   * What the instance may reach (deny by default): stdio, env, args, clocks, random, filesystem
   * preopens, HTTP origins, config. The WASI interfaces the component imports and `imports`
   * does not supply are served from these grants by the platform's WASI implementation.
   */
  readonly capabilities?: Capabilities;
  /** Called once per capability when the guest tries something it was not granted (default: console.warn). */
  readonly onCapabilityDenied?: (error: IsowasmError) => void;
  /**
   * Called when an outgoing HTTP request of the guest fails on the way (refused connection,
   * timeout, unknown host), with an `UPSTREAM_FAILED` IsowasmError; the guest receives the
   * wasi:http error-code either way. `createFetchHandler` uses it to answer 502 when a guest
   * fails after its own upstream did.
   */
  readonly onOutgoingError?: (error: IsowasmError) => void;
  /**
   * The platform that serves grants and runs workers (default: the one the component was loaded
   * with: `loadComponent` of `isowasm`, `isowasm/node` and `isowasm/browser` give their own).
   */
  readonly platform?: Platform;
  /** The WASI implementation to serve grants with (default: the platform's). */
  readonly wasi?: WasiPlatform;
  /**
   * How the instance waits for hosts that return promises (default `'auto'`):
   * - `'jspi'`: in this thread; the imports that `async` selects suspend the guest with
   *   JavaScript Promise Integration (`WebAssembly.Suspending`, Node 24+ and Chromium).
   * - `'worker'`: the guest runs in a worker (Node `worker_threads`; in browsers a module Worker,
   *   which needs `crossOriginIsolated`) and blocks in `Atomics.wait` while this thread runs the
   *   host's imports. Any import may return a promise, every export returns a promise (`new` of
   *   a resource class too), and resources cross as proxies. Calls run one at a time, in call
   *   order; arguments cross as data (records as plain objects). A host function that calls
   *   into its own instance gets `REENTRANCE` (if it awaits such a call, it waits forever, as
   *   with JSPI). A host call costs some tens of microseconds.
   * - `'sync'`: in this thread, without waiting: a host import that returns a promise fails with
   *   an `IsowasmError` `UNSUPPORTED`.
   * - `'auto'`: `'sync'` unless the instance is asynchronous (`async`, or grants such as HTTP);
   *   then `'jspi'` where the platform has it, else `'worker'` where it can run one, else
   *   `'sync'`, whose refusal names what the platform lacks.
   *
   * A strategy the platform lacks fails at once with `UNSUPPORTED`, naming what is missing.
   *
   * @example
   * ```ts
   * const { exports, strategy } = await component.instantiate({
   *   imports: { 'acme:kv/store': { get: async (key: string) => (await fetch(`/kv/${key}`)).text() } },
   *   strategy: 'worker',
   * });
   * console.log(strategy, await exports.run()); // 'worker', and every export returns a promise
   * ```
   */
  readonly strategy?: StrategyOption;
  /**
   * Limits of the instance (see `InstanceLimits`): `liftBytes` bounds what one call may lift out
   * of the guest, `lowerBytes` what it may lower into it (default for both: 4 times the guest's
   * memory, at least 64 MiB, at most 1 GiB). A call over a limit fails with `MEMORY_LIMIT`.
   *
   * @example
   * ```ts
   * await component.instantiate({ limits: { liftBytes: 16 * 2 ** 20, lowerBytes: 2 ** 30 } });
   * ```
   */
  readonly limits?: InstanceLimits;
  /**
   * Makes `instance.reset()` available: it puts the instance back as it was right after
   * instantiation (every memory, mutable global and table of its core modules, its handle
   * tables, and the WASI host's state), at a fraction of the cost of a new instance. The core
   * modules are rewritten once per component so their non-exported state can be reached, and
   * each instance keeps a copy of its memories. A component whose state a reset can't undo
   * (`table.grow`, `data.drop`, a 64-bit or shared memory, a core module the host supplies) is
   * refused with `UNSUPPORTED`.
   *
   * @example
   * ```ts
   * const instance = await component.instantiate({ resettable: true });
   * instance.exports.handle(requestA);
   * await instance.reset(); // nothing of requestA is left
   * instance.exports.handle(requestB);
   * ```
   */
  readonly resettable?: boolean;
}

/**
 * Options of `Component.compile` (and of `loadComponent`, which passes them on).
 *
 * @example
 * ```ts
 * const component = await Component.compile(bytes, { platform: nodePlatform, limits: { maxTypeDepth: 200 } });
 * ```
 */
export interface CompileOptions {
  /** serves the instances' grants and workers (see `Platform`) */
  readonly platform?: Platform;
  /** Bounds on the work the binary may ask for (see `LoaderLimits` for the defaults). */
  readonly limits?: LoaderLimits;
  /**
   * The component's core modules, compiled already: used instead of compiling their bytes, which
   * Cloudflare's workerd forbids (its scripts import `.wasm` files as compiled modules). Keyed by
   * the lowercase hex SHA-256 of each module's bytes (`coreModuleKey`), which is what
   * `isowasm bundle app.wasm --target workerd` writes them under; a module missing, left over,
   * or whose imports and exports differ from the component's is refused with `LOAD_FAILED`.
   * A component stripped by `isowasm bundle` (or `stripCoreModules`) loads only with them.
   *
   * @example
   * ```ts
   * // worker.js written by `isowasm bundle app.wasm --target workerd`
   * import component from './app.component.wasm';   // bytes (workerd: a Data module)
   * import m0 from './core-3f2a….wasm';               // a compiled WebAssembly.Module
   * const loaded = await loadComponent(new Uint8Array(component), { modules: { '3f2a…': m0 } });
   * ```
   */
  readonly modules?: Readonly<Record<string, WebAssembly.Module>>;
  /**
   * The limits `modules` were rewritten for ahead of time (`isowasm bundle --fuel/--timeout/
   * --max-memory` does it for workerd, which can't compile): instances with these limits use them
   * as they are (metered modules import the meter, which every such instance gets).
   *
   * @example
   * ```ts
   * await loadComponent(bytes, { modules, rewrittenFor: { fuel: 1e7 } });
   * ```
   */
  readonly rewrittenFor?: InstanceLimits;
}

/**
 * A running instance of a component. `E` types `exports` (default: any object); the `Exports`
 * interface that `isowasm types` generates for a component is one.
 *
 * @example
 * ```ts
 * import type { Exports } from './app.wasm.js'; // written by `isowasm types app.wasm`
 * const instance: Instance<Exports> = await (await loadComponent<Exports>('app.wasm')).instantiate();
 * ```
 */
export interface Instance<E = Record<string, any>> {
  /**
   * The component's exports: interfaces under their full name (and without version, and as a
   * camelCase short name where unambiguous), functions in camelCase, resources as classes.
   */
  readonly exports: E;
  /** How the instance waits for asynchronous hosts (see `InstantiateOptions.strategy`). */
  readonly strategy: Strategy;
  /**
   * Ends the instance: later calls fail with `INSTANCE_POISONED`. With `'worker'`, its worker is
   * stopped at once and calls in flight reject too (a worker also ends once nothing references
   * the instance's exports).
   */
  terminate(): Promise<void>;
  /**
   * Puts the instance back as it was right after instantiation, as if it were a new one: its
   * memories (contents and size), mutable globals, tables, handle tables and WASI host state.
   * The exports stay the same objects; resource objects JS got before the reset stop working
   * (a `TypeError` says so). It also revives an instance that trapped or ran out of fuel or
   * time. Only for instances made with `resettable: true` (else `UNSUPPORTED`); refused with
   * `REENTRANCE` while a call is in progress and with `INSTANCE_POISONED` after `terminate()`.
   *
   * @example
   * ```ts
   * const instance = await component.instantiate({ resettable: true });
   * instance.exports.counter.increment();
   * await instance.reset();
   * instance.exports.counter.get(); // as a fresh instance answers
   * ```
   */
  reset(): Promise<void>;
  /**
   * The fuel the instance spent so far (with `limits.fuel` or `limits.timeoutMs`: one unit per
   * loop iteration and per call of a function that loops or calls, the same in every engine; 0
   * without them).
   */
  readonly fuelConsumed?: number;
}

/**
 * A loaded component: parsed, with its core modules compiled once. Instantiate it as often as
 * needed; each instance has its own memory, handles and imports. `E` and `I` type its instances'
 * exports and its `imports` option (default: any object): pass the `Exports` and `Imports`
 * interfaces that `isowasm types app.wasm` writes. They are types only, taken on trust: the
 * runtime checks values, not the declarations.
 *
 * @example
 * ```ts
 * const component = await loadComponent(bytes);
 * console.log(component.exports.map((e) => e.name));
 * const { exports } = await component.instantiate({ imports: {} });
 * // typed with the declarations `isowasm types app.wasm` wrote to app.wasm.d.ts:
 * //   import type { Exports, Imports } from './app.wasm.js';
 * const typed = await loadComponent<Exports, Imports>('app.wasm');
 * ```
 */
export class Component<E = Record<string, any>, I = Record<string, unknown>> {
  readonly #model: ComponentModel;
  readonly #link: LinkContext;
  /** the binary, for workers (the 'worker' strategy parses it again there) */
  readonly #bytes: Uint8Array;
  /** what instances get grants and workers from unless `instantiate` says otherwise */
  readonly #platform: Platform | null;
  #described: { imports: ItemDescription[]; exports: ItemDescription[] } | null = null;
  /** the core modules compiled again with their memories capped and/or metered, by `${pages}:${metered}` */
  readonly #variants = new Map<string, Promise<LinkContext>>();

  /** Use `loadComponent` or `Component.compile`. */
  /** the variant the compiled modules are (`rewrittenFor`; the plain one otherwise) */
  readonly #rewrittenFor: string;
  /** the core modules were handed in compiled (`modules`): nothing here can rewrite them */
  readonly #precompiled: boolean;
  /** the linker, ABI and descriptions, loaded by `compile` (lazy.ts) */
  readonly #linker: Linker;

  private constructor(model: ComponentModel, link: LinkContext, bytes: Uint8Array, platform: Platform | null, rewrittenFor: string, precompiled: boolean, linker: Linker) {
    this.#linker = linker;
    this.#rewrittenFor = rewrittenFor;
    this.#precompiled = precompiled;
    this.#model = model;
    this.#link = link;
    this.#bytes = bytes;
    this.#platform = platform;
  }

  /**
   * Parses a component binary and compiles its core modules. `options.platform` serves its
   * instances' grants and workers (without one, as from `isowasm/core` alone, instances get
   * only what `imports` gives them).
   *
   * @example
   * ```ts
   * import { Component } from 'isowasm/core';
   * import { nodePlatform } from 'isowasm/node';
   * const component = await Component.compile(bytes, { platform: nodePlatform });
   * const trusted = await Component.compile(bytes, { platform: nodePlatform, limits: { maxInstances: 5000 } });
   * ```
   */
  static async compile<E = Record<string, any>, I = Record<string, unknown>>(bytes: Uint8Array, options: CompileOptions = {}): Promise<Component<E, I>> {
    if (typeof options !== 'object' || options === null) throw new TypeError('Component.compile(bytes, options): options must be an object');
    // each core module starts compiling as soon as the parser has its bytes: the engine compiles
    // on its background threads while this thread parses the rest and reads signatures. Settled
    // as values, so a module that fails while the parse fails too leaves no unhandled rejection
    // (the parse's error is the one reported).
    const early = new Map<number, Promise<WebAssembly.Module | { failed: unknown }>>();
    const onModule = options.modules !== undefined ? undefined : (m: { readonly bytes: Uint8Array; readonly id: number }): void => {
      if (strippedModule(m.bytes)) return;
      early.set(m.id, WebAssembly.compile(m.bytes as Uint8Array<ArrayBuffer>).catch((e: unknown) => ({ failed: e })));
    };
    const model = parseComponent(bytes, options.limits, onModule);
    const modules = new Map<number, WebAssembly.Module>();
    const moduleSizes = new Map<number, number>();
    const signatures = new WeakMap<WebAssembly.Module, CoreSignatures | null>();
    if (options.rewrittenFor !== undefined && options.modules === undefined) throw new TypeError('Component.compile(bytes, options): options.rewrittenFor describes options.modules, which are missing');
    const bakedFor = variantOf(resolveLimits(options.rewrittenFor));
    const given = options.modules === undefined ? null : await precompiledModules(model.allModules, options.modules, bakedFor.metered);
    // the linker (lazy.ts) loads while the core modules compile
    const [loaded] = await Promise.all([loadLinker(), ...model.allModules.map(async (m) => {
      const handed = given?.get(m.id);
      if (handed) {
        modules.set(m.id, handed.module);
        // the original size: large modules are instantiated asynchronously (see link/instantiate)
        moduleSizes.set(m.id, handed.size);
        signatures.set(handed.module, readCoreSignatures(m.bytes));
        return;
      }
      if (given === null && strippedModule(m.bytes)) {
        throw new IsowasmError('LOAD_FAILED', 'the component\'s core modules were stripped (isowasm bundle wrote it): load it with options.modules, the compiled core-<key>.wasm files the bundle wrote beside it, or load the original component');
      }
      const compiling = early.get(m.id) ?? WebAssembly.compile(m.bytes as Uint8Array<ArrayBuffer>).catch((e: unknown) => ({ failed: e }));
      // read while the module compiles
      const sigs = readCoreSignatures(m.bytes);
      const compiled = await compiling;
      if (!(compiled instanceof WebAssembly.Module)) {
        const e = compiled.failed;
        throw new IsowasmError('INVALID_BINARY', `core module ${m.id} of the component does not compile: ${(e as Error).message}`, { cause: e });
      }
      modules.set(m.id, compiled);
      moduleSizes.set(m.id, m.bytes.length);
      signatures.set(compiled, sigs);
    })]);
    return new Component<E, I>(model, { modules, moduleSizes, signatures }, bytes, options.platform ?? null, variantKey(bakedFor), given !== null, loaded);
  }

  /** What the component imports, with WIT-like signatures. */
  get imports(): readonly ItemDescription[] {
    return this.#describe().imports;
  }

  /** What the component exports, with WIT-like signatures. */
  get exports(): readonly ItemDescription[] {
    return this.#describe().exports;
  }

  /**
   * Adds the WASI interfaces the component imports and `imports` lacks, served from the grants
   * (resolved once, in `instantiate`). For a resettable instance they are linked through
   * trampolines (`swap` makes the WASI host's state anew).
   */
  #withWasi(imports: Record<string, unknown>, wasi: WasiPlatform | null, grants: Grants | null, options: InstantiateOptions<I>, async: boolean, afterCall: (() => Promise<void> | void)[], resettable = false): { imports: Record<string, unknown>; swap: SwappableImports | null; end?: () => void } {
    const { findImportKey, SwappableImports } = this.#linker;
    const wanted = this.#model.imports.filter((i) => i.name.startsWith('wasi:') && findImportKey(imports, i.name) === null);
    if (wanted.length === 0) return { imports, swap: null };
    if (!wasi) {
      if (options.capabilities) {
        throw new IsowasmError('LINK_ERROR', 'capabilities were granted but no WASI implementation serves them: load the component with loadComponent of \'isowasm\', \'isowasm/node\' or \'isowasm/browser\' (not \'isowasm/core\'), or pass options.platform');
      }
      return { imports, swap: null };
    }
    const onDenied = options.onCapabilityDenied ?? ((e: IsowasmError) => console.warn(`isowasm: ${e.message}`));
    const packages = new Set(wanted.map((i) => i.name.replace(/\/.*$/, '')));
    const resolved = grants ?? wasi.host.resolveGrants({}, wasi);
    let ended: AbortController | null = null;
    const make = (): Record<string, unknown> => {
      // the hooks of the WASI host made last (a reset makes it anew, and ends the last one's waits)
      afterCall.length = 0;
      ended?.abort();
      ended = new AbortController();
      return wasi.host.createImports(wasi, resolved, {
        onDenied, async, afterCall: (h) => { afterCall.push(h); }, ended: ended.signal,
        ...(options.onOutgoingError ? { onHttpFailure: options.onOutgoingError } : {}),
        imports: (pkg) => packages.has(pkg),
      });
    };
    const end = (): void => { ended?.abort(); };
    if (!resettable) return { imports: { ...make(), ...imports }, swap: null, end };
    const swap = new SwappableImports(make);
    return { imports: { ...swap.imports, ...imports }, swap, end };
  }

  /**
   * The link context whose core modules are rewritten for `variant` (memories and tables capped,
   * code metered): compiled once per component and variant. Modules handed in already rewritten
   * for it (`rewrittenFor`) are used as they are.
   */
  #variantLink(variant: ModuleVariant, resettable: boolean): Promise<LinkContext> {
    const key = `${variantKey(variant)}${resettable ? ':resettable' : ''}`;
    if (key === this.#rewrittenFor) return Promise.resolve(this.#link);
    if (this.#precompiled && resettable) {
      return Promise.reject(new IsowasmError('UNSUPPORTED', 'the component\'s core modules were given pre-compiled, so they can\'t be rewritten for resettable instances; compile the component from its full bytes, or instantiate it without resettable'));
    }
    if (this.#precompiled) {
      return Promise.reject(new IsowasmError('UNSUPPORTED', `the component's core modules were given pre-compiled (${this.#rewrittenFor === PLAIN_KEY ? 'as they are' : 'for other limits'}), so limits.memoryBytes, tableElements, fuel and timeoutMs can't rewrite them; compile the component from its full bytes, or bundle it again with these limits (isowasm bundle --fuel/--timeout/--max-memory)`));
    }
    let link = this.#variants.get(key);
    if (!link) {
      link = (async () => {
        const { rewriteModule, resettableModule } = await loadRewriter();
        const modules = new Map<number, WebAssembly.Module>();
        const moduleSizes = new Map<number, number>();
        const signatures = this.#link.signatures;
        await Promise.all(this.#model.allModules.map(async (m) => {
          const original = this.#link.modules.get(m.id)!;
          const where = `core module ${m.id} of the component`;
          const limited = rewriteModule(m.bytes, variant, where);
          const bytes = resettable ? resettableModule(limited, where) : limited;
          moduleSizes.set(m.id, bytes.length);
          if (bytes === m.bytes) {
            modules.set(m.id, original);
            return;
          }
          let compiled: WebAssembly.Module;
          try {
            compiled = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
          } catch (e) {
            throw new IsowasmError('INTERNAL', `${where} does not compile once rewritten for its limits (${(e as Error).message}); please report it with the component`, { cause: e });
          }
          // the functions' signatures are the original's (metering adds an import and a global only)
          signatures.set(compiled, signatures.get(original) ?? null);
          modules.set(m.id, compiled);
        }));
        return { ...this.#link, modules, moduleSizes };
      })();
      this.#variants.set(key, link);
      // a failure (a memory that starts over the cap) is reported to every instantiate that asks
    }
    return link;
  }

  #describe(): { imports: ItemDescription[]; exports: ItemDescription[] } {
    this.#described ??= this.#linker.describeComponent(this.#model);
    return this.#described;
  }

  /**
   * Creates a new instance. Every import the component declares must be provided (an
   * `IsowasmError` with code `MISSING_IMPORTS` lists all that are not).
   *
   * @example
   * ```ts
   * const { exports } = await component.instantiate({
   *   imports: { 'acme:log/sink': { write: (line: string) => console.log(line) } },
   * });
   * exports['acme:md/render'].toHtml('# hello');
   * ```
   */
  async instantiate(options: InstantiateOptions<I> = {}): Promise<Instance<E>> {
    const given = (options.imports ?? {}) as Record<string, unknown>;
    const { chooseStrategy, exportSelector, HostImports, importSelector, Instantiation, jsExports, Meter, refusingPromises, ResetTracker, SuspendedCalls } = this.#linker;
    if (typeof given !== 'object' || given === null) throw new TypeError('instantiate(): options.imports must be an object');
    const limits = resolveLimits(options.limits);
    const wanted = variantOf(limits);
    const metered = wanted.metered;
    if (options.resettable !== undefined && typeof options.resettable !== 'boolean') throw new TypeError('instantiate(): options.resettable must be a boolean');
    const resettable = options.resettable === true;
    // the modules as they are (the usual case) need no wait
    const variant = !resettable && variantKey(wanted) === this.#rewrittenFor ? this.#link : await this.#variantLink(wanted, resettable);
    const platform = options.platform ?? this.#platform;
    const wasi = options.wasi ?? platform?.wasi ?? null;
    // the grants are checked and resolved here, once; asynchronous adapters (fetch, IndexedDB) make the instance asynchronous
    const grants = options.capabilities && wasi ? wasi.host.resolveGrants(options.capabilities, wasi) : null;
    const needsAsync = grants?.async === true;
    const asyncSpec: AsyncSpec | undefined = options.async ?? (needsAsync ? true : undefined);
    if (needsAsync && asyncSpec === false) {
      throw new IsowasmError('UNSUPPORTED', 'the granted capabilities are served asynchronously (HTTP, sockets or an asynchronous volume), so the instance can\'t be synchronous; leave out async: false');
    }
    const chosen = chooseStrategy(options.strategy, !!asyncSpec, needsAsync, platform?.workers ?? null);
    const afterCall: (() => Promise<void> | void)[] = [];
    if (chosen.strategy === 'worker') {
      // the host's side stays in this thread, where its waits may return promises
      const { imports, swap, end } = this.#withWasi(given, wasi, grants, options, true, afterCall, resettable);
      try {
        // the worker meters its own guest (worker/guest.ts), and snapshots and restores it
        const w = await chosen.platform.instantiate({ bytes: this.#bytes, model: this.#model, link: variant, imports, afterCall, platform: chosen.platform, limits, resettable });
        let ended = false;
        const reset = w.reset;
        return {
          exports: w.exports as E,
          strategy: 'worker',
          terminate: () => {
            ended = true;
            end?.();
            return w.terminate();
          },
          reset: !reset ? notResettable : async () => {
            if (ended) throw new IsowasmError('INSTANCE_POISONED', 'instance.reset(): the instance was terminated; make a new one');
            // the WASI host's state anew once no call can see it change, then the guest's
            await reset(() => swap?.swap());
          },
        };
      } catch (e) {
        throw asIsowasmError(e);
      }
    }
    // each instance its own meter: the modules refill from it, its calls start its deadline
    const base: LinkContext = metered ? { ...variant, meter: new Meter(limits.fuel ?? Infinity, limits.timeoutMs ?? Infinity) } : variant;
    const suspends = chosen.strategy === 'jspi' && !!asyncSpec;
    const { imports, swap, end } = this.#withWasi(given, wasi, grants, options, suspends, afterCall, resettable);
    const suspended = suspends ? new SuspendedCalls() : null;
    const tracker = resettable ? new ResetTracker(variant.modules.values()) : null;
    const link: LinkContext = { ...base, ...(suspended && chosen.strategy === 'jspi' ? { jspi: chosen.jspi, afterCall, suspended } : {}), ...(tracker ? { reset: tracker } : {}), limits };
    const host = new HostImports(this.#model, imports, importSelector(asyncSpec));
    const refuse = chosen.strategy === 'sync' ? chosen.refuse : null;
    const inst = new Instantiation(this.#model, refuse ? refusingPromises(host, refuse) : host, null, link, 'component');
    host.bind(inst);
    try {
      host.checkAll();
      // start functions run during instantiation: the deadline covers them too
      link.meter?.enter();
      let items: Awaited<ReturnType<Instantiation['run']>>;
      try {
        items = await inst.run();
      } finally {
        link.meter?.leave();
      }
      const state = inst.state;
      const meter = link.meter;
      tracker?.snapshot();
      meter?.mark();
      let terminated = false;
      return {
        exports: jsExports(items, exportSelector(suspends ? asyncSpec : undefined)) as E,
        strategy: chosen.strategy,
        get fuelConsumed() {
          return meter?.consumed ?? 0;
        },
        reset: !tracker ? notResettable : async () => {
          if (terminated) throw new IsowasmError('INSTANCE_POISONED', 'instance.reset(): the instance was terminated; make a new one');
          if ((suspended?.pending ?? 0) > 0 || tracker.states.some((s) => !s.mayEnter)) {
            throw new IsowasmError('REENTRANCE', 'instance.reset() was called while a call into the instance is in progress; reset it after the call settles');
          }
          // the WASI host's state anew first: if it can't be, nothing was changed
          swap?.swap();
          tracker.restore();
          meter?.rewind();
        },
        terminate: async () => {
          terminated = true;
          state.poisoned ??= new IsowasmError('INSTANCE_POISONED', 'the instance was terminated');
          // the WASI host's waits (timers) end with it
          end?.();
          // a call suspended in a host import traps now, so its stack unwinds and nothing lands in it later
          suspended?.endAll('the instance was terminated while the guest waited for the host');
        },
      };
    } catch (e) {
      throw asIsowasmError(e);
    }
  }
}

/**
 * Matches the modules handed in (`CompileOptions.modules`) with the component's core modules by
 * key, checking that each has the function imports and exports the component's module declares
 * (a module of another build under a right key, say) and that none is left over.
 */
async function precompiledModules(all: readonly { bytes: Uint8Array; id: number }[], given: Readonly<Record<string, WebAssembly.Module>>, metered: boolean): Promise<Map<number, { module: WebAssembly.Module; size: number }>> {
  if (typeof given !== 'object' || given === null) throw new TypeError('Component.compile(bytes, options): options.modules must be an object mapping module keys to WebAssembly.Module');
  const out = new Map<number, { module: WebAssembly.Module; size: number }>();
  const used = new Set<string>();
  const missing: string[] = [];
  for (const m of all) {
    const stripped = strippedModule(m.bytes);
    const key = stripped?.key ?? await coreModuleKey(m.bytes);
    const module = Object.hasOwn(given, key) ? given[key] : undefined;
    if (module === undefined) {
      if (stripped) missing.push(key);
      continue;
    }
    if (!(module instanceof WebAssembly.Module)) throw new TypeError(`Component.compile(bytes, options): options.modules['${key}'] must be a WebAssembly.Module`);
    const sigs = readCoreSignatures(m.bytes);
    if (sigs) {
      const have = (list: readonly { kind: string; name: string; module?: string }[]): string => list.filter((d) => d.kind === 'function').map((d) => d.module === undefined ? d.name : `${d.module}\0${d.name}`).sort().join('\n');
      // a metered module imports the meter's refill besides the component's own imports
      const imports = have(WebAssembly.Module.imports(module).filter((d) => !(metered && d.module === METER_MODULE && d.name === METER_REFILL)));
      if (have(WebAssembly.Module.exports(module)) !== [...sigs.exports.keys()].sort().join('\n') || imports !== [...sigs.imports.keys()].sort().join('\n')) {
        throw new IsowasmError('LOAD_FAILED', `options.modules['${key}'] does not have the function imports and exports of the component's core module ${m.id}: it was compiled from another module; hand in the modules written with this component (run isowasm bundle again)`);
      }
    }
    used.add(key);
    out.set(m.id, { module, size: stripped?.size ?? m.bytes.length });
  }
  if (missing.length) {
    throw new IsowasmError('LOAD_FAILED', `the component's core modules were stripped (isowasm bundle wrote it), and options.modules lacks ${missing.length} of them: ${missing.map((k) => `'${k}'`).join(', ')}; hand in every core-<key>.wasm the bundle wrote, or load the original component`);
  }
  const extra = Object.keys(given).filter((k) => !used.has(k));
  if (extra.length) {
    throw new IsowasmError('LOAD_FAILED', `options.modules has ${extra.length} module(s) this component does not contain (${extra.map((k) => `'${k}'`).join(', ')}): they belong to another component or another build of it; hand in the modules written with this component (run isowasm bundle again)`);
  }
  return out;
}

/** `reset()` of an instance that was not made resettable. */
async function notResettable(): Promise<never> {
  throw new IsowasmError('UNSUPPORTED', 'instance.reset(): the instance was not made resettable; instantiate it with resettable: true');
}

/** Unexpected internal errors while linking come from binaries we could not fully validate. */
function asIsowasmError(e: unknown): unknown {
  if (e instanceof IsowasmError) return e;
  return new IsowasmError('LINK_ERROR', `instantiation failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
