/** `wasi:config/store`: the values of the `config` grant, read-only. */

/**
 * The `wasi:config/store` namespace serving `values` (an empty grant serves no keys).
 *
 * @example
 * ```ts
 * configNamespaces({ mode: 'test' })['wasi:config/store'].get('mode'); // 'test'
 * ```
 */
export function configNamespaces(values: Readonly<Record<string, string>>): {
  'wasi:config/store': { get(key: string): string | undefined; getAll(): [string, string][] };
} {
  const entries = Object.entries(values);
  return {
    'wasi:config/store': {
      // own keys only: a key such as 'constructor' must not reach the prototype
      get: (key) => (Object.hasOwn(values, key) ? values[key] : undefined),
      getAll: () => entries.map(([k, v]) => [k, v]),
    },
  };
}
