/**
 * Loader blowups (issue 14): binaries of a few hundred bytes that ask for exponential work
 * (instantiation trees that double at every level, types and export trees that share their parts)
 * or for recursion far deeper than the stack (types nested 100,000 deep). Each must be refused with
 * an `IsowasmError` naming the `LoaderLimits` limit, within milliseconds, at load time where the
 * parser can see it and during describing or linking where only they can. Every case sits beside a
 * control just inside the limits that loads and runs, so refusing everything can't pass.
 *
 * In Node each hostile case runs in a child process that is killed after 20 s, so a regression
 * fails as a timeout instead of hanging the suite; in Chromium it runs in the page.
 */
import {
  DEFAULT_LOADER_LIMITS, IsowasmError, type LoaderLimits, loadComponent, parseComponent,
} from '../../src/core/index.js';
import { equal, ok, rejects } from '../harness/assert.js';
import { platform } from '../harness/platform.js';
import { describe, isNode, it } from '../harness/test-api.js';
import {
  coreExportChain, deepInstanceExports, deepOption, deepOptionTypes, importedDoubling, instanceExportDag,
  liftedWithParam, mixedChainTypes, nestedDoubling, nestedExportDoubling, outerAliasDoubling, tupleDag, tupleDagTypes,
  typeThroughExports,
} from './_blowups.js';
import { SECTION, VAL, answerComponent, section, u32, vec } from './_binary-builder.js';

type Phase = 'load' | 'describe' | 'instantiate' | 'call';

/** How far `attempt` got, and how it ended. */
interface Outcome {
  /** the phase that failed, or 'done' */
  readonly failedIn: Phase | 'done';
  readonly isowasm?: boolean;
  readonly code?: string;
  readonly limit?: string;
  readonly message?: string;
  /** the answer of `answer()`, when the component has one */
  readonly answer?: unknown;
  /** time from load to the end, in milliseconds */
  readonly ms: number;
}

/**
 * Loads `b` (with `limits`), describes it, instantiates it with a stub for every function import
 * and calls `answer()` if it exports one: each step only if the previous one succeeded. Written as
 * one function's source so that Node can run it in a child process.
 */
async function attemptHere(core: { loadComponent: typeof loadComponent; IsowasmError: typeof IsowasmError }, b: Uint8Array, limits: LoaderLimits | undefined): Promise<Outcome> {
  const started = performance.now();
  let phase: Phase = 'load';
  const end = (o: Partial<Outcome>): Outcome => ({ failedIn: 'done', ...o, ms: Math.round(performance.now() - started) });
  try {
    const c = await core.loadComponent(b, { limits });
    phase = 'describe';
    const imports: Record<string, unknown> = {};
    for (const i of c.imports) if (i.kind === 'func') imports[i.name] = () => undefined;
    void c.exports;
    phase = 'instantiate';
    const { exports } = await c.instantiate({ imports });
    phase = 'call';
    return end({ answer: typeof exports.answer === 'function' ? exports.answer() : undefined });
  } catch (e) {
    const err = e as { code?: string; details?: { limit?: string }; message?: string };
    return end({ failedIn: phase, isowasm: e instanceof core.IsowasmError, code: err?.code, limit: err?.details?.limit, message: String(err?.message ?? e) });
  }
}

/** `attemptHere`, in a child process under Node (killed after 20 s), in the page elsewhere. */
async function attempt(b: Uint8Array, limits?: LoaderLimits): Promise<Outcome> {
  if (!isNode) return attemptHere({ loadComponent, IsowasmError }, b, limits);
  const cp = 'node:child_process';
  const { spawnSync } = (await import(cp)) as typeof import('node:child_process');
  const core = new URL('../../src/core/index.js', import.meta.url).href;
  const script = `
    const core = await import(${JSON.stringify(core)});
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    const input = JSON.parse(Buffer.concat(chunks).toString());
    const bytes = Uint8Array.from(Buffer.from(input.bytes, 'base64'));
    const attempt = ${attemptHere.toString()};
    console.log(JSON.stringify(await attempt(core, bytes, input.limits)));`;
  const input = JSON.stringify({ bytes: Buffer.from(b).toString('base64'), limits });
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', '--input-type=module', '-e', script], { input, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) {
    const why = r.signal === 'SIGTERM' ? 'was still running after 20 s (a hang)' : `died (exit ${String(r.status)}, signal ${String(r.signal)})`;
    throw new Error(`the ${b.length}-byte component ${why}: ${r.stderr.split('\n').find((l) => /Error|heap|FATAL/.test(l)) ?? r.stderr.slice(0, 300)}`);
  }
  return JSON.parse(r.stdout) as Outcome;
}

