/**
 * Helpers for the conformance suites of groups 3 to 6 (test/conformance/README.md): instances of
 * isowasm and of jco's bindings that keep their host's import object at hand (resource tests need
 * the host's classes), a WASI stub that also records each write, the MANIFEST, a worker that runs
 * a component under a hard time limit, and preview2-shim runs whose stdout/stderr are captured.
 */
import type { InstantiateOptions } from '../../src/core/index.js';
import { AssertionError, deepEqual, equal, ok, show } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { jcoInstantiate } from '../harness/fixtures.js';
import { isNode } from '../harness/test-api.js';
import { type StubWasi, stubWasi } from '../harness/wasi-stub.js';
import { type Call, type Exports, component } from './_conformance-hosts.js';

export type { Call, Exports };
/** Builds a component's custom (non-WASI) imports; host calls are pushed to `log`. */
export type Host = (log: Call[]) => Record<string, unknown>;
export type Runtime = 'isowasm' | 'jco';

/**
 * The conformance components of groups 3 to 5 that scripts/build-fixtures.mjs transpiles with jco
 * (its CONFORMANCE_REFERENCES list), so that they can be compared against jco's bindings.
 */
export const JCO_REFERENCES: ReadonlySet<string> = new Set([
  'resource-borrow-simple', 'resources', 'resource-import-and-export', 'resource_borrow_export', 'resource_aggregates',
  'example_guest_import', 'simple-nested', 'list-adapter-fusion', 'smoke', 'hello_stdout', 'stdio.composed',
  'env-allow.composed', 'utf8-utf16.composed', 'resource_borrow_import', 'resource_with_lists', 'resource_floats',
  'resource_borrow_in_record', 'resource_alias_redux', 'owning', 'rust_xcrate', 'type_section_suffix', 'multi-version',
  'stdout-pollable-hang',
]);

/** The stub WASI host, plus every write to an output stream as `[stream, text]` (empty writes too). */
export interface RecordingWasi extends StubWasi {
  readonly writes: Array<[string, string]>;
}

export function recordingWasi(): RecordingWasi {
  const w = stubWasi();
  const writes: Array<[string, string]> = [];
  const OS = (w.imports['wasi:io/streams'] as { OutputStream: { prototype: Record<string, unknown> } }).OutputStream;
  for (const m of ['write', 'blockingWriteAndFlush']) {
    const orig = OS.prototype[m] as (this: { which: string }, b: Uint8Array) => void;
    OS.prototype[m] = function (this: { which: string }, b: Uint8Array) {
      writes.push([this.which, new TextDecoder().decode(b)]);
      return orig.call(this, b);
    };
  }
  return Object.assign(w, { writes });
}

/** A running instance with its host's import object, its host call log and its WASI stub. */
export interface Run {
  readonly exports: Exports;
  readonly log: Call[];
  readonly wasi: RecordingWasi;
  /** the custom imports the host factory built (its classes and functions) */
  readonly host: Record<string, any>;
  readonly runtime: Runtime;
}

export interface StartOptions {
  readonly wasi?: RecordingWasi;
  /** isowasm's `async` instantiate option (JSPI) */
  readonly async?: InstantiateOptions['async'];
  /** WASI import keys to leave out of the import object */
  readonly drop?: readonly string[];
}

/** A fresh instance of conformance component `name` under isowasm or jco's bindings. */
export async function start(name: string, runtime: Runtime, host: Host = () => ({}), opts: StartOptions = {}): Promise<Run> {
  const log: Call[] = [];
  const wasi = opts.wasi ?? recordingWasi();
  const custom = host(log);
  const imports: Record<string, unknown> = { ...wasi.imports, ...custom };
  for (const k of opts.drop ?? []) delete imports[k];
  if (runtime === 'isowasm') {
    const inst = await (await component(name)).instantiate(opts.async === undefined ? { imports } : { imports, async: opts.async });
    return { exports: inst.exports, log, wasi, host: custom, runtime };
  }
  const exports = await jcoInstantiate(`conformance/${name}`, imports);
  return { exports, log, wasi, host: custom, runtime };
}

/** The runtimes a component is checked under: isowasm, and jco where a reference exists. */
export function runtimesOf(name: string): Runtime[] {
  return JCO_REFERENCES.has(name) ? ['isowasm', 'jco'] : ['isowasm'];
}

export interface BothOptions extends Omit<StartOptions, 'wasi'> {
  /** makes each run's WASI stub (default: recordingWasi) */
  readonly makeWasi?: () => RecordingWasi;
  /** false: the run may call WASI (default: it must not) */
  readonly noWasi?: boolean;
  /** compare the host call logs of isowasm and jco (default true) */
  readonly compareLogs?: boolean;
}

