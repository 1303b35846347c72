/**
 * The names a metered module and its host agree on. Apart from the rewriter (instrument.ts) so
 * that the loader and the linker name them without carrying the rewriter, which is loaded only
 * when limits ask for a rewrite (see core/lazy.ts).
 */

/** the module of the one host import a metered module gets */
export const METER_MODULE = 'isowasm:meter';
/** that import's name: returns a new slice of fuel, or 0 to trap */
export const METER_REFILL = 'refill';
/** the exported fuel global */
export const METER_FUEL = 'isowasm:fuel';
