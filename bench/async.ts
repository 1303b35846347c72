/**
 * Component-model async (issue 13): an async round trip, `async func(string) -> string` exported
 * by a guest that calls the host's `async func(string) -> string` (the corpus'
 * round-trip/async-round-trip-direct-stackless), isowasm against jco's transpiled P3 bindings of
 * the same component, in the same run. The host answers with an already settled promise, so what
 * is measured is the runtimes' own work: the task, the subtask, the event, the two string copies.
 *
 * And 100 MB of `stream<u8>` through a guest (test/fixtures/stream-pipe.wat relays its input
 * stream into the stream it returns, 64 KiB at a time): the host gives a ReadableStream of
 * 64 KiB chunks and reads the guest's stream to its end; isowasm and jco's bindings of the same
 * guest, in the same run (jco's only once: it takes seconds).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadComponent } from '../src/index.node.js';
import { importJco, jcoModules, root, type Row } from './_common.js';
import { median, measureAsync, type Stat } from './_measure.js';

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
    ...await streamCases(),
  ];
}

const STREAM_BYTES = 100 * 2 ** 20;
const CHUNK = 64 * 1024;

/** A ReadableStream of `total` bytes in 64 KiB chunks, made as it is read. */
function source(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= total) {
        c.close();
        return;
      }
      const n = Math.min(CHUNK, total - sent);
      const chunk = new Uint8Array(n);
      chunk[0] = sent & 0xff;
      c.enqueue(chunk);
      sent += n;
    },
  }, { highWaterMark: 0 });
}

/** One timed pipe of 100 MB, in ns; fails unless every byte came back. */
async function timePipe(pipe: () => Promise<number>): Promise<number> {
  const t0 = performance.now();
  const got = await pipe();
  const ns = (performance.now() - t0) * 1e6;
  if (got !== STREAM_BYTES) throw new Error(`the pipe gave back ${got} bytes of ${STREAM_BYTES}`);
  return ns;
}

function stat(xs: number[]): Stat {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), batches: xs.length, opsPerBatch: 1 };
}

async function streamCases(): Promise<Row[]> {
  const { readFixture } = await import('../test/harness/fixtures.js');
  const ours = (await (await loadComponent(await readFixture('stream-pipe'))).instantiate()).exports as { pipe(s: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> };
  const modules = await jcoModules('stream-pipe');
  const ref = await (await importJco('stream-pipe'))((p) => modules.get(p)!, { ...await shimImports() }) as { pipe(s: ReadableStream<Uint8Array>): Promise<{ read(o: { count: number }): Promise<{ value?: Uint8Array; done: boolean }> }> };
  const isowasm = async (): Promise<number> => {
    const reader = (await ours.pipe(source(STREAM_BYTES))).getReader();
    let got = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return got;
      got += value.length;
    }
  };
  // jco's bindings give their own Stream object: read({ count }) until done
  const jco = async (): Promise<number> => {
    const out = await ref.pipe(source(STREAM_BYTES));
    let got = 0;
    for (;;) {
      const { value, done } = await out.read({ count: CHUNK });
      if (done) return got;
      got += value?.length ?? 0;
    }
  };
  await timePipe(isowasm);
  const mine: number[] = [];
  for (let k = 0; k < 5; k++) mine.push(await timePipe(isowasm));
  const theirs = [await timePipe(jco)];
  return [{ name: '100 MB stream<u8> through a guest (relayed 64 KiB at a time)', isowasm: stat(mine), jco: stat(theirs), target: '', targetNs: null }];
}
