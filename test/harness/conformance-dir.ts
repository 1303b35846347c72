/**
 * Where the conformance corpus (real components built by other toolchains) lives: the
 * ISOWASM_CONFORMANCE_DIR variable, the copy in test/conformance, or ../shared/conformance next to
 * the repository. Each file is looked up in that order. Node only.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentModel } from '../../src/core/binary/model.js';
import { parseComponent } from '../../src/core/binary/parse-component.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function candidates(): string[] {
  return [process.env.ISOWASM_CONFORMANCE_DIR, `${root}test/conformance`, `${root}../shared/conformance`].filter((c): c is string => !!c);
}

/** Where the async and WASI 0.3 corpus lives: ISOWASM_CONFORMANCE_P3_DIR, test/conformance-p3, or ../shared/conformance-p3. */
function p3Candidates(): string[] {
  return [process.env.ISOWASM_CONFORMANCE_P3_DIR, `${root}test/conformance-p3`, `${root}../shared/conformance-p3`].filter((c): c is string => !!c);
}

/** The absolute path of a file of the async and WASI 0.3 corpus, e.g. `components/context-sync/component.wasm`. */
export function conformanceP3Path(rel: string): string {
  for (const c of p3Candidates()) if (existsSync(`${c}/${rel}`)) return `${c}/${rel}`;
  throw new Error(`conformance-p3 file ${rel} was not found (looked in ${p3Candidates().join(', ')}); set ISOWASM_CONFORMANCE_P3_DIR to the corpus folder`);
}

/** The absolute path of a file of the corpus, e.g. `components/adder.wasm`. */
export function conformancePath(rel: string): string {
  for (const c of candidates()) if (existsSync(`${c}/${rel}`)) return `${c}/${rel}`;
  throw new Error(`conformance file ${rel} was not found (looked in ${candidates().join(', ')}); set ISOWASM_CONFORMANCE_DIR to the corpus folder`);
}

/** The `.wasm` files of a directory, as paths (the corpus tests read every one). */
export function wasmFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => join(dir, f));
}

/**
 * Every core module at hand: those of the corpus' components and of the built fixtures, with the
 * file each comes from. Files that don't parse (the hostile fixtures, meant not to) are skipped.
 *
 * @example
 * for (const { file, module } of corpusCoreModules()) instrument(module.bytes, `core module ${module.id} of ${file}`);
 */
export function* corpusCoreModules(): Generator<{ file: string; module: ComponentModel['allModules'][number] }> {
  for (const file of [...wasmFiles(conformancePath('components')), ...wasmFiles(join(root, 'build/fixtures'))]) {
    let model;
    try {
      model = parseComponent(readFileSync(file));
    } catch {
      continue; // the hostile fixtures are meant not to parse
    }
    for (const module of model.allModules) yield { file, module };
  }
}
