/**
 * Conformance group 1 (scalars, strings, lists): adder, asmjs_bigint, numbers, strings, lists,
 * many-arguments. Every expectation is the one test/conformance/README.md documents; each export
 * call is also run through jco's bindings of the same component with the same host.
 */
import { deepEqual, equal } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import {
  type Call, type Exports, UNICODE, differential, expectDead, listsHost, manyArgumentsHost, numbersHost, ours, stringsHost,
  typeError,
} from './_conformance-hosts.js';

const none = () => ({});
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('conformance group 1: adder', () => {
  const add = (w: Exports) => w['docs:adder/add@0.1.0'];

  it('add(1, 2) is 3, also under the short key', async () => {
    await differential('adder', none, (w) => {
      equal(w.add, add(w), 'w.add is the same object as w["docs:adder/add@0.1.0"]');
      return add(w).add(1, 2);
    }, 3);
  });

  it('add(4294967295, 1) wraps to 0 in the guest', async () => {
    await differential('adder', none, (w) => add(w).add(4294967295, 1), 0);
  });

  it('add(1, 3) in a loop stays 4', async () => {
    await differential('adder', none, (w) => {
      let bad = 0;
      for (let i = 0; i < 10_000; i++) if (add(w).add(1, 3) !== 4) bad++;
      return bad;
    }, 0);
  });

  it('isowasm rejects out-of-range u32 arguments with a TypeError and stays usable', async () => {
    const { exports: w } = await ours('adder');
    typeError(() => add(w).add(4294967296, 0), 'add(2 ** 32, 0)');
    typeError(() => add(w).add(-1, 0), 'add(-1, 0)');
    typeError(() => add(w).add(0, 1.5), 'add(0, 1.5)');
    equal(add(w).add(1, 2), 3);
  });
});

describe('conformance group 1: asmjs_bigint', () => {
  it('add(1n, 2n) is 3n', async () => {
    await differential('asmjs_bigint', none, (w) => w.add(1n, 2n), 3n);
  });

  it('add(1n << 33n, -(1n << 42n)) is -4389456576512n', async () => {
    await differential('asmjs_bigint', none, (w) => w.add(1n << 33n, -(1n << 42n)), -4389456576512n);
  });

  it('add(2n ** 63n - 1n, 1n) wraps to -(2n ** 63n)', async () => {
    await differential('asmjs_bigint', none, (w) => w.add(2n ** 63n - 1n, 1n), -(2n ** 63n));
  });

  it('isowasm rejects out-of-range s64 arguments with a TypeError and stays usable', async () => {
    const { exports: w } = await ours('asmjs_bigint');
    typeError(() => w.add(2n ** 63n, 0n), 'add(2n ** 63n, 0n)');
    typeError(() => w.add(0n, -(2n ** 63n) - 1n), 'add(0n, -(2n ** 63n) - 1n)');
    equal(w.add(1n, 2n), 3n);
  });
});

