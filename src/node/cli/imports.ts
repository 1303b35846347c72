/**
 * `--imports MODULE.js`: host imports from a JavaScript module, for the interfaces that are not
 * WASI. Its default export (or its export `imports`) is the import object in jco's conventions:
 * `{ 'ns:pkg/iface': { camelCaseFunction() {}, PascalCaseResource: class {} }, worldFunction() {} }`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

async function loadOne(path: string): Promise<Record<string, unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`--imports ${path}: the module could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const value = mod.default ?? mod.imports;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const names = Object.keys(mod);
    throw new Error(`--imports ${path}: the module must export the import object as its default export (export default { 'ns:pkg/iface': { fn() {} } }) or as \`imports\`; ${names.length ? `it exports ${names.join(', ')}` : 'it exports nothing'}${value === undefined ? '' : `, and its ${mod.default !== undefined ? 'default export' : '`imports`'} is ${Array.isArray(value) ? 'an array' : typeof value}`}`);
  }
  return value as Record<string, unknown>;
}

/** The import object of the `--imports` modules, in order (a later module's interface replaces an earlier one's); undefined when there are none. */
export async function loadImports(paths: readonly string[]): Promise<Record<string, unknown> | undefined> {
  if (paths.length === 0) return undefined;
  const merged: Record<string, unknown> = {};
  for (const p of paths) Object.assign(merged, await loadOne(p));
  return merged;
}
