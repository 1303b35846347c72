/**
 * The core's pieces loaded on first use, in an asynchronous step that always comes before their
 * synchronous use: the linker (`Component.compile` loads it) and the module rewriter for limits
 * (`instantiate` loads it when the limits ask for a rewrite). Importing `isowasm/core` then
 * compiles the loader's JavaScript alone: a CPU profile of the import showed V8 compiling the
 * bundle's source as nearly all of its cost, so less source on the import path is what counts.
 *
 * Service Workers may not `import()` at run time: the Service Worker module hands the pieces in
 * up front (`provideLazyPieces`), and bundles without code splitting (workerd's) inline them.
 */
export type Linker = typeof import('./linker.js');
export type Rewriter = typeof import('./meter/variant.js');

let linker: Promise<Linker> | null = null;
let rewriter: Promise<Rewriter> | null = null;

/** The linker, loaded once. */
export function loadLinker(): Promise<Linker> {
  return (linker ??= import('./linker.js'));
}

/** The module rewriter (memory and table caps, metering), loaded once. */
export function loadRewriter(): Promise<Rewriter> {
  return (rewriter ??= import('./meter/variant.js'));
}

/** Hands in pieces imported statically, for a scope that can't `import()` (a Service Worker). */
export function provideLazyPieces(pieces: { readonly linker: Linker; readonly rewriter: Rewriter }): void {
  linker = Promise.resolve(pieces.linker);
  rewriter = Promise.resolve(pieces.rewriter);
}
