/**
 * Caches kept on the objects they describe (types, resource types), under a symbol. Types that
 * hold an instance's resources are made anew for each instance; a WeakMap entry for each of them
 * costs the collector far more than a property does (ephemeron tables are traced on every
 * collection). Frozen objects (the shared primitive types) fall back to a WeakMap.
 */
export class ObjectMemo<K extends object, V> {
  readonly #key: symbol;
  readonly #frozen = new WeakMap<K, V>();

  constructor(name: string) {
    this.#key = Symbol(`isowasm.${name}`);
  }

  get(k: K): V | undefined {
    return Object.isExtensible(k) ? (k as Record<symbol, V | undefined>)[this.#key] : this.#frozen.get(k);
  }

  has(k: K): boolean {
    return this.get(k) !== undefined;
  }

  set(k: K, v: V): void {
    if (Object.isExtensible(k)) (k as Record<symbol, V>)[this.#key] = v;
    else this.#frozen.set(k, v);
  }
}