/** Asserts that `o` is a refusal in `phase` by limit `limit` (null: an UNSUPPORTED without a limit), in under 2 s. */
function refusedBy(o: Outcome, phase: Phase, limit: keyof LoaderLimits | null, message?: RegExp): void {
  ok(o.isowasm === true, `expected an IsowasmError, got ${o.failedIn === 'done' ? 'success' : `${o.code ?? 'no code'}: ${o.message}`}`);
  equal(o.code, 'UNSUPPORTED', o.message);
  equal(o.failedIn, phase, `refused in the wrong phase: ${o.message}`);
  equal(o.limit ?? null, limit, o.message);
  if (limit) ok(o.message!.includes(limit) && o.message!.includes('limits'), `the message names the limit and how to raise it: ${o.message}`);
  if (message) ok(message.test(o.message!), `message: ${o.message}`);
  // a hang guard, not a benchmark: the refusal comes before the work, in milliseconds
  ok(o.ms < 2000, `refusing took ${o.ms} ms`);
}

/** Asserts that `o` got through every phase. */
function works(o: Outcome): void {
  equal(o.failedIn, 'done', `expected it to load, describe and instantiate: ${o.code}: ${o.message}`);
}

describe('loader limits: instantiation trees', () => {
  it('nested components that each instantiate the previous one twice (2^40 instances) are refused at load', async () => {
    const b = nestedDoubling(40);
    ok(b.length < 1000, `${b.length} bytes`);
    refusedBy(await attempt(b), 'load', 'maxInstances', /2199023255550 component instances/);
    // the control: 8 levels make 510 instances and 256 core instances, and run
    works(await attempt(nestedDoubling(8)));
  });

  it('core instances count across the tree too', async () => {
    // 4 levels of 2 make 30 component instances, each leaf 100 core instances: 1600 in all
    refusedBy(await attempt(nestedDoubling(4, 2, 100), { maxCoreInstances: 1000 }), 'load', 'maxCoreInstances', /1600 core module instances/);
    works(await attempt(nestedDoubling(4, 2, 100)));
  });

  it('the same tree built from sibling components and outer aliases (no nesting limit applies)', async () => {
    refusedBy(await attempt(outerAliasDoubling(60)), 'load', 'maxInstances', /over 2\^53 component instances/);
    works(await attempt(outerAliasDoubling(8)));
  });

  it('the same tree hidden behind component imports is stopped while linking', async () => {
    // the parser can't tell what an imported component instantiates: linking counts
    const o = await attempt(importedDoubling(40));
    refusedBy(o, 'instantiate', 'maxInstances', /more than 1000 component instances/);
    works(await attempt(importedDoubling(4)));
  });

  it('an instance exported twice at every level (2^40 export paths) is refused when described or linked', async () => {
    refusedBy(await attempt(nestedExportDoubling(40)), 'describe', 'maxTypeSize', /export tree/);
    const c = await loadComponent(nestedExportDoubling(40));
    await rejects(() => c.instantiate(), { instanceOf: IsowasmError, code: 'UNSUPPORTED', message: /export tree .* maxTypeSize/ });
    works(await attempt(nestedExportDoubling(5)));
  });

  it('an instance of instances exported twice at every level, in one component, is refused at load', async () => {
    refusedBy(await attempt(instanceExportDag(40)), 'load', 'maxTypeSize', /instance 19 .*effective size of 1048575/);
    works(await attempt(instanceExportDag(10)));
  });

  it('instances nested 50,000 deep in exports are refused at load, not by the stack', async () => {
    refusedBy(await attempt(deepInstanceExports(50_000)), 'load', 'maxTypeDepth', /nested 101 levels deep/);
    works(await attempt(deepInstanceExports(99)));
  });

  it('core instances re-exporting the one before, 5000 deep, stop with an IsowasmError, not a stack overflow', async () => {
    refusedBy(await attempt(coreExportChain(5000)), 'instantiate', null, /refer to one another more than \d+ levels deep/);
    const o = await attempt(coreExportChain(50));
    works(o);
    equal(o.answer, 42);
  });
});

