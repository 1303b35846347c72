/**
 * A seeded, deterministic fuzz run over mutated components: byte flips, random overwrites,
 * inserted and deleted runs, truncation, duplicated and swapped sections, and (a quarter of the
 * cases) structure-aware edits (_structure-mutator.ts: sections duplicated, the component nested
 * in components instantiating it several times, chains of types, instances and components that
 * use the previous link twice). Besides real components, the seeds include the crafted loader
 * blowups of issue 14 (_blowups.ts), at full size and just inside the limits. For every case
 * `loadComponent` either succeeds or rejects with an `IsowasmError`; when it loads, the component
 * is described, instantiated with a permissive stub host and (if its core code is unchanged, so
 * it can't loop forever) a cheap export is called. Any other kind of failure is a runtime bug;
 * the failure message names the seed, target and case index, and `fuzzCase()` rebuilds that one
 * input on its own.
 *
 * Node runs about 7000 cases; the browser half of that. Set ISOWASM_FUZZ_SEED (and
 * ISOWASM_FUZZ_SCALE, a multiplier of the case counts) in Node to explore other seeds.
 */
import { ComponentError, IsowasmError, loadComponent, parseComponent, type ComponentModel, type ItemDescription } from '../../src/core/index.js';
import { AssertionError, equal, ok } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, isNode, it } from '../harness/test-api.js';
import { stubWasi } from '../harness/wasi-stub.js';
import { answerComponent, sections } from './_binary-builder.js';
import { mulberry32 } from '../harness/prng.js';
import {
  deepOption, importedDoubling, instanceExportDag, nestedDoubling, nestedExportDoubling, outerAliasDoubling, tupleDag,
} from './_blowups.js';
import { mutateStructure } from './_structure-mutator.js';

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
export const DEFAULT_SEED = 0x15a_0a5a;
const SEED = env.ISOWASM_FUZZ_SEED !== undefined ? Number(env.ISOWASM_FUZZ_SEED) >>> 0 : DEFAULT_SEED;
const SCALE = (env.ISOWASM_FUZZ_SCALE !== undefined ? Number(env.ISOWASM_FUZZ_SCALE) : 1) * (isNode ? 1 : 1 / 2);


/** The PRNG seed of one case: independent of every other case, so a case reproduces alone. */
function caseSeed(seed: number, target: string, index: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ index, 0x9e3779b1);
  return (h ^ (h >>> 16)) >>> 0;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x3f, 0x0b, 0x60, 0x0d];

/**
 * Applies one random mutation to `src`: a quarter of the time a structure-aware one (which needs
 * `model`, the parsed `src`, to know how many types, instances and components it has; null if it
 * does not parse), else a byte-level one. Positions are drawn from the component-level sections
 * (everything but embedded core modules, which the engine validates) half of the time.
 */
