/**
 * JavaScript Promise Integration (JSPI): lets a synchronous guest wait on a host promise. A core
 * import wrapped in `WebAssembly.Suspending` suspends the wasm stack when it returns a promise; a
 * core export wrapped with `WebAssembly.promising` returns a promise for its result.
 */

export interface Jspi {
  Suspending: new (fn: (...args: never[]) => unknown) => object;
  promising: (fn: (...args: never[]) => unknown) => (...args: unknown[]) => Promise<unknown>;
}

/** The platform's JSPI, found by feature test (never by engine name), or null. */
export function jspi(): Jspi | null {
  const wa = WebAssembly as unknown as Partial<Jspi>;
  return typeof wa.Suspending === 'function' && typeof wa.promising === 'function' ? (wa as Jspi) : null;
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
