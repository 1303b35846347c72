import { basename, dirname, join, resolve } from 'node:path';
import { IsowasmError, type LoaderLimits } from '../core/index.js';
import { componentTypes } from '../core/link/dts.js';

/** Options of `writeComponentTypes`. */
export interface WriteTypesOptions {
  /** the loader limits to parse the component with (see `LoaderLimits`) */
  readonly limits?: LoaderLimits;
}

/**
 * Writes the TypeScript declarations of a component file (what `isowasm types app.wasm [-o dir]`
 * does): `<dir>/app.wasm.d.ts`, beside the component unless `outDir` says otherwise (created if
 * missing). Returns the path written. The app then imports the types as `./app.wasm.js` (the
 * declarations of that module name) and passes them to `loadComponent`.
 *
 * @example
 * ```ts
 * import { writeComponentTypes } from 'isowasm/node';
 * const path = await writeComponentTypes('app.wasm', 'src/types'); // 'src/types/app.wasm.d.ts'
 * // src/main.ts:
 * //   import type { Exports, Imports } from './types/app.wasm.js';
 * //   const component = await loadComponent<Exports, Imports>('app.wasm');
 * ```
 */
export async function writeComponentTypes(file: string, outDir?: string, options: WriteTypesOptions = {}): Promise<string> {
  // imported here: node:fs/promises costs milliseconds at import time (see builtins.ts)
  const { mkdir, readFile, writeFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new IsowasmError('LOAD_FAILED', `could not read the component file ${file}: ${(e as Error).message}`, { cause: e });
  }
  const name = basename(file);
  const text = componentTypes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name, ...(options.limits ? { limits: options.limits } : {}) });
  const dir = resolve(outDir ?? dirname(file));
  await mkdir(dir, { recursive: true });
  const out = join(dir, `${name}.d.ts`);
  await writeFile(out, text);
  return out;
}
