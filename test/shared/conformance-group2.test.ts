/**
 * Conformance group 2 (records, variants, flags, options, results): records, variants,
 * flavorful, options, results. Every expectation is the one test/conformance/README.md documents;
 * each export call is also run through jco's bindings of the same component with the same host.
 */
import { deepEqual } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import {
  type Call, type Exports, differential, expectDead, flavorfulHost, optionsHost, ours, outcome, payloadError, recordsHost,
  resultsHost, typeError, variantsHost,
} from './_conformance-hosts.js';

/** A flags value as the runtimes return it: every flag `b0 .. b<n-1>` present, `set` ones true. */
function flags(n: number, ...set: number[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (let i = 0; i < n; i++) out[`b${i}`] = set.includes(i);
  return out;
}

describe('conformance group 2: records', () => {
  const T = 'test:records/test';

  it('testImports(): the host receives the documented tuples, flags and records, in order, no WASI', async () => {
    const expected: Call[] = [
      ['multipleResults'],
      ['swapTuple', [1, 2]],
      ['roundtripFlags1', { a: true, b: false }],
      ['roundtripFlags1', { a: false, b: false }],
      ['roundtripFlags1', { a: false, b: true }],
      ['roundtripFlags1', { a: true, b: true }],
      ['roundtripFlags2', { c: true, d: false, e: false }],
      ['roundtripFlags2', { c: false, d: false, e: false }],
      ['roundtripFlags2', { c: false, d: true, e: false }],
      ['roundtripFlags2', { c: true, d: false, e: true }],
      ['roundtripFlags3', flags(8, 0), flags(16, 1), flags(32, 2)],
      ['roundtripRecord1', { a: 8, b: { a: false, b: false } }],
      ['roundtripRecord1', { a: 0, b: { a: true, b: true } }],
      ['tuple1', [1]],
    ];
    const { isowasm } = await differential('records', recordsHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expected);
  });

  it('w.test is w["test:records/test"]', async () => {
    await differential('records', recordsHost(), (w) => w.test === w[T], true);
  });

  it('multipleResults() is [100, 200]', async () => {
    await differential('records', recordsHost(), (w) => w.test.multipleResults(), [100, 200]);
  });

  it('swapTuple([1, 2]) is [2, 1]', async () => {
    await differential('records', recordsHost(), (w) => w.test.swapTuple([1, 2]), [2, 1]);
  });

  it('roundtripFlags1 returns every flag as a boolean', async () => {
    await differential('records', recordsHost(), (w) => [w.test.roundtripFlags1({ a: true }), w.test.roundtripFlags1({})],
      [{ a: true, b: false }, { a: false, b: false }]);
  });

  it('roundtripFlags1 ignores unknown keys on input', async () => {
    await differential('records', recordsHost(), (w) => w.test.roundtripFlags1({ a: true, zzz: true }), { a: true, b: false });
  });

  it('roundtripFlags2({c, e}) is {c: true, d: false, e: true}', async () => {
    await differential('records', recordsHost(), (w) => w.test.roundtripFlags2({ c: true, e: true }), { c: true, d: false, e: true });
  });

  it('roundtripFlags3 returns 8, 16 and 32 flags as full objects', async () => {
    await differential('records', recordsHost(), (w) => w.test.roundtripFlags3({ b7: true }, { b0: true, b15: true }, { b31: true }),
      [flags(8, 7), flags(16, 0, 15), flags(32, 31)]);
  });

  it('roundtripRecord1({a: 8, b: {}}) fills the flags in', async () => {
    await differential('records', recordsHost(), (w) => w.test.roundtripRecord1({ a: 8, b: {} }), { a: 8, b: { a: false, b: false } });
  });

  it('tuple1([1]) is [1]', async () => {
    await differential('records', recordsHost(), (w) => w.test.tuple1([1]), [1]);
  });

  it('isowasm rejects out-of-range tuple and record fields with a TypeError and stays usable', async () => {
    const { exports: w } = await ours('records', recordsHost());
    typeError(() => w.test.swapTuple([256, 1]), 'swapTuple([256, 1])');
    typeError(() => w.test.swapTuple([1, 2 ** 32]), 'swapTuple([1, 2 ** 32])');
    typeError(() => w.test.tuple1([-1]), 'tuple1([-1])');
    typeError(() => w.test.roundtripRecord1({ a: 300, b: {} }), 'roundtripRecord1({a: 300})');
    deepEqual(w.test.swapTuple([1, 2]), [2, 1]);
  });

  it('a host multipleResults returning [100, 200] traps with the guest\'s assertion, and kills the instance', async () => {
    await expectDead('records', recordsHost({ multipleResults: () => [100, 200] }), (w) => w.testImports(), (w) => w.test.tuple1([1]), 'TRAP',
      'Assertion failed: ret.f0 == 4');
  });
});

describe('conformance group 2: variants', () => {
  const T = 'test:variants/test';
  const casts = {
    a: [{ tag: 'a', val: 1 }, { tag: 'a', val: 2 }, { tag: 'a', val: 3 }, { tag: 'a', val: 4n }, { tag: 'a', val: 5n }, { tag: 'a', val: 6 }],
    b: [{ tag: 'b', val: 1n }, { tag: 'b', val: 2 }, { tag: 'b', val: 3 }, { tag: 'b', val: 4 }, { tag: 'b', val: 5 }, { tag: 'b', val: 6 }],
  };
  const zeros = {
    a: [{ tag: 'a', val: 1 }, { tag: 'a', val: 2n }, { tag: 'a', val: 3 }, { tag: 'a', val: 4 }],
    b: [{ tag: 'b' }, { tag: 'b' }, { tag: 'b' }, { tag: 'b' }],
  };

  it('testImports(): the host receives the documented options, results, enums and variants, in order, no WASI', async () => {
    const expected: Call[] = [
      ['roundtripOption', 1],
      ['roundtripOption', undefined],
      ['roundtripOption', 2],
      ['roundtripResult', { tag: 'ok', val: 2 }],
      ['roundtripResult', { tag: 'ok', val: 4 }],
      ['roundtripResult', { tag: 'err', val: Math.fround(5.3) }],
      ['roundtripEnum', 'a'],
      ['roundtripEnum', 'b'],
      ['invertBool', true],
      ['invertBool', false],
      ['variantCasts', casts.a],
      ['variantCasts', casts.b],
      ['variantZeros', zeros.a],
      ['variantZeros', zeros.b],
      ['variantTypedefs', undefined, false, { tag: 'err', val: undefined }],
      ['variantEnums', true, { tag: 'ok', val: undefined }, 'success'],
    ];
    const { isowasm } = await differential('variants', variantsHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expected);
  });

  it('w.test is w["test:variants/test"]', async () => {
    await differential('variants', variantsHost(), (w) => w.test === w[T], true);
  });

  it('roundtripOption: 1 → 1, undefined and no argument → undefined, 2.9 → 2', async () => {
    await differential('variants', variantsHost(), (w) => [
      w.test.roundtripOption(1), w.test.roundtripOption(undefined), w.test.roundtripOption(), w.test.roundtripOption(2.9),
    ], [1, undefined, undefined, 2]);
  });

  it('roundtripResult({tag: "ok", val: 2}) is 2', async () => {
    await differential('variants', variantsHost(), (w, env) => outcome(env, () => w.test.roundtripResult({ tag: 'ok', val: 2 })), { ok: 2 });
  });

  it('roundtripResult({tag: "err", val: 5.2}) throws a ComponentError with payload 5', async () => {
    await differential('variants', variantsHost(), (w, env) => outcome(env, () => w.test.roundtripResult({ tag: 'err', val: Math.fround(5.2) })), { err: 5 });
  });

  it('roundtripEnum returns its case name', async () => {
    await differential('variants', variantsHost(), (w) => [w.test.roundtripEnum('a'), w.test.roundtripEnum('b')], ['a', 'b']);
  });

  it('invertBool negates', async () => {
    await differential('variants', variantsHost(), (w) => [w.test.invertBool(true), w.test.invertBool(false)], [false, true]);
  });

  it('variantCasts returns its argument (bigint where the case is s64)', async () => {
    await differential('variants', variantsHost(), (w) => [w.test.variantCasts(casts.a), w.test.variantCasts(casts.b)], [casts.a, casts.b]);
  });

  it('variantZeros returns its argument (payload-less cases without a val key)', async () => {
    await differential('variants', variantsHost(), (w) => [w.test.variantZeros(zeros.a), w.test.variantZeros(zeros.b)], [zeros.a, zeros.b]);
  });

  it('variantTypedefs(undefined, false, {tag: "err", val: undefined}) is undefined', async () => {
    await differential('variants', variantsHost(), (w) => w.test.variantTypedefs(undefined, false, { tag: 'err', val: undefined }), undefined);
  });

  it('isowasm rejects out-of-range variant payloads with a TypeError and stays usable', async () => {
    const { exports: w } = await ours('variants', variantsHost());
    const bad = [{ tag: 'a', val: 2 ** 31 }, ...casts.a.slice(1)];
    typeError(() => w.test.variantCasts(bad), 'variantCasts with c1.a = 2 ** 31');
    typeError(() => w.test.variantZeros([{ tag: 'a', val: 2n ** 63n }, ...zeros.a.slice(1)]), 'variantZeros with z1.a = 2n ** 63n');
    typeError(() => w.test.roundtripResult({ tag: 'ok', val: -1 }), 'roundtripResult({tag: "ok", val: -1})');
    deepEqual(w.test.variantCasts(casts.a), casts.a);
  });

  it('a host invertBool returning its argument traps with the guest\'s assertion, and kills the instance', async () => {
    await expectDead('variants', variantsHost({ invertBool: (b: boolean) => b }), (w) => w.testImports(), (w) => w.test.roundtripEnum('a'), 'TRAP',
      'Assertion failed: test_variants_test_invert_bool(true) == false');
  });
});

describe('conformance group 2: flavorful', () => {
  const T = 'test:flavorful/test';
  const expectedImports: Call[] = [
    ['fListInRecord1', { a: 'list_in_record1' }],
    ['fListInRecord2'],
    ['fListInRecord3', { a: 'list_in_record3 input' }],
    ['fListInRecord4', { a: 'input4' }],
    ['fListInVariant1', 'foo', { tag: 'err', val: 'bar' }],
    ['fListInVariant2'],
    ['fListInVariant3', 'input3'],
    ['errnoResult'],
    ['errnoResult'],
    ['listTypedefs', 'typedef1', ['typedef2']],
    ['listOfVariants', [true, false], [{ tag: 'ok', val: undefined }, { tag: 'err', val: undefined }], ['success', 'a']],
  ];

  it('testImports(): the host receives the documented values, in order, no WASI (errnoResult throws the bare value "b")', async () => {
    const { isowasm } = await differential('flavorful', flavorfulHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expectedImports);
  });

  it('testImports() also passes when errnoResult throws an Error carrying payload "b"', async () => {
    let n = 0;
    const host = flavorfulHost({
      errnoResult: () => {
        if (n++ % 2 === 0) throw payloadError('b');
        return undefined;
      },
    });
    const { isowasm } = await differential('flavorful', host, (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expectedImports);
  });

  it('w.test is w["test:flavorful/test"]', async () => {
    await differential('flavorful', flavorfulHost(), (w) => w.test === w[T], true);
  });

  it('the list-in-record functions', async () => {
    await differential('flavorful', flavorfulHost(), (w) => [
      w.test.fListInRecord1({ a: 'list_in_record1' }),
      w.test.fListInRecord2(),
      w.test.fListInRecord3({ a: 'list_in_record3 input' }),
      w.test.fListInRecord4({ a: 'input4' }),
    ], [undefined, { a: 'list_in_record2' }, { a: 'list_in_record3 output' }, { a: 'result4' }]);
  });

  it('the list-in-variant functions', async () => {
    await differential('flavorful', flavorfulHost(), (w) => [
      w.test.fListInVariant1('foo', { tag: 'err', val: 'bar' }),
      w.test.fListInVariant2(),
      w.test.fListInVariant3('input3'),
    ], [undefined, 'list_in_variant2', 'output3']);
  });

  it('errnoResult() throws a ComponentError with payload "b"', async () => {
    await differential('flavorful', flavorfulHost(), (w, env) => outcome(env, () => w.test.errnoResult()), { err: 'b' });
  });

  it('listTypedefs("typedef1", ["typedef2"]) is [UTF-8 of "typedef3", ["typedef4"]]', async () => {
    await differential('flavorful', flavorfulHost(), (w) => w.test.listTypedefs('typedef1', ['typedef2']),
      [new TextEncoder().encode('typedef3'), ['typedef4']]);
  });

  it('fListInVariant1(undefined, ...) traps with the guest\'s assertion, and kills the instance', async () => {
    await expectDead('flavorful', flavorfulHost(), (w) => w.test.fListInVariant1(undefined, { tag: 'err', val: 'bar' }), (w) => w.test.fListInVariant2(), 'TRAP',
      'Assertion failed: maybe_a != NULL');
  });

  it('a host errnoResult throwing an Error without payload fails testImports with HOST_ERROR, and kills the instance', async () => {
    const host = flavorfulHost({ errnoResult: () => { throw new Error('boom'); } });
    await expectDead('flavorful', host, (w) => w.testImports(), (w) => w.test.fListInVariant2(), 'HOST_ERROR', undefined,
      { jcoPoisons: false });
  });
});

describe('conformance group 2: options', () => {
  const T = 'test:options/test';

  it('testImports(): the host receives the documented options, in order, no WASI', async () => {
    const expected: Call[] = [
      ['optionNoneParam', undefined],
      ['optionSomeParam', 'foo'],
      ['optionNoneResult'],
      ['optionSomeResult'],
      ['optionRoundtrip', 'foo'],
      ['doubleOptionRoundtrip', { tag: 'some', val: 42 }],
      ['doubleOptionRoundtrip', { tag: 'some', val: undefined }],
      ['doubleOptionRoundtrip', { tag: 'none' }],
    ];
    const { isowasm } = await differential('options', optionsHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expected);
  });

  it('optionNoneResult() is undefined and optionSomeResult() is "foo"', async () => {
    await differential('options', optionsHost(), (w) => [w[T].optionNoneResult(), w[T].optionSomeResult()], [undefined, 'foo']);
  });

  it('optionNoneParam(undefined) and optionSomeParam("foo") are accepted', async () => {
    await differential('options', optionsHost(), (w) => [w[T].optionNoneParam(undefined), w[T].optionSomeParam('foo')], [undefined, undefined]);
  });

  it('optionRoundtrip("foo") is "foo"', async () => {
    await differential('options', optionsHost(), (w) => w[T].optionRoundtrip('foo'), 'foo');
  });

  it('doubleOptionRoundtrip keeps some(some(42)), some(none) and none apart', async () => {
    const args = [{ tag: 'some', val: 42 }, { tag: 'some', val: undefined }, { tag: 'none' }];
    await differential('options', optionsHost(), (w) => args.map((a) => w[T].doubleOptionRoundtrip(a)), args);
  });

  it('isowasm rejects an out-of-range option<option<u32>> payload with a TypeError and stays usable', async () => {
    const { exports: w } = await ours('options', optionsHost());
    typeError(() => w[T].doubleOptionRoundtrip({ tag: 'some', val: 2 ** 32 }), 'doubleOptionRoundtrip(some(2 ** 32))');
    typeError(() => w[T].doubleOptionRoundtrip({ tag: 'some', val: -1 }), 'doubleOptionRoundtrip(some(-1))');
    deepEqual(w[T].doubleOptionRoundtrip({ tag: 'some', val: 42 }), { tag: 'some', val: 42 });
  });

  it('a host collapsing some(none) into none makes the guest panic, and kills the instance', async () => {
    const host = optionsHost({
      doubleOptionRoundtrip: (x: { tag: string; val?: unknown }) => (x.tag === 'some' && x.val === undefined ? { tag: 'none' } : x),
    });
    await expectDead('options', host, (w) => w.testImports(), (w) => w[T].optionSomeResult(), 'TRAP',
      ['panicked at', 'assertion `left == right` failed', 'left: None', 'right: Some(None)']);
  });
});

describe('conformance group 2: results', () => {
  const T = 'test:results/test';
  const cases: [string, number, { ok: unknown } | { err: unknown }][] = [
    ['stringError', 0, { err: 'zero' }],
    ['stringError', 1, { ok: 1 }],
    ['enumError', 0, { err: 'a' }],
    ['enumError', 1, { ok: 1 }],
    ['recordError', 0, { err: { line: 420, column: 0 } }],
    ['recordError', 1, { err: { line: 77, column: 2 } }],
    ['recordError', 2, { ok: 2 }],
    ['variantError', 0, { err: { tag: 'e2', val: { line: 420, column: 0 } } }],
    ['variantError', 1, { err: { tag: 'e1', val: 'b' } }],
    ['variantError', 2, { err: { tag: 'e1', val: 'c' } }],
    ['variantError', 3, { ok: 3 }],
    ['emptyError', 0, { err: undefined }],
    ['emptyError', 1, { ok: 42 }],
    ['emptyError', 2, { ok: 2 }],
    ['doubleError', 0, { ok: { tag: 'ok', val: undefined } }],
    ['doubleError', 1, { ok: { tag: 'err', val: 'one' } }],
    ['doubleError', 2, { err: 'two' }],
  ];
  for (const [fn, arg, expected] of cases) {
    const what = 'ok' in expected ? 'returns' : 'throws a ComponentError with payload';
    it(`${fn}(${arg}) ${what} the host's value, which the host received once`, async () => {
      const { isowasm } = await differential('results', resultsHost(), (w: Exports, env) => outcome(env, () => w[T][fn](arg)), expected);
      deepEqual(isowasm.log, [[fn, arg]]);
    });
  }

  it('w.test is w["test:results/test"]', async () => {
    await differential('results', resultsHost(), (w) => w.test === w[T], true);
  });

  it('a bare thrown value is the err payload of an import result, too', async () => {
    const host = resultsHost({
      stringError: (a: number) => {
        if (a === 0) throw 'zero';
        return a;
      },
      enumError: () => {
        throw 'c';
      },
    });
    await differential('results', host, (w, env) => [outcome(env, () => w[T].stringError(0)), outcome(env, () => w[T].enumError(5))],
      [{ err: 'zero' }, { err: 'c' }]);
  });

  it('isowasm rejects an out-of-range u32 argument with a TypeError and stays usable', async () => {
    const env = await ours('results', resultsHost());
    typeError(() => env.exports[T].emptyError(-1), 'emptyError(-1)');
    typeError(() => env.exports[T].doubleError(2 ** 32), 'doubleError(2 ** 32)');
    deepEqual(env.log, []);
    deepEqual(outcome(env, () => env.exports[T].emptyError(1)), { ok: 42 });
  });

  it('a host throwing an Error without payload fails the call with HOST_ERROR, and kills the instance', async () => {
    const host = resultsHost({ stringError: () => { throw new Error('boom'); } });
    await expectDead('results', host, (w) => w[T].stringError(1), (w) => w[T].emptyError(1), 'HOST_ERROR', undefined,
      { jcoPoisons: false });
  });

  it('a host returning an err payload of the wrong type fails the call with HOST_ERROR, and kills the instance', async () => {
    const host = resultsHost({ enumError: () => { throw payloadError('not-a-case'); } });
    const a = await ours('results', host);
    let e: unknown = null;
    try {
      a.exports[T].enumError(0);
    } catch (x) {
      e = x;
    }
    deepEqual((e as { code?: unknown } | null)?.code, 'HOST_ERROR');
    let again: unknown = null;
    try {
      a.exports[T].emptyError(1);
    } catch (x) {
      again = x;
    }
    deepEqual((again as { code?: unknown } | null)?.code, 'INSTANCE_POISONED');
  });
});
