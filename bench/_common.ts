/** Shared by the benchmark cases: where things are, and how to load both contenders. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Stat } from './_measure.js';

/** The repository root (this file runs from build/bench/). */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** One line of the results table. */
export interface Row {
  readonly name: string;
  readonly isowasm: Stat | null;
  readonly jco: Stat | null;
  /** the DESIGN.md target as text, and as a bound in ns for the pass/miss mark */
  readonly target: string;
  readonly targetNs: number | null;
  /** how to show the ratio: 'jco/isowasm' normally; none for rows with one side only */
  readonly note?: string;
}

/** jco's generated `instantiate` (`jco transpile --instantiation async`). */
export type JcoInstantiate = (
  getCoreModule: (path: string) => WebAssembly.Module | Promise<WebAssembly.Module>,
  imports: Record<string, unknown>,
) => Promise<Record<string, any>>;

/** The directory of jco's bindings of a fixture (`bench-echo`) or a conformance component (`conformance/adder`). */
export function jcoDir(which: string): string {
  const name = which.split('/').pop()!;
  return which.startsWith('conformance/') ? `${root}build/fixtures/conformance/${name}.jco/` : `${root}build/fixtures/${name}.jco/`;
}

/** Imports jco's bindings of a component. */
export async function importJco(which: string): Promise<JcoInstantiate> {
  const name = which.split('/').pop()!;
  const mod = (await import(pathToFileURL(`${jcoDir(which)}${name}.js`).href)) as { instantiate: JcoInstantiate };
  return mod.instantiate;
}

/** Compiles every core module of jco's bindings once, keyed by the name `getCoreModule` asks for. */
export async function jcoModules(which: string): Promise<Map<string, WebAssembly.Module>> {
  const dir = jcoDir(which);
  const out = new Map<string, WebAssembly.Module>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.wasm'))) out.set(f, await WebAssembly.compile(readFileSync(`${dir}${f}`)));
  return out;
}

/** The host every contender gets: these components import nothing. */
export function host(): Record<string, unknown> {
  return {};
}