export function mutate(src: Uint8Array, rng: () => number, model: ComponentModel | null = null): { bytes: Uint8Array; what: string; codeMayChange: boolean } {
  const int = (n: number): number => Math.floor(rng() * n);
  if (rng() < 1 / 4) {
    const m = mutateStructure(src, model, rng);
    // core modules are copied whole, never edited: calls stay safe
    if (m) return { ...m, codeMayChange: false };
  }
  const secs = safeSections(src);
  const componentLevel = secs.filter((s) => s.id !== 1 && s.id !== 4 && s.id !== 0);
  const pos = (): number => {
    if (componentLevel.length && rng() < 0.5) {
      const s = componentLevel[int(componentLevel.length)]!;
      return s.start + int(s.end - s.start);
    }
    return int(src.length);
  };
  const byte = (): number => (rng() < 0.4 ? INTERESTING[int(INTERESTING.length)]! : int(256));
  const kind = int(8);
  const out = Array.from(src);
  switch (kind) {
    case 0: {
      const n = 1 + int(4);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = pos();
        out[p] = out[p]! ^ (1 << int(8));
        at.push(p);
      }
      return { bytes: Uint8Array.from(out), what: `flip bits at ${at.join(',')}`, codeMayChange: true };
    }
    case 1: {
      const n = 1 + int(4);
      const at: string[] = [];
      for (let i = 0; i < n; i++) {
        const p = pos();
        out[p] = byte();
        at.push(`${p}=0x${out[p]!.toString(16)}`);
      }
      return { bytes: Uint8Array.from(out), what: `overwrite ${at.join(',')}`, codeMayChange: true };
    }
    case 2: {
      const p = pos();
      const run = Array.from({ length: 1 + int(16) }, byte);
      out.splice(p, 0, ...run);
      return { bytes: Uint8Array.from(out), what: `insert [${run.map((b) => b.toString(16)).join(' ')}] at ${p}`, codeMayChange: true };
    }
    case 3: {
      const p = pos();
      const n = 1 + int(16);
      out.splice(p, n);
      return { bytes: Uint8Array.from(out), what: `delete ${n} bytes at ${p}`, codeMayChange: true };
    }
    case 4: {
      const n = int(src.length);
      return { bytes: src.slice(0, n), what: `truncate to ${n}`, codeMayChange: true };
    }
    case 5: {
      if (!secs.length) break;
      const s = secs[int(secs.length)]!;
      const at = [8, ...secs.map((x) => x.end)][int(secs.length + 1)]!;
      out.splice(at, 0, ...src.subarray(s.start, s.end));
      return { bytes: Uint8Array.from(out), what: `duplicate section ${s.id} at ${s.start} to ${at}`, codeMayChange: false };
    }
    case 6: {
      if (secs.length < 2) break;
      const i = int(secs.length - 1);
      const a = secs[i]!;
      const b = secs[i + 1]!;
      const swapped = [...src.subarray(0, a.start), ...src.subarray(b.start, b.end), ...src.subarray(a.start, a.end), ...src.subarray(b.end)];
      return { bytes: Uint8Array.from(swapped), what: `swap sections at ${a.start} and ${b.start}`, codeMayChange: false };
    }
    default: {
      // an LEB128 stress: turn a byte into a continuation byte, or a section size into a huge one
      const p = pos();
      if (rng() < 0.5) {
        out[p] = out[p]! | 0x80;
        return { bytes: Uint8Array.from(out), what: `set the continuation bit at ${p}`, codeMayChange: true };
      }
      const s = secs.length ? secs[int(secs.length)]! : null;
      if (!s) break;
      out.splice(s.start + 1, s.bodyStart - s.start - 1, 0xff, 0xff, 0xff, 0xff, 0x0f);
      return { bytes: Uint8Array.from(out), what: `size of section at ${s.start} := 0xffffffff`, codeMayChange: false };
    }
  }
  const n = int(src.length);
  return { bytes: src.slice(0, n), what: `truncate to ${n}`, codeMayChange: true };
}

function safeSections(b: Uint8Array): ReturnType<typeof sections> {
  try {
    return sections(b).filter((s) => s.end <= b.length);
  } catch {
    return [];
  }
}

/** Every embedded core module of a component (recursively), as bytes. */
function coreModules(b: Uint8Array, depth = 0): Uint8Array[] {
  if (depth > 8 || b.length < 8) return [];
  const out: Uint8Array[] = [];
  for (const s of safeSections(b)) {
    if (s.id === 1) out.push(b.subarray(s.bodyStart, s.end));
    else if (s.id === 4) out.push(...coreModules(b.subarray(s.bodyStart, s.end), depth + 1));
  }
  return out;
}

