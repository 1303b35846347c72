/**
 * `WeakRef` and `FinalizationRegistry` where the runtime has them. workerd (Cloudflare Workers)
 * leaves both out, so that garbage collection is never observable; there a weak reference holds
 * its target strongly and nothing is finalized, as if it were never collected: what a guest
 * resource's destructor would have freed is freed with its instance instead.
 */

/** What isowasm uses of a `WeakRef`. */
export interface WeakReference<T extends object> {
  deref(): T | undefined;
}

/** What isowasm uses of a `FinalizationRegistry`. */
export interface Finalizer<H> {
  register(target: object, held: H, token?: object): void;
  unregister(token: object): void;
}

/**
 * A weak reference to `target` (a strong one where the runtime has no `WeakRef`).
 *
 * @example
 * ```ts
 * const ref = weakRef(wrapper);
 * ref.deref(); // wrapper, or undefined once collected
 * ```
 */
export function weakRef<T extends object>(target: T): WeakReference<T> {
  return typeof WeakRef === 'function' ? new WeakRef(target) : { deref: () => target };
}

/**
 * A `FinalizationRegistry` calling `cleanup` (one that never calls it where the runtime has none).
 *
 * @example
 * ```ts
 * const finalizer = finalizationRegistry<number>((rep) => drop(rep));
 * finalizer.register(wrapper, rep, wrapper);
 * ```
 */
export function finalizationRegistry<H>(cleanup: (held: H) => void): Finalizer<H> {
  if (typeof FinalizationRegistry === 'function') return new FinalizationRegistry<H>(cleanup);
  return { register() {}, unregister() {} };
}