describe('conformance group 1: numbers', () => {
  const T = 'test:numbers/test';

  it('testImports() sends the documented values to the host, in order, and calls no WASI', async () => {
    const expected: Call[] = [
      ['roundtripU8', 1], ['roundtripU8', 0], ['roundtripU8', 255],
      ['roundtripS8', 1], ['roundtripS8', -128], ['roundtripS8', 127],
      ['roundtripU16', 1], ['roundtripU16', 0], ['roundtripU16', 65535],
      ['roundtripS16', 1], ['roundtripS16', -32768], ['roundtripS16', 32767],
      ['roundtripU32', 1], ['roundtripU32', 0], ['roundtripU32', 4294967295],
      ['roundtripS32', 1], ['roundtripS32', -2147483648], ['roundtripS32', 2147483647],
      ['roundtripU64', 1n], ['roundtripU64', 0n], ['roundtripU64', 4294967295n],
      ['roundtripS64', 1n], ['roundtripS64', -2147483648n], ['roundtripS64', 2147483647n],
      ['roundtripF32', 1], ['roundtripF32', Infinity], ['roundtripF32', -Infinity], ['roundtripF32', NaN],
      ['roundtripF64', 1], ['roundtripF64', Infinity], ['roundtripF64', -Infinity], ['roundtripF64', NaN],
      ['roundtripChar', 'a'], ['roundtripChar', ' '], ['roundtripChar', '🚩'],
      ['setScalar', 2], ['getScalar'], ['setScalar', 4], ['getScalar'],
    ];
    const { isowasm } = await differential('numbers', numbersHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expected);
  });

  it('w.test is w["test:numbers/test"]', async () => {
    await differential('numbers', numbersHost(), (w) => w.test === w[T], true);
  });

  const roundtrips: [string, unknown[], unknown[]?][] = [
    ['roundtripU8', [0, 1, 255]],
    ['roundtripS8', [-128, 0, 127]],
    ['roundtripU16', [0, 65535]],
    ['roundtripS16', [-32768, 32767]],
    ['roundtripU32', [0, 4294967295]],
    ['roundtripS32', [-2147483648, 2147483647]],
    ['roundtripU64', [0n, 2n ** 64n - 1n]],
    ['roundtripS64', [-(2n ** 63n), 2n ** 63n - 1n]],
    ['roundtripF32', [0.1, NaN, Infinity, -Infinity, 1.5], [Math.fround(0.1), NaN, Infinity, -Infinity, 1.5]],
    ['roundtripF64', [0.1, NaN, Infinity, -Infinity, Number.MAX_VALUE]],
    ['roundtripChar', ['🚩', 'a', ' ', '\u{10FFFF}']],
  ];
  for (const [fn, args, results] of roundtrips) {
    it(`${fn} returns its argument at the type's extremes`, async () => {
      await differential('numbers', numbersHost(), (w) => args.map((a) => w.test[fn](a)), results ?? args);
    });
  }

  it('setScalar(2), getScalar(), setScalar(4), getScalar() gives 2 then 4', async () => {
    await differential('numbers', numbersHost(), (w) => [w[T].setScalar(2), w[T].getScalar(), w[T].setScalar(4), w[T].getScalar()], [undefined, 2, undefined, 4]);
  });

  it('isowasm rejects out-of-range integer arguments with a TypeError and stays usable', async () => {
    const { exports: w, wasi } = await ours('numbers', numbersHost());
    const bad: [string, unknown][] = [
      ['roundtripU8', 256], ['roundtripU8', -1], ['roundtripU8', 1.5], ['roundtripS8', 128], ['roundtripS8', -129],
      ['roundtripU16', 65536], ['roundtripS16', 32768], ['roundtripU32', 2 ** 32], ['roundtripU32', -1],
      ['roundtripS32', 2 ** 31], ['roundtripS32', -(2 ** 31) - 1],
      ['roundtripU64', 2n ** 64n], ['roundtripU64', -1n], ['roundtripS64', 2n ** 63n], ['roundtripS64', -(2n ** 63n) - 1n],
    ];
    for (const [fn, v] of bad) typeError(() => w.test[fn](v), `${fn}(${String(v)})`);
    equal(w.test.roundtripU8(7), 7);
    deepEqual(wasi.calls, []);
  });

  it('a host roundtripU8 that returns 7 makes testImports trap with the guest\'s assertion, and kills the instance', async () => {
    await expectDead('numbers', numbersHost({ roundtripU8: () => 7 }), (w) => w.testImports(), (w) => w.test.roundtripU8(1), 'TRAP',
      'Assertion failed: test_numbers_test_roundtrip_u8(1) == 1');
  });

  it('a host roundtripU8 that returns an out-of-range 256 fails testImports with HOST_ERROR and kills the instance', async () => {
    await expectDead('numbers', numbersHost({ roundtripU8: () => 256 }), (w) => w.testImports(), (w) => w.test.roundtripU8(1), 'HOST_ERROR');
  });
});