function fingerprint(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}:${h >>> 0}`;
}

type Fn = (...a: unknown[]) => unknown;
type Exports = Record<string, unknown>;

interface Target {
  name: string;
  /** cases in Node */
  cases: number;
  /** a crafted blowup that is refused unmutated (UNSUPPORTED), and where */
  refusedIn?: 'load' | 'describe' | 'instantiate';
  /** the slowest a case may be, in ms (default 5000) */
  maxMs?: number;
  load(): Promise<Uint8Array>;
  /** the component's own host (WASI stubs and generic stubs fill the rest) */
  host?: () => Record<string, unknown>;
  wasi?: boolean;
  /** cheap calls: each returns the function and its arguments, or null when the export is gone */
  calls: ((x: Exports) => [Fn, unknown[]] | null)[];
}

function at(x: unknown, ...path: string[]): unknown {
  let v = x;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

const call = (path: string[], ...args: unknown[]) => (x: Exports): [Fn, unknown[]] | null => {
  const f = at(x, ...path);
  return typeof f === 'function' ? [f as Fn, args] : null;
};

const numbersHost = {
  'test:numbers/test': {
    roundtripU8: (x: number) => x, roundtripS8: (x: number) => x, roundtripU16: (x: number) => x, roundtripS16: (x: number) => x,
    roundtripU32: (x: number) => x, roundtripS32: (x: number) => x, roundtripU64: (x: bigint) => x, roundtripS64: (x: bigint) => x,
    roundtripF32: (x: number) => x, roundtripF64: (x: number) => x, roundtripChar: (x: string) => x, setScalar: () => {}, getScalar: () => 0,
  },
};

const TARGETS: Target[] = [
  { name: 'asmjs_bigint', cases: 1200, load: () => readConformance('asmjs_bigint'), calls: [call(['add'], 1n, 2n)] },
  { name: 'answer (builder)', cases: 800, load: async () => answerComponent(), calls: [call(['answer'])] },
  { name: 'adder', cases: 800, load: () => readConformance('adder'), calls: [call(['docs:adder/add@0.1.0', 'add'], 1, 2)] },
  { name: 'hostile-trap', cases: 900, load: () => readFixture('hostile-trap'), calls: [call(['ok']), call(['echo'], 'hi'), call(['div'], 6, 3)] },
  {
    name: 'hostile-imports', cases: 900, load: () => readFixture('hostile-imports'),
    host: () => ({
      log: () => {}, getCount: () => 41, name: () => 'n',
      'acme:host/clock': { now: () => 1n }, 'acme:host/store': { get: () => 0, put: () => {} },
    }),
    calls: [call(['callCount']), call(['nameLength']), call(['callLog']), call(['callStore'], 1, 2)],
  },
  { name: 'hostile-memory', cases: 600, load: () => readFixture('hostile-memory'), calls: [call(['goodString']), call(['goodList']), call(['takeString'], 'abc')] },
  { name: 'strings', cases: 300, load: () => readConformance('strings'), wasi: true, host: () => ({ 'test:strings/imports': {} }), calls: [call(['returnEmpty']), call(['roundtrip'], 'héllo')] },
  { name: 'numbers', cases: 300, load: () => readConformance('numbers'), wasi: true, host: () => numbersHost, calls: [call(['test:numbers/test', 'roundtripU8'], 7), call(['test', 'roundtripF64'], 0.5)] },
  // the loader blowups of issue 14, refused unmutated, and their kin just inside the limits
  ...blowup('nested doubling', () => nestedDoubling(40), 'load', () => nestedDoubling(5)),
  ...blowup('outer-alias doubling', () => outerAliasDoubling(60), 'load', () => outerAliasDoubling(5)),
  ...blowup('imported doubling', () => importedDoubling(40), 'instantiate', () => importedDoubling(4)),
  ...blowup('tuple DAG', () => tupleDag(40), 'load', () => tupleDag(12)),
  ...blowup('deep option', () => deepOption(3000), 'load', () => deepOption(60)),
  ...blowup('instance DAG', () => instanceExportDag(40), 'load', () => instanceExportDag(8)),
  ...blowup('export doubling', () => nestedExportDoubling(40), 'describe', () => nestedExportDoubling(5)),
];

/** Two targets: the crafted blowup (refused in `refusedIn`) and a smaller one that loads and runs. */
function blowup(name: string, full: () => Uint8Array, refusedIn: Target['refusedIn'], small: () => Uint8Array): Target[] {
  return [
    { name: `blowup: ${name}`, cases: 80, load: async () => full(), refusedIn, maxMs: 2000, calls: [] },
    { name: `blowup: ${name}, within the limits`, cases: 80, load: async () => small(), maxMs: 2000, calls: [] },
  ];
}

/** The parsed seed, for the structure-aware mutations (null if even generous limits refuse it). */
function modelOf(b: Uint8Array): ComponentModel | null {
  try {
    const huge = 2 ** 52;
    return parseComponent(b, { maxInstances: huge, maxCoreInstances: huge, maxTypeSize: huge, maxTypeDepth: 1000 });
  } catch {
    return null;
  }
}

/** A host that provides something for every import: the target's own, WASI stubs, then generic stubs. */
function permissiveHost(t: Target, imports: readonly ItemDescription[]): Record<string, unknown> {
  const own: Record<string, unknown> = { ...(t.wasi ? stubWasi().imports : {}), ...(t.host?.() ?? {}) };
  function stub(): undefined {
    return undefined;
  }
  // an interface object whose missing members are stubs
  const withStubs = (o: object): object => new Proxy(o, {
    get: (target, k) => (typeof k === 'string' ? (target as Record<string, unknown>)[k] ?? stub : undefined),
  });
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(own)) out[k] = typeof v === 'object' && v !== null ? withStubs(v) : v;
  for (const imp of imports) {
    const base = imp.name.replace(/@[^@/]*$/, '');
    if (imp.name in own || base in own) continue;
    if (imp.kind === 'instance') out[imp.name] = withStubs({});
    else if (imp.kind === 'func' || imp.kind === 'type') out[imp.name] = stub;
  }
  return out;
}

interface Outcome {
  /** why the case stopped early, when it did with an allowed error */
  stoppedBy: string | null;
  loaded: boolean;
  instantiated: boolean;
  called: number;
  problem: string | null;
}

function describeError(e: unknown): string {
  if (e instanceof IsowasmError && e.cause instanceof Error) return `IsowasmError ${e.code}: ${e.message} [cause ${e.cause.constructor.name}]`;
  if (e instanceof Error) return `${e.constructor.name}${(e as { code?: unknown }).code ? ` ${String((e as { code?: unknown }).code)}` : ''}: ${e.message}`;
  return `non-Error ${typeof e}: ${String(e)}`;
}

/**
 * Messages of JavaScript's own TypeErrors: when one reaches the caller (bare, or as the cause of
 * an IsowasmError), the runtime failed to check something and an internal error leaked out.
 */
const INTERNAL = /Cannot (read|set) propert|is not a function|is not iterable|is not a constructor|Cannot convert .* to a BigInt|Cannot mix BigInt|Cannot convert a BigInt value to a number|Invalid array length|Invalid typed array length/;

/** Why an error that is an allowed kind is still a bug, or null. */
function leakedInternal(e: unknown): string | null {
  if (e instanceof IsowasmError) {
    const c = e.cause;
    if ((c instanceof TypeError || c instanceof ReferenceError) && INTERNAL.test(c.message) && !/^WebAssembly\./.test(c.message)) {
      return `an internal ${c.constructor.name} surfaced as ${e.code}: ${e.message}`;
    }
    return null;
  }
  if (e instanceof TypeError && INTERNAL.test(e.message)) return `an internal TypeError with no useful message: ${e.message}`;
  return null;
}

/** Runs one mutated input through load, describe, instantiate and calls. */
async function runCase(t: Target, b: Uint8Array, callsAllowed: boolean): Promise<Outcome> {
  const o: Outcome = { stoppedBy: null, loaded: false, instantiated: false, called: 0, problem: null };
  let c;
  try {
    c = await loadComponent(b);
  } catch (e) {
    o.stoppedBy = describeError(e);
    if (!(e instanceof IsowasmError)) o.problem = `loadComponent threw ${describeError(e)}`;
    else if (leakedInternal(e)) o.problem = `loadComponent: ${leakedInternal(e)}`;
    else if (!e.message || e.message.length < 10) o.problem = `loadComponent's error has no useful message: ${describeError(e)}`;
    return o;
  }
  o.loaded = true;
  let imports: readonly ItemDescription[] = [];
  try {
    imports = c.imports;
    void c.exports;
  } catch (e) {
    o.stoppedBy = describeError(e);
    if (!(e instanceof IsowasmError)) o.problem = `describing the component threw ${describeError(e)}`;
    else if (leakedInternal(e)) o.problem = `describing the component: ${leakedInternal(e)}`;
    return o;
  }
  let x: Exports;
  try {
    x = (await c.instantiate({ imports: permissiveHost(t, imports) })).exports;
  } catch (e) {
    o.stoppedBy = describeError(e);
    if (!(e instanceof IsowasmError)) o.problem = `instantiate threw ${describeError(e)}`;
    else if (leakedInternal(e)) o.problem = `instantiate: ${leakedInternal(e)}`;
    return o;
  }
  o.instantiated = true;
  if (!callsAllowed) return o;
  for (const get of t.calls) {
    let f: [Fn, unknown[]] | null;
    try {
      f = get(x);
    } catch (e) {
      o.problem = `reading the exports threw ${describeError(e)}`;
      return o;
    }
    if (!f) continue;
    try {
      f[0](...f[1]);
      o.called++;
    } catch (e) {
      o.stoppedBy = describeError(e);
      if (!(e instanceof IsowasmError || e instanceof TypeError || e instanceof ComponentError)) {
        o.problem = `calling an export threw ${describeError(e)}`;
        return o;
      }
      const leak = leakedInternal(e);
      if (leak) {
        o.problem = `calling an export: ${leak}`;
        return o;
      }
    }
  }
  return o;
}

