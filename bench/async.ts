/**
 * Component-model async (issue 13): an async round trip, `async func(string) -> string` exported
 * by a guest that calls the host's `async func(string) -> string` (the corpus'
 * round-trip/async-round-trip-direct-stackless), isowasm against jco's transpiled P3 bindings of
 * the same component, in the same run. The host answers with an already settled promise, so what
 * is measured is the runtimes' own work: the task, the subtask, the event, the two string copies.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadComponent } from '../src/index.node.js';
import { root, type Row } from './_common.js';
import { measureAsync } from './_measure.js';

const COMPONENT = 'round-trip/async-round-trip-direct-stackless';

/** jco's bindings, transpiled now into build/ (where they find preview2-shim in node_modules). */
async function jcoBindings(bytes: Uint8Array): Promise<{ dir: string; instantiate: (get: (p: string) => Promise<WebAssembly.Module>, imports: Record<string, unknown>) => Promise<Record<string, any>> }> {
  const { transpile } = await import('@bytecodealliance/jco');
  const dir = join(root, 'build/bench-jco-p3/');
  rmSync(dir, { recursive: true, force: true });
  const { files } = await transpile(bytes, { name: 'rt', instantiation: 'async', noTypescript: true });
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  const mod = (await import(pathToFileURL(join(dir, 'rt.js')).href)) as { instantiate: Awaited<ReturnType<typeof jcoBindings>>['instantiate'] };
  return { dir, instantiate: mod.instantiate };
}

/** preview2-shim's WASI 0.2 for jco's bindings, keyed as they import it. */
async function shimImports(): Promise<Record<string, unknown>> {
  const shim = (await import('@bytecodealliance/preview2-shim')) as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const [pkg, ifaces] of Object.entries(shim)) for (const [iface, obj] of Object.entries(ifaces)) out[`wasi:${pkg}/${iface}`] = obj;
  return out;
}

export async function asyncCases(): Promise<Row[]> {
  const { conformanceP3Path } = await import('../test/harness/conformance-dir.js');
  const bytes = new Uint8Array(readFileSync(conformanceP3Path(`components/${COMPONENT}.wasm`)));
  const host = async (s: string): Promise<string> => `${s} - entered host - exited host`;
  const ours = (await (await loadComponent(bytes)).instantiate({ imports: { foo: { default: host } } })).exports as { foo(s: string): Promise<string> };
  const jco = await jcoBindings(bytes);
  const ref = await jco.instantiate((p) => WebAssembly.compile(readFileSync(join(jco.dir, p))), { ...await shimImports(), foo: { default: host } }) as { foo(s: string): Promise<string> };
  const want = 'x - entered guest - entered host - exited host - exited guest';
  if (await ours.foo('x') !== want || await ref.foo('x') !== want) throw new Error('the async round trip answers differ');
  const text = 'hello, world! '.repeat(4);
  const one = await measureAsync({ isowasm: () => ours.foo(text), jco: () => ref.foo(text) });
  const ten = await measureAsync({
    isowasm: () => Promise.all(Array.from({ length: 10 }, () => ours.foo(text))),
    jco: () => Promise.all(Array.from({ length: 10 }, () => ref.foo(text))),
  });
  return [
    { name: 'async round trip: async foo(string) -> string calling the host\'s async foo', isowasm: one.isowasm!, jco: one.jco!, target: '', targetNs: null },
    { name: '  10 such calls at once into one instance', isowasm: ten.isowasm!, jco: ten.jco!, target: '', targetNs: null },
  ];
}