describe('conformance group 1: strings (utf16 guest)', () => {
  it('testImports(): the host sees takeBasic("latin utf16") then returnUnicode(), no WASI', async () => {
    const { isowasm } = await differential('strings', stringsHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, [['takeBasic', 'latin utf16'], ['returnUnicode']]);
  });

  it('roundtrip("str") is "str"', async () => {
    await differential('strings', stringsHost(), (w) => w.roundtrip('str'), 'str');
  });

  it('roundtrip of the surrogate-pair string is unchanged', async () => {
    await differential('strings', stringsHost(), (w) => w.roundtrip(UNICODE), UNICODE);
  });

  it('roundtrip of latin1 and BMP text is unchanged', async () => {
    const s = 'héllo wörld ⚑ ÿ\u00a0Ω';
    await differential('strings', stringsHost(), (w) => w.roundtrip(s), s);
  });

  it('returnEmpty() is ""', async () => {
    await differential('strings', stringsHost(), (w) => w.returnEmpty(), '');
  });

  it('a wrong returnUnicode makes testImports trap with the guest\'s assertion, and kills the instance', async () => {
    await expectDead('strings', stringsHost({ returnUnicode: () => '🚀' }), (w) => w.testImports(), (w) => w.returnEmpty(), 'TRAP',
      'Assertion failed: str->len == expected_len');
  });
});