/**
 * Rebuilds one fuzz case: the mutated bytes, what the mutation was, and whether the core code
 * may have changed (then exports are not called).
 */
export async function fuzzCase(targetName: string, seed: number, index: number): Promise<{ bytes: Uint8Array; what: string; callsAllowed: boolean }> {
  const t = TARGETS.find((x) => x.name === targetName);
  if (!t) throw new Error(`no fuzz target ${targetName}`);
  const src = await t.load();
  const originals = new Set(coreModules(src).map(fingerprint));
  const m = mutate(src, mulberry32(caseSeed(seed, t.name, index)), modelOf(src));
  const callsAllowed = coreModules(m.bytes).every((mod) => originals.has(fingerprint(mod)));
  return { bytes: m.bytes, what: m.what, callsAllowed };
}

describe(`fuzz: mutated components (seed ${SEED})`, () => {
  it('every target loads, instantiates and answers unmutated (the crafted blowups are refused)', async () => {
    for (const t of TARGETS) {
      const b = await t.load();
      const o = await runCase(t, b, true);
      equal(o.problem, null, t.name);
      if (t.refusedIn) {
        equal(o.loaded, t.refusedIn !== 'load', `${t.name}: loaded (${o.stoppedBy})`);
        ok(!o.instantiated && /IsowasmError UNSUPPORTED/.test(o.stoppedBy ?? ''), `${t.name} was not refused: ${o.stoppedBy}`);
        continue;
      }
      ok(o.instantiated, `${t.name} did not instantiate: ${o.stoppedBy}`);
      equal(o.called, t.calls.length, `${t.name}: calls that succeeded`);
    }
  });

  it('the PRNG and mutations are deterministic', async () => {
    const a = await fuzzCase('adder', SEED, 17);
    const b = await fuzzCase('adder', SEED, 17);
    equal(a.what, b.what);
    equal(fingerprint(a.bytes), fingerprint(b.bytes));
    const r = mulberry32(1);
    const first = [r(), r(), r()];
    const r2 = mulberry32(1);
    equal(JSON.stringify([r2(), r2(), r2()]), JSON.stringify(first));
  });

  for (const t of TARGETS) {
    const n = Math.max(20, Math.round(t.cases * SCALE));
    it(`${t.name}: ${n} mutated cases fail only with clear IsowasmErrors`, async () => {
      const src = await t.load();
      const model = modelOf(src);
      const originals = new Set(coreModules(src).map(fingerprint));
      const problems: string[] = [];
      const stats = { loaded: 0, instantiated: 0, called: 0, refused: 0 };
      let slowest = { ms: 0, index: -1 };
      const stops = new Map<string, number>();
      for (let index = 0; index < n; index++) {
        const m = mutate(src, mulberry32(caseSeed(SEED, t.name, index)), model);
        const callsAllowed = coreModules(m.bytes).every((mod) => originals.has(fingerprint(mod)));
        const started = performance.now();
        let o: Outcome;
        try {
          o = await runCase(t, m.bytes, callsAllowed);
        } catch (e) {
          o = { stoppedBy: null, loaded: false, instantiated: false, called: 0, problem: `the harness itself failed: ${describeError(e)}` };
        }
        const ms = performance.now() - started;
        if (ms > slowest.ms) slowest = { ms, index };
        if (o.loaded) stats.loaded++;
        else stats.refused++;
        if (o.instantiated) stats.instantiated++;
        stats.called += o.called;
        if (o.stoppedBy) {
          const k = o.stoppedBy.replace(/\d+/g, 'N').slice(0, 160);
          stops.set(k, (stops.get(k) ?? 0) + 1);
        }
        if (o.problem) {
          problems.push(`seed ${SEED} target "${t.name}" case ${index} (${m.what}): ${o.problem}\n    reproduce: await fuzzCase(${JSON.stringify(t.name)}, ${SEED}, ${index})`);
        }
      }
      if (problems.length) {
        throw new AssertionError(`${problems.length} of ${n} cases broke the error contract (an error that is not an IsowasmError, or an internal error inside one):\n  ${problems.slice(0, 8).join('\n  ')}${problems.length > 8 ? `\n  ... and ${problems.length - 8} more` : ''}`);
      }
      if (env.ISOWASM_FUZZ_VERBOSE) for (const [k, v] of [...stops].sort((a, b) => b[1] - a[1])) console.log(`  ${v} x ${k}`);
      if (env.ISOWASM_FUZZ_VERBOSE) console.log(t.name, n, JSON.stringify(stats), `slowest case ${slowest.index}: ${Math.round(slowest.ms)} ms`);
      // the run must exercise both paths, or it tests nothing (a blowup refused at load rarely loads)
      ok(stats.refused > 0, `${t.name}: no mutated case was refused (${JSON.stringify(stats)})`);
      if (t.refusedIn !== 'load') ok(stats.loaded > 0, `${t.name}: no mutated case loaded (${JSON.stringify(stats)})`);
      ok(slowest.ms < (t.maxMs ?? 5000), `${t.name}: case ${slowest.index} took ${Math.round(slowest.ms)} ms`);
    });
  }
});