/**
 * Runs `run` on a fresh isowasm instance and, when a jco reference exists, on a fresh jco
 * instance (each with its own host from `host`); both results must deep-equal `expected`, neither
 * may call WASI (unless `noWasi: false`), and both hosts must have seen the same calls.
 * Returns the runs, isowasm's first.
 */
export async function both(name: string, host: Host, run: (r: Run) => unknown, expected: unknown, opts: BothOptions = {}): Promise<Run[]> {
  const runs: Run[] = [];
  for (const runtime of runtimesOf(name)) {
    const r = await start(name, runtime, host, { ...opts, wasi: (opts.makeWasi ?? recordingWasi)() });
    const got = await run(r);
    deepEqual(got, expected, runtime);
    if (opts.noWasi !== false) deepEqual(r.wasi.calls, [], `${runtime}: WASI calls (stderr: ${show(r.wasi.stderr())})`);
    runs.push(r);
  }
  if (runs.length === 2 && opts.compareLogs !== false) deepEqual(runs[0]!.log, runs[1]!.log, 'host calls, isowasm vs jco');
  return runs;
}

/** Calls `fn`, which must throw synchronously; returns what it threw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new AssertionError('expected the call to throw, but it returned');
}

/** Asserts `fn` throws a TypeError (a moved or dropped resource used again). */
export function typeError(fn: () => unknown, what: string): TypeError {
  const e = thrown(fn);
  ok(e instanceof TypeError, `${what}: expected a TypeError, got ${String(e)}`);
  return e;
}

