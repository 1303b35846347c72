/**
 * The same guests under each strategy, forced by option ('jspi', 'worker', 'sync'), in Node and
 * in Chromium: async_call (a host that answers later), resources of group 3 (host objects and
 * guest objects crossing the boundary, moves, disposes, identity), results and traps, and a WASI
 * command served from capability grants. Calls are awaited throughout: with 'worker' every
 * export returns a promise, elsewhere only the exports `async` selects.
 */
import { ComponentError, ComponentExit, IsowasmError } from '../../src/core/index.js';
import { deepEqual, equal, ok, show } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { type Call, type Host, thingHost, yHost } from './_conformance-hosts-2.js';
import { STRATEGIES, failure, fixtureWith, sleep, startWith, until } from './strategy-harness.js';

const I = 'something:test/test-interface';
const asyncRunAsync = { imports: [`${I}#call-async`], exports: ['run-async'] };

function code(e: unknown): string {
  return e instanceof IsowasmError ? e.code : `not an IsowasmError: ${String(e)}`;
}

describe('strategies: async_call with a host that answers later', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: runSync() is "called sync"; runAsync() ${strategy === 'sync' ? 'fails with UNSUPPORTED naming the strategies that can wait' : 'waits for a host promise the test resolves later'}`, async () => {
      let answer: ((v: string) => void) | null = null;
      const r = await startWith('async_call', strategy, (log) => ({
        [I]: {
          callSync: () => { log.push(['callSync']); return 'called sync'; },
          callAsync: () => {
            log.push(['callAsync']);
            return new Promise<string>((resolve) => { answer = resolve; });
          },
        },
      }), { async: asyncRunAsync });
      equal(r.instance.strategy, strategy);
      equal(await r.exports.runSync(), 'called sync');
      if (strategy === 'sync') {
        const e = await failure(() => r.exports.runAsync());
        equal(code(e), 'UNSUPPORTED', String(e));
        ok((e as Error).message.includes("strategy 'sync'") && (e as Error).message.includes("'jspi'") && (e as Error).message.includes("'worker'"), (e as Error).message);
        equal(code(await failure(() => r.exports.runSync())), 'INSTANCE_POISONED');
        return;
      }
      const p: unknown = r.exports.runAsync();
      ok(p instanceof Promise, 'runAsync() returns a promise');
      await until(() => answer !== null, 'the host call');
      await sleep(20);
      answer!('answered later');
      equal(await p, 'answered later');
      // the instance is usable afterwards
      equal(await r.exports.runSync(), 'called sync');
      deepEqual(r.log, [['callSync'], ['callAsync'], ['callSync']]);
    });
  }

  for (const strategy of ['jspi', 'worker'] as const) {
    it(`${strategy}: three concurrent runAsync() calls run in call order, each with its own result (the host answers later calls sooner)`, async () => {
      let n = 0;
      const r = await startWith('async_call', strategy, () => ({
        [I]: {
          callSync: () => 'called sync',
          callAsync: async () => {
            const k = ++n;
            await sleep(40 - k * 10);
            return `result ${k}`;
          },
        },
      }), { async: asyncRunAsync });
      deepEqual(await Promise.all([r.exports.runAsync(), r.exports.runAsync(), r.exports.runAsync()]), ['result 1', 'result 2', 'result 3']);
    });

    it(`${strategy}: a rejected host promise fails runAsync() with HOST_ERROR naming the import; the instance is dead afterwards`, async () => {
      const r = await startWith('async_call', strategy, () => ({
        [I]: {
          callSync: () => 'called sync',
          callAsync: async () => {
            await sleep(1);
            throw new Error('host failed');
          },
        },
      }), { async: asyncRunAsync });
      const e = await failure(() => r.exports.runAsync());
      equal(code(e), 'HOST_ERROR', String(e));
      ok((e as Error).message.includes('call-async') && (e as Error).message.includes('host failed'), (e as Error).message);
      equal(code(await failure(() => r.exports.runSync())), 'INSTANCE_POISONED');
    });
  }
});

// ---------------------------------------------------------------------------------------------

const isTypeError = async (fn: () => unknown): Promise<boolean> => {
  try {
    await fn();
    return false;
  } catch (e) {
    return e instanceof TypeError;
  }
};

describe('strategies: resources (conformance group 3)', () => {
  const T = 'test:resource-import-and-export/test';
  const runs = new Map<string, Call[]>();

  for (const strategy of STRATEGIES) {
    it(`${strategy}: resource_import_and_export: methods, static baz moving t1 and t2, the temporary host thing disposed during baz`, async () => {
      const r = await startWith('resource_import_and_export', strategy, thingHost());
      const E = r.exports[T];
      const t1 = await new E.Thing(42);
      const out: unknown[] = [await t1.foo(), await t1.bar(33), await t1.foo()];
      const t2 = await new E.Thing(81);
      const t3 = await E.Thing.baz(t1, t2);
      out.push(t3 instanceof E.Thing, await t3.foo(), await isTypeError(() => t1.foo()), await isTypeError(() => t2.foo()));
      deepEqual(out, [48, undefined, 43, true, 143, true, true]);
      deepEqual(r.log.filter((c) => c[0] === 'dispose').map((c) => c[2]), [131], 'the disposed host things');
      runs.set(strategy, r.log);
      if (runs.size === STRATEGIES.length) {
        for (const s of STRATEGIES) deepEqual(runs.get(s), runs.get('jspi'), `host calls under ${s} and jspi`);
      }
    });

    it(`${strategy}: toplevelExport(h) with a host Thing hands back h itself`, async () => {
      const r = await startWith('resource_import_and_export', strategy, thingHost());
      const h = new r.host[T].Thing(7);
      equal(await r.exports.toplevelExport(h), h);
      deepEqual(r.log, [['new Thing', 0, 7], ['toplevel-import', 0]]);
    });

    it(`${strategy}: resources (C guest) testImports(): the host sees the documented calls and disposes, in order`, async () => {
      const r = await startWith('resources', strategy, yHost());
      equal(await r.exports.exports.testImports(), undefined);
      deepEqual(r.log, [
        ['new Y', 0, 10], ['getA', 0], ['setA', 0, 20], ['getA', 0], ['add', 0, 10], ['new Y', 1, 30], ['getA', 1],
        ['dispose', 1, 30],
        ['new Y', 2, 1], ['new Y', 3, 2], ['getA', 2], ['getA', 3], ['setA', 2, 10], ['setA', 3, 20], ['getA', 2], ['getA', 3],
        ['add', 2, 20], ['new Y', 4, 30], ['add', 3, 30], ['new Y', 5, 50], ['getA', 4], ['getA', 5],
        ['dispose', 4, 30], ['dispose', 5, 50],
      ]);
    });

    it(`${strategy}: resources exports: X, Z, consume, KebabCase; the guest hands back the same X; moved and disposed objects fail with TypeError`, async () => {
      const r = await startWith('resources', strategy, yHost());
      const E = r.exports.exports;
      const { X, Z, KebabCase } = E;
      const out: unknown[] = [];
      const x = await new X(5);
      out.push(await x.getA(), await x.setA(10), await x.getA());
      const x15 = await X.add(x, 5);
      out.push(x15 === x, await x15.getA());
      const z1 = await new Z(10);
      const z2 = await new Z(20);
      const z = await E.add(z1, z2);
      out.push(z instanceof Z, await z.getA(), await Z.numDropped(), await z1.getA(), await z2.getA());
      z1[Symbol.dispose]();
      z2[Symbol.dispose]();
      out.push(await Z.numDropped(), await isTypeError(() => z1.getA()), await isTypeError(() => E.add(z1, z)));
      out.push(await E.consume(x15), await isTypeError(() => x15.getA()));
      const k = await new KebabCase(7);
      out.push(await k.getA(), await KebabCase.takeOwned(k), await isTypeError(() => k.getA()));
      deepEqual(out, [5, undefined, 10, true, 15, true, 30, 1, 10, 20, 3, true, true, undefined, true, 7, 7, true]);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('strategies: results, traps and missing imports', () => {
  const T = 'test:results/test';
  const payload = (p: unknown) => Object.assign(new Error('err'), { payload: p });
  const resultsHost: Host = () => ({
    [T]: {
      stringError: (a: number) => { if (a === 0) throw payload('zero'); return a; },
      enumError: (a: number) => a,
      recordError: (a: number) => a,
      variantError: (a: number) => { if (a === 0) throw payload({ tag: 'e2', val: { line: 420, column: 0 } }); return a; },
      emptyError: (a: number) => a,
      doubleError: (a: number) => a,
    },
  });

  for (const strategy of STRATEGIES) {
    it(`${strategy}: result errors arrive as ComponentError with their payload; ok values as values`, async () => {
      const r = await startWith('results', strategy, resultsHost);
      const e1 = await failure(() => r.exports[T].stringError(0));
      ok(e1 instanceof ComponentError, String(e1));
      equal(e1.payload, 'zero');
      equal(await r.exports[T].stringError(1), 1);
      const e2 = await failure(() => r.exports[T].variantError(0));
      ok(e2 instanceof ComponentError, String(e2));
      deepEqual(e2.payload, { tag: 'e2', val: { line: 420, column: 0 } });
    });

    it(`${strategy}: a trapping export fails with TRAP and the instance is poisoned afterwards`, async () => {
      const inst = await fixtureWith('hostile-trap', { strategy });
      equal(await inst.exports.ok(), 7);
      const e = await failure(() => inst.exports.boom());
      equal(code(e), 'TRAP', String(e));
      ok((e as Error).message.includes('boom'), (e as Error).message);
      equal(code(await failure(() => inst.exports.ok())), 'INSTANCE_POISONED');
    });

    it(`${strategy}: a missing import fails instantiate() with MISSING_IMPORTS listing it`, async () => {
      const e = await failure(() => startWith('async_call', strategy, () => ({ [I]: { callSync: () => 'x' } })));
      equal(code(e), 'MISSING_IMPORTS', String(e));
      ok((e as Error).message.includes('call-async'), (e as Error).message);
    });

    it(`${strategy}: an argument of the wrong type fails with a TypeError and the instance stays usable`, async () => {
      const inst = await fixtureWith('hostile-trap', { strategy });
      ok(await failure(() => inst.exports.div('x', 1)) instanceof TypeError);
      equal(await inst.exports.div(7, 2), 3);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('strategies: a WASI command (c-cli) served from capability grants', () => {
  const text = (chunks: Uint8Array[]): string => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));

  for (const strategy of STRATEGIES) {
    it(`${strategy}: the same stdout, stderr and stdin; a non-zero exit arrives as ComponentExit and poisons the instance`, async () => {
      const out: Uint8Array[] = [];
      const err: Uint8Array[] = [];
      const inst = await fixtureWith('c-cli', {
        strategy,
        capabilities: { args: ['prog', '0', 'echo'], env: { GREETING: 'hi' }, stdio: { stdout: (b) => out.push(b.slice()), stderr: (b) => err.push(b.slice()), stdin: 'line one\nline two\n' } },
      });
      equal(inst.strategy, strategy);
      equal(await inst.exports['wasi:cli/run'].run(), undefined);
      equal(text(out), 'hello from C\narg 0: prog\narg 1: 0\narg 2: echo\nGREETING=hi\nline one\nline two\n');
      equal(text(err), 'to stderr\n');

      const second = await fixtureWith('c-cli', { strategy, capabilities: { args: ['prog', '5'], stdio: { stdout: null, stderr: null } } });
      const e = await failure(() => second.exports['wasi:cli/run'].run());
      ok(e instanceof ComponentExit, String(e));
      equal(e.exitCode, 1);
      equal(code(await failure(() => second.exports['wasi:cli/run'].run())), 'INSTANCE_POISONED');
    });
  }
});