describe('loader limits: types', () => {
  it('tuples nested 40 deep, each using the previous type twice, are refused at load', async () => {
    const b = tupleDag(40);
    ok(b.length < 600, `${b.length} bytes`);
    refusedBy(await attempt(b), 'load', 'maxTypeSize', /type 18 .*effective size of 1048575/);
  });

  it('a type just under the size limit is described in bounded text, by name where it has one', async () => {
    // tuple<t16, t16> has 2^19 - 1 nodes: spelled out, its text would be megabytes long
    const started = performance.now();
    const named = await loadComponent(tupleDag(17));
    equal(named.imports.find((i) => i.name === 'f')!.signature, 'func(x: t)');
    const t = named.exports.find((e) => e.name === 't')!;
    ok(t.signature!.startsWith('tuple<tuple<tuple<'), t.signature!.slice(0, 80));
    ok(t.signature!.endsWith('…') && t.signature!.length <= 16_385, `type text of ${t.signature!.length} characters`);
    const anonymous = await loadComponent(tupleDag(17, false));
    const f = anonymous.imports.find((i) => i.name === 'f')!;
    ok(f.signature!.startsWith('func(x: tuple<tuple<tuple<'), f.signature!.slice(0, 80));
    ok(f.signature!.endsWith('…') && f.signature!.length <= 16_385, `signature of ${f.signature!.length} characters`);
    ok(performance.now() - started < 2000, 'describing took over 2 s');
  });

  it('an option nested 100,000 deep is refused at load, not by the stack', async () => {
    refusedBy(await attempt(deepOption(100_000)), 'load', 'maxTypeDepth', /nested 101 levels deep/);
    // 99 options around u8 are 100 levels: the limit itself
    const c = await loadComponent(deepOption(99));
    ok(c.exports[0]!.signature!.startsWith('option<option<'), c.exports[0]!.signature!);
  });

  it('a type made too big from parts that come through an instance export is refused while describing and linking', async () => {
    // the nested component's type is just under the limit; the root doubles it
    refusedBy(await attempt(typeThroughExports(tupleDagTypes(17), 1)), 'describe', 'maxTypeSize', /effective size of 1048575/);
    const c = await loadComponent(typeThroughExports(tupleDagTypes(17), 1));
    await rejects(() => c.instantiate(), { instanceOf: IsowasmError, code: 'UNSUPPORTED', message: /maxTypeSize/ });
    works(await attempt(typeThroughExports(tupleDagTypes(10), 1)));
  });

  it('a type made too deep from parts that come through an instance export is refused before recursing', async () => {
    refusedBy(await attempt(typeThroughExports(deepOptionTypes(98), 5)), 'describe', 'maxTypeDepth', /more than 100 levels deep/);
    works(await attempt(typeThroughExports(deepOptionTypes(98), 1)));
  });

  it('nested fixed-length lists are measured by their length', async () => {
    // list<list<u8, 4096>, 4096> has 2^24 elements
    const lists = [[0x67, VAL.u8, ...u32(4096)], [0x67, 0x01, ...u32(4096)]]; // types 1 and 2 (type 0 is answer's)
    refusedBy(await attempt(answerComponent({ extra: [section(SECTION.type, vec(lists))] })), 'load', 'maxTypeSize', /effective size of 16781313/);
    const o = await attempt(answerComponent({ extra: [section(SECTION.type, vec([lists[0]!, [0x67, 0x01, ...u32(16)]]))] }));
    works(o);
    equal(o.answer, 42);
  });

  it('a lifted function taking a type that flattens to 2^18 values is checked without flattening it', async () => {
    // before: spreading 262144 flat values overflowed the stack (a LINK_ERROR); the parameters
    // go through memory, which the canon lift does not name
    const c = await loadComponent(liftedWithParam(tupleDagTypes(17)));
    const started = performance.now();
    await rejects(() => c.instantiate(), { instanceOf: IsowasmError, code: 'INVALID_BINARY', message: /canon lift of f passes strings or lists through memory but names no memory option/ });
    ok(performance.now() - started < 2000, 'took over 2 s');
  });

  it('with maxTypeDepth raised to its cap, types 500 deep are described and compiled without exhausting the stack', async () => {
    const limits = { maxTypeDepth: 500 };
    refusedBy(await attempt(deepOption(500), limits), 'load', 'maxTypeDepth', /nested 501 levels deep/);
    const c = await loadComponent(deepOption(499), { limits });
    equal(c.exports[0]!.signature, `${'option<'.repeat(499)}u8${'>'.repeat(499)}`);
    // codecs of parameters 499 levels deep (500 with the function) are compiled, then the canon
    // lift is refused: it names no memory
    for (const types of [deepOptionTypes(498), mixedChainTypes(498)]) {
      const f = await loadComponent(liftedWithParam(types), { limits });
      void f.exports;
      await rejects(() => f.instantiate(), { instanceOf: IsowasmError, code: 'INVALID_BINARY', message: /passes strings or lists through memory/ });
    }
  });
});