/** The distinct entries of `calls` in order of first appearance. */
export function distinct(calls: readonly string[]): string[] {
  return [...new Set(calls)];
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
export const bytes = (s: string): Uint8Array => utf8.encode(s);
export const text = (b: Uint8Array): string => utf8d.decode(b);

// ---------------------------------------------------------------------------------------------
// the MANIFEST

export interface ManifestEntry {
  name: string;
  group: string;
  imports: string[];
  exports: string[];
  wasiCallsInPassingRun: string[];
  needsJspi: boolean | string;
}

let manifest: Promise<ManifestEntry[]> | null = null;

/** The corpus's MANIFEST.json entry for `name`. */
export async function manifestEntry(name: string): Promise<ManifestEntry> {
  manifest ??= (async () => {
    if (isNode) {
      const { conformancePath } = await import('../harness/conformance-dir.js');
      const fsName = 'node:fs/promises';
      const fs = (await import(fsName)) as { readFile(p: string, enc: 'utf8'): Promise<string> };
      return JSON.parse(await fs.readFile(conformancePath('MANIFEST.json'), 'utf8')) as ManifestEntry[];
    }
    const res = await fetch('/__conformance/MANIFEST.json');
    if (!res.ok) throw new Error(`could not fetch the MANIFEST: HTTP ${res.status}`);
    return (await res.json()) as ManifestEntry[];
  })();
  const e = (await manifest).find((m) => m.name === name);
  if (!e) throw new Error(`${name} is not in the MANIFEST`);
  return e;
}

// ---------------------------------------------------------------------------------------------
// a worker with a hard time limit (a hanging guest can't be interrupted on the test's thread)

/** What the worker reports from one `wasi:cli/run` call on the stub WASI host. */
export interface WorkerReport {
  ok: boolean;
  error?: string;
  ret?: string;
  calls?: string[];
  writes?: Array<[string, string]>;
  stdout?: string;
  stderr?: string;
}

/** The repository root URL (file: in Node, the test server's root in a browser). */
const root = new URL('../../../', import.meta.url).href;

function workerSource(runExport: string): string {
  const port = isNode
    ? `import { parentPort } from 'node:worker_threads'; const send = (m) => parentPort.postMessage(m); const receive = (f) => parentPort.once('message', f);`
    : `const send = (m) => self.postMessage(m); const receive = (f) => { self.onmessage = (e) => f(e.data); };`;
  return `${port}
import { loadComponent } from ${JSON.stringify(`${root}build/src/core/index.js`)};
import { stubWasi } from ${JSON.stringify(`${root}build/test/harness/wasi-stub.js`)};
receive(async ({ bytes }) => {
  const w = stubWasi();
  const writes = [];
  const OS = w.imports['wasi:io/streams'].OutputStream;
  for (const m of ['write', 'blockingWriteAndFlush']) {
    const orig = OS.prototype[m];
    OS.prototype[m] = function (b) { writes.push([this.which, new TextDecoder().decode(b)]); return orig.call(this, b); };
  }
  try {
    const { exports } = await (await loadComponent(bytes)).instantiate({ imports: w.imports });
    const ret = exports[${JSON.stringify(runExport)}].run();
    send({ ok: true, ret: ret === undefined ? 'undefined' : String(ret), calls: w.calls, writes, stdout: w.stdout(), stderr: w.stderr() });
  } catch (e) {
    send({ ok: false, error: String(e && e.stack || e), calls: w.calls, stderr: w.stderr() });
  }
});
`;
}

interface AnyWorker {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

/**
 * Runs `exports[runExport].run()` of conformance component `name` in a worker (worker_threads in
 * Node, a module Worker in a browser) with the stub WASI host, and fails if it has not answered
 * after `timeoutMs` (a hang), terminating the worker.
 */
export async function runInWorker(name: string, runExport: string, timeoutMs: number): Promise<WorkerReport> {
  const bytes = await readConformance(name);
  const src = workerSource(runExport);
  let worker: AnyWorker;
  let report: Promise<WorkerReport>;
  if (isNode) {
    const wtName = 'node:worker_threads';
    const wt = (await import(wtName)) as { Worker: new (url: URL) => AnyWorker & { once(ev: string, f: (m: unknown) => void): void } };
    const w = new wt.Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`));
    worker = w;
    report = new Promise((resolve, reject) => {
      w.once('message', (m) => resolve(m as WorkerReport));
      w.once('error', reject);
    });
  } else {
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const w = new Worker(url, { type: 'module' });
    worker = w;
    report = new Promise((resolve, reject) => {
      w.onmessage = (e) => resolve(e.data as WorkerReport);
      w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AssertionError(`${name}: no answer after ${timeoutMs} ms (the guest hangs)`)), timeoutMs);
  });
  try {
    worker.postMessage({ bytes });
    return await Promise.race([report, timeout]);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// the real @bytecodealliance/preview2-shim as WASI host

/** What a run against preview2-shim produced. */
export interface ShimReport {
  ok: boolean;
  error?: string;
  /** the export's return value, JSON-encoded (`undefined` as the string 'undefined') */
  ret?: string;
  stdout: string;
  stderr: string;
  /** calls of the custom host functions (smoke's `thunk`) */
  hostCalls: string[];
  /** wall time of the export call, ms */
  ms?: number;
}

export interface ShimJob {
  readonly name: string;
  /** the path of the export function: `['wasi:cli/run@0.2.3', 'run']`, `['thunk']` */
  readonly call: readonly string[];
  /** the sandbox's environment and arguments */
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  /** isowasm's `async` option, for shim functions that return promises (the browser's poll) */
  readonly async?: InstantiateOptions['async'];
}

const encodeRet = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));

/**
 * The child process for Node: preview2-shim writes the guest's output to the process's own
 * stdout/stderr (and its `exit` ends the process), so the run happens in a child whose output is
 * captured; the child reports through file descriptor 3.
 */
const CHILD = `
import { readFileSync, writeSync } from 'node:fs';
const job = JSON.parse(process.env.ISOWASM_SHIM_JOB);
const report = (r) => writeSync(3, JSON.stringify(r));
const encodeRet = ${encodeRet.toString()};
const hostCalls = [];
try {
  const { loadComponent } = await import(job.core);
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const shim = new WASIShim({ sandbox: { env: job.env, args: job.args } });
  const imports = { ...shim.getImportObject(), 'test:smoke/imports': { thunk: () => { hostCalls.push('thunk'); } } };
  const { exports } = await (await loadComponent(readFileSync(job.file))).instantiate(job.async ? { imports, async: job.async } : { imports });
  const fn = job.call.slice(0, -1).reduce((o, k) => o[k], exports)[job.call[job.call.length - 1]];
  const t0 = performance.now();
  const ret = await fn();
  report({ ok: true, ret: encodeRet(ret), hostCalls, ms: performance.now() - t0 });
} catch (e) {
  report({ ok: false, error: String(e && e.stack || e), hostCalls });
}
`;

async function shimInChild(job: ShimJob): Promise<ShimReport> {
  const cpName = 'node:child_process';
  const cp = (await import(cpName)) as typeof import('node:child_process');
  const { conformancePath } = await import('../harness/conformance-dir.js');
  const urlName = 'node:url';
  const { fileURLToPath } = (await import(urlName)) as typeof import('node:url');
  const env = {
    ...process.env, NODE_NO_WARNINGS: '1',
    ISOWASM_SHIM_JOB: JSON.stringify({ ...job, core: `${root}build/src/core/index.js`, file: conformancePath(`components/${job.name}.wasm`) }),
  };
  const child = cp.spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: fileURLToPath(root), env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const chunks: Record<'out' | 'err' | 'rep', Uint8Array[]> = { out: [], err: [], rep: [] };
  child.stdout!.on('data', (b: Uint8Array) => chunks.out.push(b));
  child.stderr!.on('data', (b: Uint8Array) => chunks.err.push(b));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Uint8Array) => chunks.rep.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const cat = (l: Uint8Array[]) => text(new Uint8Array(l.flatMap((b) => [...b])));
  const rep = cat(chunks.rep);
  const stdout = cat(chunks.out);
  const stderr = cat(chunks.err);
  if (!rep) throw new AssertionError(`${job.name}: the child process ended (code ${String(code)}) without a report; stderr: ${show(stderr)}`);
  return { ...(JSON.parse(rep) as Omit<ShimReport, 'stdout' | 'stderr'>), stdout, stderr };
}

interface ShimModule {
  WASIShim: new (config: Record<string, unknown>) => { getImportObject(): Record<string, unknown> };
}

async function shimInPage(job: ShimJob): Promise<ShimReport> {
  const { WASIShim } = (await import('@bytecodealliance/preview2-shim/instantiation')) as unknown as ShimModule;
  const out: Record<'stdout' | 'stderr', number[]> = { stdout: [], stderr: [] };
  const sink = (which: 'stdout' | 'stderr') => ({
    write(b: Uint8Array) {
      out[which].push(...b);
    },
    flush() {},
    blockingFlush() {},
  });
  const shim = new WASIShim({ stdout: sink('stdout'), stderr: sink('stderr'), sandbox: { env: job.env, args: job.args } });
  const hostCalls: string[] = [];
  const imports = { ...shim.getImportObject(), 'test:smoke/imports': { thunk: () => { hostCalls.push('thunk'); } } };
  const report = (r: Omit<ShimReport, 'stdout' | 'stderr'>): ShimReport => ({ ...r, stdout: text(new Uint8Array(out.stdout)), stderr: text(new Uint8Array(out.stderr)) });
  try {
    const c = await component(job.name);
    const { exports } = await c.instantiate(job.async ? { imports, async: job.async } : { imports });
    const obj = job.call.slice(0, -1).reduce<Exports>((o, k) => o[k] as Exports, exports);
    const t0 = performance.now();
    const ret: unknown = await (obj[job.call[job.call.length - 1]!] as () => unknown)();
    return report({ ok: true, ret: encodeRet(ret), hostCalls, ms: performance.now() - t0 });
  } catch (e) {
    return report({ ok: false, error: String((e as Error)?.stack ?? e), hostCalls });
  }
}

/**
 * Runs one export of conformance component `name` with the real preview2-shim as WASI host: in
 * Node in a child process (whose stdout/stderr are the guest's), in a browser with the shim's
 * stdout/stderr handlers capturing the bytes.
 */
export function runWithShim(job: ShimJob): Promise<ShimReport> {
  return isNode ? shimInChild(job) : shimInPage(job);
}

/** Asserts a shim run succeeded with return value `ret` and exactly this stdout and stderr. */
export function expectShim(r: ShimReport, ret: unknown, stdout: string, stderr = ''): void {
  ok(r.ok, `the run failed: ${String(r.error)}\nstdout: ${show(r.stdout)}\nstderr: ${show(r.stderr)}`);
  equal(r.ret, encodeRet(ret), 'return value');
  equal(r.stdout, stdout, 'stdout');
  equal(r.stderr, stderr, 'stderr');
}

/** The host of resource_import_and_export (Rust and C builds), recording every call. */
export function thingHost(): Host {
  return (log) => {
    let n = 0;
    class Thing {
      readonly id = n++;
      v: number;
      constructor(v: number) {
        log.push(['new Thing', this.id, v]);
        this.v = v + 1;
      }
      foo(): number {
        log.push(['foo', this.id]);
        return this.v + 2;
      }
      bar(v: number): void {
        log.push(['bar', this.id, v]);
        this.v = v + 3;
      }
      static baz(a: Thing, b: Thing): Thing {
        log.push(['baz', a instanceof Thing ? a.id : show(a), b instanceof Thing ? b.id : show(b)]);
        return new Thing(a.foo() + b.foo() + 4);
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id, this.v]);
      }
    }
    return {
      'test:resource-import-and-export/test': { Thing },
      'toplevel-import': { default: (a: unknown) => { log.push(['toplevel-import', a instanceof Thing ? a.id : show(a)]); return a; } },
    };
  };
}

/** The host `Y` class of the `resources` C guest, recording every call. */
export function yHost(): Host {
  return (log) => {
    let n = 0;
    class Y {
      readonly id = n++;
      a: number;
      constructor(a: number) {
        log.push(['new Y', this.id, a]);
        this.a = a;
      }
      getA(): number {
        log.push(['getA', this.id]);
        return this.a;
      }
      setA(a: number): void {
        log.push(['setA', this.id, a]);
        this.a = a;
      }
      static add(y: Y, a: number): Y {
        log.push(['add', y instanceof Y ? y.id : show(y), a]);
        return new Y(y.a + a);
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id, this.a]);
      }
    }
    return { imports: { Y } };
  };
}