describe('conformance group 1: lists', () => {
  const T = 'test:lists/test';

  it('testImports(): the host receives the documented lists, in order, no WASI', async () => {
    const expected: Call[] = [
      ['emptyListParam', new Uint8Array([])],
      ['emptyStringParam', ''],
      ['emptyListResult'],
      ['emptyStringResult'],
      ['listParam', new Uint8Array([1, 2, 3, 4])],
      ['listParam2', 'foo'],
      ['listParam3', ['foo', 'bar', 'baz']],
      ['listParam4', [['foo', 'bar'], ['baz']]],
      ['listParam5', [[1, 2, 3], [4, 5, 6]]],
      ['listResult'],
      ['listResult2'],
      ['listResult3'],
      ['listRoundtrip', new Uint8Array([])],
      ['listRoundtrip', utf8('x')],
      ['listRoundtrip', utf8('hello')],
      ['stringRoundtrip', 'x'],
      ['stringRoundtrip', ''],
      ['stringRoundtrip', 'hello'],
      ['stringRoundtrip', 'hello ⚑ world'],
      ['listMinmax8', new Uint8Array([0, 255]), new Int8Array([-128, 127])],
      ['listMinmax16', new Uint16Array([0, 65535]), new Int16Array([-32768, 32767])],
      ['listMinmax32', new Uint32Array([0, 4294967295]), new Int32Array([-2147483648, 2147483647])],
      ['listMinmax64', new BigUint64Array([0n, 2n ** 64n - 1n]), new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])],
      ['listMinmaxFloat', new Float32Array([-3.4028234663852886e38, 3.4028234663852886e38, -Infinity, Infinity]),
        new Float64Array([-Number.MAX_VALUE, Number.MAX_VALUE, -Infinity, Infinity])],
    ];
    const { isowasm } = await differential('lists', listsHost(), (w) => w.testImports(), undefined);
    deepEqual(isowasm.log, expected);
  });

  it('w.test is w["test:lists/test"]', async () => {
    await differential('lists', listsHost(), (w) => w.test === w[T], true);
  });

  it('the list and string parameters the guest asserts are accepted', async () => {
    await differential('lists', listsHost(), (w) => [
      w.test.emptyListParam(new Uint8Array([])),
      w.test.emptyStringParam(''),
      w.test.listParam(new Uint8Array([1, 2, 3, 4])),
      w.test.listParam2('foo'),
      w.test.listParam3(['foo', 'bar', 'baz']),
      w.test.listParam4([['foo', 'bar'], ['baz']]),
      w.test.listParam5([[1, 2, 3], [4, 5, 6]]),
    ], [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('listParamLarge takes 1000 strings', async () => {
    const big = Array.from({ length: 1000 }, (_v, i) => `string number ${i}`);
    await differential('lists', listsHost(), (w) => w.test.listParamLarge(big), undefined);
  });

  it('the list and string results are the documented values', async () => {
    await differential('lists', listsHost(), (w) => [
      w.test.emptyListResult(),
      w.test.emptyStringResult(),
      w.test.listResult(),
      w.test.listResult2(),
      w.test.listResult3(),
    ], [new Uint8Array([]), '', new Uint8Array([1, 2, 3, 4, 5]), 'hello!', ['hello,', 'world!']]);
  });

  it('listRoundtrip of a view in the middle of a larger buffer returns its bytes only', async () => {
    const buf = new ArrayBuffer(10);
    new Uint8Array(buf).set([9, 9, 1, 2, 3, 4, 9, 9, 9, 9]);
    await differential('lists', listsHost(), (w) => w.test.listRoundtrip(new Uint8Array(buf, 2, 4)), new Uint8Array([1, 2, 3, 4]));
  });

  it('stringRoundtrip returns its argument', async () => {
    const args = ['x', '', 'hello ⚑ world'];
    await differential('lists', listsHost(), (w) => args.map((s) => w.test.stringRoundtrip(s)), args);
  });

  it('allocatedBytes() is 0', async () => {
    await differential('lists', listsHost(), (w) => w.allocatedBytes(), 0);
  });

  it('isowasm rejects out-of-range list elements with a TypeError and stays usable', async () => {
    const { exports: w } = await ours('lists', listsHost());
    typeError(() => w.test.listParam5([[256, 2, 3]]), 'listParam5([[256, 2, 3]])');
    typeError(() => w.test.listParam5([[1, -1, 3]]), 'listParam5([[1, -1, 3]])');
    equal(w.test.listParam5([[1, 2, 3], [4, 5, 6]]), undefined);
  });

  it('listParam(Uint8Array [9]) traps with the guest\'s assertion, and kills the instance', async () => {
    await expectDead('lists', listsHost(), (w) => w.test.listParam(new Uint8Array([9])), (w) => w.allocatedBytes(), 'TRAP',
      'Assertion failed: a->len == 4');
  });
});

describe('conformance group 1: many-arguments', () => {
  const sixteen = Array.from({ length: 16 }, (_v, i) => BigInt(i + 1));

  it('manyArguments(1n ... 16n) returns undefined and the host receives 1n ... 16n, no WASI', async () => {
    const { isowasm } = await differential('many-arguments', manyArgumentsHost(), (w) => w.manyArguments(...sixteen), undefined);
    deepEqual(isowasm.log, [['manyArguments', ...sixteen]]);
  });

  it('isowasm rejects an out-of-range u64 argument with a TypeError and stays usable', async () => {
    const env = await ours('many-arguments', manyArgumentsHost());
    typeError(() => env.exports.manyArguments(...sixteen.slice(0, 15), 2n ** 64n), 'a16 = 2n ** 64n');
    typeError(() => env.exports.manyArguments(-1n, ...sixteen.slice(1)), 'a1 = -1n');
    deepEqual(env.log, []);
    equal(env.exports.manyArguments(...sixteen), undefined);
    deepEqual(env.log, [['manyArguments', ...sixteen]]);
  });

  it('the arguments in another order trap with the guest\'s assertion, and kill the instance', async () => {
    const reversed = [...sixteen].reverse();
    await expectDead('many-arguments', manyArgumentsHost(), (w) => w.manyArguments(...reversed), (w) => w.manyArguments(...sixteen), 'TRAP',
      'Assertion failed: a1 == 1');
  });
});
