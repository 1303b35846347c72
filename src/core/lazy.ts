/**
 * The core's pieces loaded on first use, in an asynchronous step that always comes before their
 * synchronous use: the linker (`Component.compile` loads it) and the module rewriter for limits
 * (`instantiate` loads it when the limits ask for a rewrite). Importing `isowasm/core` then
 * compiles the loader's JavaScript alone: a CPU profile of the import showed V8 compiling the
 * source it reaches as nearly all of its cost, so less source on the import path is what counts.
 *
 * Service Workers may not `import()` at run time: `isowasm/browser` (and `isowasm` in browsers)
 * hands the pieces in as it loads (`provideLazyPieces`, from service-worker.ts), and bundles
 * without code splitting (workerd's) inline them.
 */
import { IsowasmError } from './errors.js';

export type Linker = typeof import('./linker.js');
export type Rewriter = typeof import('./rewriter.js');

let linker: Promise<Linker> | null = null;
let rewriter: Promise<Rewriter> | null = null;

/** `load()`, said as what to do when it fails; a failure is not kept, so a later call tries again. */
function loading<T>(what: string, load: () => Promise<T>, forget: () => void): Promise<T> {
  return load().catch((e: unknown) => {
    forget();
    throw new IsowasmError('LOAD_FAILED', `isowasm could not load its ${what} (${e instanceof Error ? e.message : String(e)}); in a Service Worker, which may not import() at run time, import 'isowasm' or 'isowasm/browser', which bring it with them, rather than 'isowasm/core' alone`, { cause: e });
  });
}

/** The linker, loaded once. */
export function loadLinker(): Promise<Linker> {
  return (linker ??= loading('linker', () => import('./linker.js'), () => { linker = null; }));
}

/** The module rewriters (memory and table caps, metering, resettable instances), loaded once. */
export function loadRewriter(): Promise<Rewriter> {
  return (rewriter ??= loading('module rewriter', () => import('./rewriter.js'), () => { rewriter = null; }));
}

/** Hands in pieces imported statically, for a scope that can't `import()` (a Service Worker). */
export function provideLazyPieces(pieces: { readonly linker: Linker; readonly rewriter: Rewriter }): void {
  linker = Promise.resolve(pieces.linker);
  rewriter = Promise.resolve(pieces.rewriter);
}