describe('loader limits: configuration', () => {
  it('the defaults are the documented ones', () => {
    equal(JSON.stringify(DEFAULT_LOADER_LIMITS), JSON.stringify({ maxInstances: 1000, maxCoreInstances: 10_000, maxTypeDepth: 100, maxTypeSize: 1_000_000 }));
  });

  it('a lower limit refuses what the default accepts, and a higher one accepts what it refuses', async () => {
    const tree = nestedDoubling(8); // 510 instances
    refusedBy(await attempt(tree, { maxInstances: 100 }), 'load', 'maxInstances', /510 component instances .*, beyond the loader limit maxInstances = 100/);
    works(await attempt(tree, { maxInstances: 510 }));
    const deep = deepOption(150);
    refusedBy(await attempt(deep), 'load', 'maxTypeDepth');
    works(await attempt(deep, { maxTypeDepth: 151 }));
    refusedBy(await attempt(tupleDag(8), { maxTypeSize: 500 }), 'load', 'maxTypeSize');
    // t8 has 2^10 - 1 nodes, and f(x: t8) one more
    equal(parseComponent(tupleDag(8), { maxTypeSize: 1024 }).types.length, 11);
  });

  it('limits that are not positive integers, unknown limits and depths beyond the cap are TypeErrors', async () => {
    const b = answerComponent();
    for (const bad of [{ maxInstances: 0 }, { maxTypeSize: 1.5 }, { maxTypeDepth: 501 }, { maxCoreInstances: -1 }, { maxTypes: 5 }, { maxInstances: '10' }]) {
      await rejects(() => loadComponent(b, { limits: bad as LoaderLimits }), { instanceOf: TypeError });
    }
    await loadComponent(b, { limits: { maxInstances: undefined } });
  });

  it('the worker strategy parses again under the same limits', async () => {
    const { loadComponent: load } = await platform();
    // type 0 is answer's function type; 150 options follow
    const deep = answerComponent({ extra: [section(SECTION.type, vec(deepOptionTypes(150, 1)))] });
    await rejects(() => load(deep), { instanceOf: IsowasmError, code: 'UNSUPPORTED', message: /maxTypeDepth/ });
    const c = await load(deep, { limits: { maxTypeDepth: 200 } });
    const inst = await c.instantiate({ strategy: 'worker' });
    try {
      equal(inst.strategy, 'worker');
      equal(await inst.exports.answer(), 42);
    } finally {
      await inst.terminate();
    }
  });
});
