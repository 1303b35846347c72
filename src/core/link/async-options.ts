/**
 * The `async` option of `instantiate`: which host imports may return promises (JSPI suspending)
 * and which exports return promises.
 */
import { camelCase } from '../abi/types.js';
import { splitVersion } from './names.js';

/**
 * Which imports may return promises and which exports return promises (JSPI). `true`: all of
 * them. An object: the listed imports (default: the host functions declared `async`) and the
 * listed exports (default: every export); host functions declared `async` or marked as possibly
 * waiting (isowasm's WASI host marks its blocking calls) always count as async imports. Names are `'ns:pkg/iface#func'` (with or without
 * version) or a world-level `'func'`, in kebab-case or camelCase.
 */
export type AsyncSpec = boolean | { readonly imports?: readonly string[]; readonly exports?: readonly string[] };

/** Answers whether the function `func` of interface `iface` (null: world level) is selected. */
export type AsyncSelector = (iface: string | null, func: string) => boolean;

function listed(names: readonly string[]): AsyncSelector {
  const wanted = new Set(names);
  return (iface, func) => {
    const fs = [func, camelCase(func)];
    if (iface === null) return fs.some((n) => wanted.has(n));
    return [iface, splitVersion(iface)[0]].some((i) => fs.some((n) => wanted.has(`${i}#${n}`)));
  };
}

export function exportSelector(spec: AsyncSpec | undefined): AsyncSelector {
  if (!spec) return () => false;
  if (spec === true || !spec.exports) return () => true;
  return listed(spec.exports);
}

const AsyncFunction = (async () => {}).constructor;

/** Host functions marked with this symbol may return promises (isowasm's own WASI host marks its waits). */
const MAY_SUSPEND = Symbol.for('isowasm.maySuspend');

function marked(fn: unknown): boolean {
  return fn instanceof AsyncFunction || ((typeof fn === 'function') && (fn as unknown as Record<symbol, unknown>)[MAY_SUSPEND] === true);
}

export function importSelector(spec: AsyncSpec | undefined): (iface: string | null, func: string, fn: unknown) => boolean {
  if (!spec) return () => false;
  if (spec === true) return () => true;
  const sel = spec.imports ? listed(spec.imports) : () => false;
  return (iface, func, fn) => marked(fn) || sel(iface, func);
}
