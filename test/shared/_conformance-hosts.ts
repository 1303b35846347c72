/**
 * Hosts and helpers for the conformance suites of groups 1 and 2 (test/conformance/README.md):
 * each host records every call it receives, and every suite runs isowasm and jco's bindings of
 * the same component side by side with separate but identical hosts.
 */
import { ComponentError, IsowasmError } from '../../src/core/index.js';
import { AssertionError, deepEqual, equal, ok, show } from '../harness/assert.js';
import { conformanceComponent, jcoInstantiate } from '../harness/fixtures.js';
import { type StubWasi, stubWasi } from '../harness/wasi-stub.js';

/** One host call: the function's camelCase name followed by the arguments it received. */
export type Call = unknown[];
/** The exports object of an instance (isowasm's or jco's). */
export type Exports = Record<string, any>;
/** Builds the custom (non-WASI) imports of a component; every call is pushed to `log`. */
export type HostFactory = (log: Call[]) => Record<string, unknown>;

type Fn = (...args: never[]) => unknown;

/** Wraps every function of `fns` so that each call is logged as `[name, ...args]` before it runs. */
export function logged(log: Call[], fns: Record<string, Fn>): Record<string, (...args: unknown[]) => unknown> {
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [name, fn] of Object.entries(fns)) {
    out[name] = (...args: unknown[]) => {
      log.push([name, ...args]);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return out;
}

/** An error in jco's convention for the err case of a `result` returned by a host import. */
export function payloadError(payload: unknown): Error {
  return Object.assign(new Error(`err ${show(payload)}`), { payload });
}

/** The component, loaded (parsed and compiled) once per test file. */
export const component = conformanceComponent;

/** A running instance with its host call log and its WASI stub. */
export interface Env {
  readonly exports: Exports;
  readonly log: Call[];
  readonly wasi: StubWasi;
  readonly runtime: 'isowasm' | 'jco';
}

/** A fresh isowasm instance of conformance component `name`. */
export async function ours(name: string, host: HostFactory = () => ({})): Promise<Env> {
  const log: Call[] = [];
  const wasi = stubWasi();
  const inst = await (await component(name)).instantiate({ imports: { ...wasi.imports, ...host(log) } });
  return { exports: inst.exports, log, wasi, runtime: 'isowasm' };
}

/** A fresh instance of jco's bindings of conformance component `name`. */
export async function theirs(name: string, host: HostFactory = () => ({})): Promise<Env> {
  const log: Call[] = [];
  const wasi = stubWasi();
  const exports = await jcoInstantiate(`conformance/${name}`, { ...wasi.imports, ...host(log) });
  return { exports, log, wasi, runtime: 'jco' };
}

/** What an export call produced: its value, or the payload of the `result` error it threw. */
export type Outcome = { ok: unknown } | { err: unknown };

/**
 * Runs `fn` and returns `{ ok: value }`, or `{ err: payload }` when it throws the runtime's
 * `ComponentError` (isowasm: an instance of the exported class; jco: an Error with `payload`).
 * Anything else thrown propagates.
 */
export function outcome(env: Env, fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (e) {
    if (env.runtime === 'isowasm') {
      if (!(e instanceof ComponentError)) throw e;
      ok(e instanceof Error, 'ComponentError is an Error');
      equal(e.name, 'ComponentError');
      return { err: e.payload };
    }
    if (e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload')) return { err: (e as Error & { payload: unknown }).payload };
    throw e;
  }
}

/**
 * The differential check of export calls: runs `run` on a fresh isowasm instance and on a fresh
 * jco instance (each with its own host from `host`), asserts both give `expected`, that neither
 * called WASI, and that both hosts saw the same calls. Returns both environments.
 */
export async function differential(name: string, host: HostFactory, run: (w: Exports, env: Env) => unknown, expected: unknown): Promise<{ isowasm: Env; jco: Env }> {
  const a = await ours(name, host);
  deepEqual(run(a.exports, a), expected, 'isowasm');
  deepEqual(a.wasi.calls, [], 'isowasm: WASI calls');
  const b = await theirs(name, host);
  deepEqual(run(b.exports, b), expected, 'jco');
  deepEqual(b.wasi.calls, [], 'jco: WASI calls');
  deepEqual(a.log, b.log, 'host calls, isowasm vs jco');
  return { isowasm: a, jco: b };
}

/** Calls `fn`, which must fail synchronously or asynchronously; returns what it threw. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new AssertionError('expected the call to fail, but it returned');
}

/**
 * A negative test on a fresh isowasm instance: `fail` must throw an `IsowasmError` with `code`;
 * when `stderr` is given, the guest's explanation must have reached the stub's stderr; afterwards
 * `next` (another call into the same instance) must throw `INSTANCE_POISONED`. Then the same
 * failure is checked under jco (it must throw, write the same text, and refuse the next call).
 * `jcoPoisons: false` skips that last jco check where jco differs: a host Error that escapes an
 * import unwinds jco's instance without marking it dead, so its next call still runs.
 */
export async function expectDead(
  name: string,
  host: HostFactory,
  fail: (w: Exports) => unknown,
  next: (w: Exports) => unknown,
  code: 'TRAP' | 'HOST_ERROR',
  stderr?: string | readonly string[],
  { jcoPoisons = true }: { jcoPoisons?: boolean } = {},
): Promise<IsowasmError> {
  const texts = stderr === undefined ? [] : typeof stderr === 'string' ? [stderr] : stderr;
  const a = await ours(name, host);
  const e = await failure(() => fail(a.exports));
  ok(e instanceof IsowasmError, `expected an IsowasmError, got ${String(e)}`);
  equal(e.code, code, `error code (${e.message})`);
  for (const t of texts) ok(a.wasi.stderr().includes(t), `isowasm: stderr ${show(a.wasi.stderr())} does not contain ${show(t)}`);
  const again = await failure(() => next(a.exports));
  ok(again instanceof IsowasmError, `expected an IsowasmError after the trap, got ${String(again)}`);
  equal(again.code, 'INSTANCE_POISONED', `the next call (${again.message})`);

  const b = await theirs(name, host);
  await failure(() => fail(b.exports));
  for (const t of texts) ok(b.wasi.stderr().includes(t), `jco: stderr ${show(b.wasi.stderr())} does not contain ${show(t)}`);
  if (jcoPoisons) await failure(() => next(b.exports));
  return e;
}

/** Asserts `fn` throws a TypeError (isowasm's answer to an out-of-range argument). */
export function typeError(fn: () => unknown, what: string): void {
  let threw: unknown = null;
  try {
    fn();
  } catch (e) {
    threw = e;
  }
  ok(threw instanceof TypeError, `${what}: expected a TypeError, got ${threw === null ? 'a return' : String(threw)}`);
}

// ---------------------------------------------------------------------------------------------
// group 1 hosts

const id = <T>(x: T): T => x;

export function numbersHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => {
    let scalar = 0;
    return {
      'test:numbers/test': logged(log, {
        roundtripU8: id, roundtripS8: id, roundtripU16: id, roundtripS16: id, roundtripU32: id, roundtripS32: id,
        roundtripU64: id, roundtripS64: id, roundtripF32: id, roundtripF64: id, roundtripChar: id,
        setScalar: (x: number) => { scalar = x; },
        getScalar: () => scalar,
        ...over,
      }),
    };
  };
}

export const UNICODE = '🚀🚀🚀 𠈄𓀀';

export function stringsHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => ({
    'test:strings/imports': logged(log, {
      takeBasic: () => undefined,
      returnUnicode: () => UNICODE,
      ...over,
    }),
  });
}

export function listsHost(over: Record<string, Fn> = {}): HostFactory {
  const accept = () => undefined;
  const pair = <A, B>(a: A, b: B): [A, B] => [a, b];
  return (log) => ({
    'test:lists/test': logged(log, {
      emptyListParam: accept, emptyStringParam: accept,
      emptyListResult: () => new Uint8Array([]),
      emptyStringResult: () => '',
      listParam: accept, listParam2: accept, listParam3: accept, listParam4: accept, listParam5: accept,
      listParamLarge: accept,
      listResult: () => new Uint8Array([1, 2, 3, 4, 5]),
      listResult2: () => 'hello!',
      listResult3: () => ['hello,', 'world!'],
      listMinmax8: pair, listMinmax16: pair, listMinmax32: pair, listMinmax64: pair, listMinmaxFloat: pair,
      listRoundtrip: id, stringRoundtrip: id,
      ...over,
    }),
  });
}

export function manyArgumentsHost(): HostFactory {
  return (log) => ({ imports: logged(log, { manyArguments: () => undefined }) });
}

// ---------------------------------------------------------------------------------------------
// group 2 hosts

export function recordsHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => ({
    'test:records/test': logged(log, {
      multipleResults: () => [4, 5],
      swapTuple: ([a, b]: [number, number]) => [b, a],
      roundtripFlags1: id,
      roundtripFlags2: id,
      roundtripFlags3: (a: unknown, b: unknown, c: unknown) => [a, b, c],
      roundtripRecord1: id,
      tuple1: ([x]: [number]) => [x],
      ...over,
    }),
  });
}

export function variantsHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => ({
    'test:variants/test': logged(log, {
      roundtripOption: id,
      roundtripResult: (x: { tag: 'ok' | 'err'; val: number }) => {
        if (x.tag === 'ok') return x.val;
        throw payloadError(Math.round(x.val));
      },
      roundtripEnum: id,
      invertBool: (b: boolean) => !b,
      variantCasts: id,
      variantZeros: id,
      variantTypedefs: () => undefined,
      variantEnums: () => [false, { tag: 'err', val: undefined }, 'a'],
      ...over,
    }),
  });
}

export function flavorfulHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => {
    let errnoCalls = 0;
    return {
      'test:flavorful/test': logged(log, {
        fListInRecord1: () => undefined,
        fListInRecord2: () => ({ a: 'list_in_record2' }),
        fListInRecord3: () => ({ a: 'list_in_record3 output' }),
        fListInRecord4: () => ({ a: 'result4' }),
        fListInVariant1: () => undefined,
        fListInVariant2: () => 'list_in_variant2',
        fListInVariant3: () => 'output3',
        errnoResult: () => {
          // the first call fails with err 'b' (thrown as a bare value), the second succeeds
          if (errnoCalls++ === 0) throw 'b';
          return undefined;
        },
        listTypedefs: () => [new TextEncoder().encode('typedef3'), ['typedef4']],
        listOfVariants: () => [[false, true], [{ tag: 'err', val: undefined }, { tag: 'ok', val: undefined }], ['a', 'b']],
        ...over,
      }),
    };
  };
}

export function optionsHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => ({
    'test:options/test': logged(log, {
      optionNoneParam: () => undefined,
      optionSomeParam: () => undefined,
      optionNoneResult: () => undefined,
      optionSomeResult: () => 'foo',
      optionRoundtrip: id,
      doubleOptionRoundtrip: id,
      ...over,
    }),
  });
}

export function resultsHost(over: Record<string, Fn> = {}): HostFactory {
  return (log) => ({
    'test:results/test': logged(log, {
      stringError: (a: number) => {
        if (a === 0) throw payloadError('zero');
        return a;
      },
      enumError: (a: number) => {
        if (a === 0) throw payloadError('a');
        return a;
      },
      recordError: (a: number) => {
        if (a === 0) throw payloadError({ line: 420, column: 0 });
        if (a === 1) throw payloadError({ line: 77, column: 2 });
        return a;
      },
      variantError: (a: number) => {
        if (a === 0) throw payloadError({ tag: 'e2', val: { line: 420, column: 0 } });
        if (a === 1) throw payloadError({ tag: 'e1', val: 'b' });
        if (a === 2) throw payloadError({ tag: 'e1', val: 'c' });
        return a;
      },
      emptyError: (a: number) => {
        if (a === 0) throw payloadError(undefined);
        if (a === 1) return 42;
        return a;
      },
      doubleError: (a: number) => {
        if (a === 0) return { tag: 'ok', val: undefined };
        if (a === 1) return { tag: 'err', val: 'one' };
        throw payloadError('two');
      },
      ...over,
    }),
  });
}
