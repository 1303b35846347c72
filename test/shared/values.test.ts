/**
 * Every component value type at its edges, differentially: the `values-utf8` fixture (see
 * test/fixtures/values-generate.mjs) imports and exports the same functions and forwards each
 * export to its import, so a value crosses the boundary four times. Each value runs through
 * isowasm and through jco's bindings of the same component with the same (recording) host; both
 * must return the expected value, and the host import must have received it in both runs.
 * Strings in every encoding are in values-strings.test.ts.
 */
import { describe, it } from '../harness/test-api.js';
import { echo, fnOf, type Pair, pair, roundtrip, same, weightedSum } from './values-harness.js';

const FIXTURE = 'values-utf8';

/** Runs `body` with a fresh pair of instances of the fixture. */
function withPair(body: (p: Pair) => void): () => Promise<void> {
  return async () => body(await pair(FIXTURE));
}

/** Echo cases: [input, expected output (and what the host receives)] or just the input. */
type Cases = readonly (readonly [unknown, unknown] | readonly [unknown])[];

function echoAll(p: Pair, iface: string, fn: string, cases: Cases): void {
  for (const c of cases) echo(p, iface, fn, c[0], c.length === 2 ? c[1] : c[0]);
}

const f32 = Math.fround;
const U64_MAX = 2n ** 64n - 1n;
const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;
const F32_MAX = 3.4028234663852886e38;
const F32_MIN_SUBNORMAL = 2 ** -149;
const F32_MIN_NORMAL = 2 ** -126;
const MB = 1 << 20;

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('values: scalars (isowasm vs jco)', () => {
  const S = 'scalars';
  it('bool', withPair((p) => echoAll(p, S, 'echoBool', [[true], [false]])));
  it('u8 at 0, 1, 127, 128, max', withPair((p) => echoAll(p, S, 'echoU8', [[0], [1], [127], [128], [255]])));
  it('s8 at 0, -1, min, max', withPair((p) => echoAll(p, S, 'echoS8', [[0], [-1], [-128], [127], [1]])));
  it('u16 at 0, 2^15, max', withPair((p) => echoAll(p, S, 'echoU16', [[0], [1], [0x8000], [0xffff]])));
  it('s16 at 0, -1, min, max', withPair((p) => echoAll(p, S, 'echoS16', [[0], [-1], [-0x8000], [0x7fff]])));
  it('u32 at 0, 2^31, max', withPair((p) => echoAll(p, S, 'echoU32', [[0], [1], [2 ** 31], [2 ** 32 - 1]])));
  it('s32 at 0, -1, min, max', withPair((p) => echoAll(p, S, 'echoS32', [[0], [-1], [-(2 ** 31)], [2 ** 31 - 1]])));
  it('u64 at 0, 2^63, max (bigint)', withPair((p) => echoAll(p, S, 'echoU64', [[0n], [1n], [2n ** 63n], [2n ** 53n + 1n], [U64_MAX]])));
  it('s64 at 0, -1, min, max (bigint)', withPair((p) => echoAll(p, S, 'echoS64', [[0n], [-1n], [S64_MIN], [S64_MAX], [-(2n ** 53n) - 1n]])));
  it('f32: zeros, NaN, infinities, subnormals, max, rounding', withPair((p) => echoAll(p, S, 'echoF32', [
    [0], [-0], [NaN], [Infinity], [-Infinity],
    [F32_MIN_SUBNORMAL], [-F32_MIN_SUBNORMAL], [F32_MIN_NORMAL], [F32_MAX], [-F32_MAX],
    [0.1, f32(0.1)], [16777217, 16777216], [1e39, Infinity], [-1e39, -Infinity], [1e-46, 0], [-1e-46, -0],
    [Number.MAX_VALUE, Infinity],
  ])));
  it('f64: zeros, NaN, infinities, subnormals, max', withPair((p) => echoAll(p, S, 'echoF64', [
    [0], [-0], [NaN], [Infinity], [-Infinity], [Number.MIN_VALUE], [-Number.MIN_VALUE], [2.2250738585072014e-308],
    [Number.MAX_VALUE], [-Number.MAX_VALUE], [0.1], [2 ** 53 + 2], [Math.PI],
  ])));
  it("char: '\\0', ASCII, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF, emoji", withPair((p) => echoAll(p, S, 'echoChar', [
    ['\0'], ['a'], ['\u007f'], ['\u0080'], ['\u07ff'], ['\u0800'], ['\ud7ff'], ['\ue000'], ['\uffff'], ['\u{10000}'], ['\u{10ffff}'], ['😀'],
  ])));
});

describe('values: lists (isowasm vs jco)', () => {
  const L = 'lists';
  it('list<u8>: empty, edges, 1 MB', withPair((p) => echoAll(p, L, 'echoListU8', [
    [new Uint8Array([])], [new Uint8Array([0, 1, 127, 128, 255])], [bytes(MB)],
  ])));
  it('list<s8>', withPair((p) => echoAll(p, L, 'echoListS8', [[new Int8Array([])], [new Int8Array([0, -1, -128, 127])]])));
  it('list<u16>', withPair((p) => echoAll(p, L, 'echoListU16', [[new Uint16Array([])], [new Uint16Array([0, 1, 0x8000, 0xffff])]])));
  it('list<s16>', withPair((p) => echoAll(p, L, 'echoListS16', [[new Int16Array([])], [new Int16Array([0, -1, -0x8000, 0x7fff])]])));
  it('list<u32>', withPair((p) => echoAll(p, L, 'echoListU32', [[new Uint32Array([])], [new Uint32Array([0, 1, 2 ** 31, 2 ** 32 - 1])]])));
  it('list<s32>', withPair((p) => echoAll(p, L, 'echoListS32', [[new Int32Array([])], [new Int32Array([0, -1, -(2 ** 31), 2 ** 31 - 1])]])));
  it('list<u64>: edges, 1 MB', withPair((p) => {
    const big = new BigUint64Array(MB / 8);
    for (let i = 0; i < big.length; i++) big[i] = (BigInt(i) << 40n) ^ BigInt(i * 7919);
    big[big.length - 1] = U64_MAX;
    echoAll(p, L, 'echoListU64', [[new BigUint64Array([])], [new BigUint64Array([0n, 1n, 2n ** 63n, U64_MAX])], [big]]);
  }));
  it('list<s64>', withPair((p) => echoAll(p, L, 'echoListS64', [[new BigInt64Array([])], [new BigInt64Array([0n, -1n, S64_MIN, S64_MAX])]])));
  it('list<f32>: zeros, NaN, infinities, subnormal, max', withPair((p) => echoAll(p, L, 'echoListF32', [
    [new Float32Array([])],
    [new Float32Array([0, -0, NaN, Infinity, -Infinity, F32_MIN_SUBNORMAL, F32_MAX, f32(0.1)])],
  ])));
  it('list<f64>: edges, 1 MB', withPair((p) => {
    const big = new Float64Array(MB / 8);
    for (let i = 0; i < big.length; i++) big[i] = i / 3 - 1000;
    big[0] = -0;
    big[1] = NaN;
    echoAll(p, L, 'echoListF64', [
      [new Float64Array([])],
      [new Float64Array([0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 0.1])],
      [big],
    ]);
  }));
  it('list<bool>: empty, mixed, 1 MB', withPair((p) => {
    const big = Array.from(bytes(MB, 7), (b) => b >= 128);
    echoAll(p, L, 'echoListBool', [[[]], [[true, false, true]], [big]]);
  }));
  it('1 MB of every numeric list type', withPair((p) => {
    const raw = bytes(MB, 3).buffer as ArrayBuffer;
    const kinds: [string, new (b: ArrayBuffer) => ArrayLike<unknown>][] = [
      ['S8', Int8Array], ['U16', Uint16Array], ['S16', Int16Array], ['U32', Uint32Array], ['S32', Int32Array],
      ['S64', BigInt64Array], ['F32', Float32Array],
    ];
    for (const [k, T] of kinds) echo(p, L, `echoList${k}`, new T(raw.slice(0)));
  }));
  it('typed arrays that are views at an offset into a larger buffer', withPair((p) => {
    const buf = new ArrayBuffer(64);
    const u8 = new Uint8Array(buf, 3, 5);
    u8.set([1, 2, 3, 4, 255]);
    echo(p, L, 'echoListU8', u8, new Uint8Array([1, 2, 3, 4, 255]));
    const f64 = new Float64Array(buf, 8, 2);
    f64.set([-0, 0.1]);
    echo(p, L, 'echoListF64', f64, new Float64Array([-0, 0.1]));
    const u16 = new Uint16Array(buf, 2, 3);
    u16.set([0xffff, 1, 0x8000]);
    echo(p, L, 'echoListU16', u16, new Uint16Array([0xffff, 1, 0x8000]));
    const big = new BigInt64Array(buf, 48, 1);
    big[0] = -1n;
    echo(p, L, 'echoListS64', big, new BigInt64Array([-1n]));
  }));
  it('lists the host receives and the caller gets back are copies, not views of linear memory', withPair((p) => {
    for (const rt of [p.ours, p.ref!]) {
      const log = rt === p.ours ? p.oursLog : p.refLog;
      log.length = 0;
      const f = fnOf(rt, L, 'echoListU32');
      const first = f(new Uint32Array([1, 2, 3, 4]));
      f(new Uint32Array([9, 9, 9, 9]));
      f(new Uint32Array(100).fill(7));
      const who = rt === p.ours ? 'isowasm' : 'jco';
      same(first, new Uint32Array([1, 2, 3, 4]), `${who}: the first result after more calls`);
      same(log[0]!.args[0], new Uint32Array([1, 2, 3, 4]), `${who}: the first host argument after more calls`);
    }
  }));
  it('list<list<u32>>', withPair((p) => echoAll(p, L, 'echoListListU32', [
    [[]],
    [[new Uint32Array([])]],
    [[new Uint32Array([1, 2]), new Uint32Array([]), new Uint32Array([2 ** 32 - 1])]],
  ])));
});

describe('values: records and tuples (isowasm vs jco)', () => {
  const C = 'compound';
  const p1 = { x: -(2 ** 31), y: -0 };
  const p2 = { x: 2 ** 31 - 1, y: NaN };
  it('record', withPair((p) => echoAll(p, C, 'echoPoint', [[{ x: 0, y: 0 }], [p1], [p2], [{ x: -1, y: Number.MAX_VALUE }]])));
  it('nested records with a string', withPair((p) => echoAll(p, C, 'echoLine', [
    [{ head: p1, tail: p2, label: '' }],
    [{ head: p2, tail: p1, label: 'aé€😀' }],
  ])));
  it('a record of records, lists, options, tuples and a kebab-case field', withPair((p) => echoAll(p, C, 'echoNested', [
    [{ line: { head: p1, tail: p2, label: 'l' }, tags: [], maybe: undefined, pair: [0, ''], twoWords: 0n }],
    [{ line: { head: p2, tail: p1, label: '€' }, tags: ['a', '', '😀'], maybe: p1, pair: [255, 'é'], twoWords: U64_MAX }],
  ])));
  it('list<record>', withPair((p) => echoAll(p, C, 'echoListPoint', [[[]], [[p1, p2, { x: 3, y: 0.5 }]]])));
  it('tuple (returned through a retptr)', withPair((p) => echoAll(p, C, 'echoTuple', [
    [[0, 0n, '', -0]],
    [[255, S64_MIN, 'aé€😀', f32(1.1)]],
    [[128, S64_MAX, 'x'.repeat(100), NaN]],
  ])));
  it('tuple<u32> (one flat value)', withPair((p) => echoAll(p, C, 'echoTuple1', [[[0]], [[2 ** 32 - 1]]])));
});

describe('values: variants and enums (isowasm vs jco)', () => {
  const C = 'compound';
  it('variant { a(s32), b(f32) }: i32 and f32 joined to i32', withPair((p) => echoAll(p, C, 'echoVI32F32', [
    [{ tag: 'a', val: 0 }], [{ tag: 'a', val: -1 }], [{ tag: 'a', val: -(2 ** 31) }], [{ tag: 'a', val: 2 ** 31 - 1 }],
    [{ tag: 'b', val: 1.5 }], [{ tag: 'b', val: -0 }], [{ tag: 'b', val: NaN }], [{ tag: 'b', val: -Infinity }],
    [{ tag: 'b', val: F32_MIN_SUBNORMAL }], [{ tag: 'b', val: 0.1 }, { tag: 'b', val: f32(0.1) }],
  ])));
  it('variant { a(f32), b(f64) }: joined to i64', withPair((p) => echoAll(p, C, 'echoVF32F64', [
    [{ tag: 'a', val: 1.5 }], [{ tag: 'a', val: -0 }], [{ tag: 'a', val: NaN }], [{ tag: 'a', val: F32_MAX }],
    [{ tag: 'a', val: 0.1 }, { tag: 'a', val: f32(0.1) }],
    [{ tag: 'b', val: 0.1 }], [{ tag: 'b', val: -0 }], [{ tag: 'b', val: Number.MIN_VALUE }], [{ tag: 'b', val: Number.MAX_VALUE }], [{ tag: 'b', val: Infinity }],
  ])));
  it('variant { a(s64), b(f32) }: joined to i64', withPair((p) => echoAll(p, C, 'echoVS64F32', [
    [{ tag: 'a', val: 0n }], [{ tag: 'a', val: -1n }], [{ tag: 'a', val: S64_MIN }], [{ tag: 'a', val: S64_MAX }],
    [{ tag: 'b', val: 1.5 }], [{ tag: 'b', val: -0 }], [{ tag: 'b', val: NaN }], [{ tag: 'b', val: -F32_MAX }],
  ])));
  it('variant { a(s32), b(u64) }: i32 sign survives the i64 slot', withPair((p) => echoAll(p, C, 'echoVS32U64', [
    [{ tag: 'a', val: -1 }], [{ tag: 'a', val: -(2 ** 31) }], [{ tag: 'a', val: 2 ** 31 - 1 }],
    [{ tag: 'b', val: 0n }], [{ tag: 'b', val: U64_MAX }], [{ tag: 'b', val: 2n ** 32n }],
  ])));
  const mixed = [
    { tag: 'empty' },
    { tag: 'small', val: 255 },
    { tag: 'float', val: -0 },
    { tag: 'float', val: 5e-324 },
    { tag: 'text', val: '' },
    { tag: 'text', val: 'aé€😀' },
    { tag: 'pair', val: [f32(0.1), 2 ** 32 - 1] },
    { tag: 'items', val: new Uint16Array([0, 0xffff]) },
    { tag: 'at', val: { x: -7, y: 2.5 } },
    { tag: 'wide', val: -1n },
    { tag: 'wide', val: S64_MIN },
    { tag: 'two-words', val: f32(-3.25) },
  ];
  it('variant with every case (no payload, u8, f64, string, tuple, list, record, s64, kebab-case name)', withPair((p) => echoAll(p, C, 'echoVMixed', mixed.map((v) => [v] as const))));
  it('list<variant>', withPair((p) => echoAll(p, C, 'echoListVMixed', [[[]], [mixed]])));
  it('enum: first, middle and last case', withPair((p) => echoAll(p, C, 'echoESmall', [['first'], ['middle'], ['last-one']])));
  it('enum with 257 cases (2-byte discriminant)', withPair((p) => echoAll(p, C, 'echoEBig', [['c0'], ['c1'], ['c255'], ['c256']])));
  it('list<enum of 257 cases> (2-byte discriminant in memory)', withPair((p) => echoAll(p, C, 'echoListEBig', [[[]], [['c0', 'c256', 'c255', 'c128', 'c1']]])));
});

describe('values: options (isowasm vs jco)', () => {
  const C = 'compound';
  it('option<u32>: none, some(0), some(max)', withPair((p) => echoAll(p, C, 'echoOptionU32', [[undefined], [0], [2 ** 32 - 1]])));
  it('option<option<u32>>: the outer option as { tag, val }', withPair((p) => echoAll(p, C, 'echoOptionOptionU32', [
    [{ tag: 'none' }], [{ tag: 'some', val: undefined }], [{ tag: 'some', val: 0 }], [{ tag: 'some', val: 2 ** 32 - 1 }],
  ])));
  it('option<option<string>>', withPair((p) => echoAll(p, C, 'echoOptionOptionString', [
    [{ tag: 'none' }], [{ tag: 'some', val: undefined }], [{ tag: 'some', val: '' }], [{ tag: 'some', val: 'é😀' }],
  ])));
  it('list<option<u8>>', withPair((p) => echoAll(p, C, 'echoListOptionU8', [[[]], [[undefined, 0, 255, undefined]]])));
  it('option<result<u8, s8>>', withPair((p) => echoAll(p, C, 'echoOptionResult', [
    [undefined], [{ tag: 'ok', val: 255 }], [{ tag: 'err', val: -128 }], [{ tag: 'ok', val: 0 }],
  ])));
});

describe('values: results (isowasm vs jco)', () => {
  const C = 'compound';
  /** An exported `result` returns the ok value or throws a ComponentError with the error as payload. */
  const top = (p: Pair, fn: string, x: { tag: 'ok' | 'err'; val?: unknown }): void =>
    roundtrip(p, C, fn, [x], x.tag === 'ok' ? { ok: x.val } : { err: x.val });
  it('result (no payloads) as an export result', withPair((p) => {
    top(p, 'resultNone', { tag: 'ok', val: undefined });
    top(p, 'resultNone', { tag: 'err', val: undefined });
  }));
  it('result<u32> (ok payload only) as an export result', withPair((p) => {
    top(p, 'resultOk', { tag: 'ok', val: 0 });
    top(p, 'resultOk', { tag: 'ok', val: 2 ** 32 - 1 });
    top(p, 'resultOk', { tag: 'err', val: undefined });
  }));
  it('result<_, string> (err payload only) as an export result', withPair((p) => {
    top(p, 'resultErr', { tag: 'ok', val: undefined });
    top(p, 'resultErr', { tag: 'err', val: '' });
    top(p, 'resultErr', { tag: 'err', val: 'bad: é😀' });
  }));
  it('result<string, f64> (both payloads) as an export result', withPair((p) => {
    top(p, 'resultBoth', { tag: 'ok', val: '' });
    top(p, 'resultBoth', { tag: 'ok', val: 'fine' });
    top(p, 'resultBoth', { tag: 'err', val: -0 });
    top(p, 'resultBoth', { tag: 'err', val: NaN });
    top(p, 'resultBoth', { tag: 'err', val: 1.5 });
  }));
  it('results of all four shapes inside a record are plain { tag, val }', withPair((p) => echoAll(p, C, 'echoResults', [
    [{ rNone: { tag: 'ok', val: undefined }, rOk: { tag: 'ok', val: 7 }, rErr: { tag: 'ok', val: undefined }, rBoth: { tag: 'ok', val: 'yes' } }],
    [{ rNone: { tag: 'err', val: undefined }, rOk: { tag: 'err', val: undefined }, rErr: { tag: 'err', val: 'no' }, rBoth: { tag: 'err', val: -1.5 } }],
  ])));
  it('list<result<u32, string>>', withPair((p) => echoAll(p, C, 'echoListResult', [
    [[]], [[{ tag: 'ok', val: 1 }, { tag: 'err', val: 'e' }, { tag: 'ok', val: 2 ** 32 - 1 }, { tag: 'err', val: '' }]],
  ])));
});

describe('values: flags (isowasm vs jco)', () => {
  const C = 'compound';
  const flags = (n: number, set: readonly number[]): Record<string, boolean> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`b${i}`, set.includes(i)]));
  const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  for (const n of [1, 8, 9, 16, 17, 32]) {
    it(`flags with ${n} label${n > 1 ? 's' : ''}: none, all, first, last`, withPair((p) => echoAll(p, C, `echoFl${n}`, [
      [flags(n, [])], [flags(n, all(n))], [flags(n, [0])], [flags(n, [n - 1])], [flags(n, all(n).filter((i) => i % 3 === 1))],
    ])));
  }
  it('list<flags> of 9 and 17 labels (2 and 4 bytes in memory)', withPair((p) => {
    echoAll(p, C, 'echoListFl9', [[[]], [[flags(9, [8]), flags(9, []), flags(9, all(9))]]]);
    echoAll(p, C, 'echoListFl17', [[[flags(17, [16]), flags(17, [0, 15]), flags(17, all(17))]]]);
  }));
  it('list<flags> of 32 labels (bit 31 in memory)', withPair((p) => {
    echoAll(p, C, 'echoListFl32', [[[flags(32, [31]), flags(32, all(32)), flags(32, [0]), flags(32, [])]]]);
  }));
});

describe('values: flattening limits (isowasm vs jco)', () => {
  const C = 'compound';
  it('more than 16 flat parameters spill to memory; a tuple result comes back through a retptr', withPair((p) => {
    const a = [255, -128, 0xffff, -0x8000, 2 ** 32 - 1, -(2 ** 31), U64_MAX, S64_MIN, f32(0.1), -0, '\u{10ffff}', true, 'aé€😀', new Uint8Array([1, 2, 3]), { x: -1, y: NaN }];
    roundtrip(p, C, 'spill', a, { ok: a });
    const b = [0, 0, 0, 0, 0, 0, 0n, 0n, NaN, Number.MAX_VALUE, '\0', false, '', new Uint8Array([]), { x: 0, y: 0 }];
    roundtrip(p, C, 'spill', b, { ok: b });
  }));
  it('exactly 16 flat parameters stay flat', withPair((p) => {
    const a = Array.from({ length: 16 }, (_, i) => (i * 0x1234567 + 2 ** 31) >>> 0);
    roundtrip(p, C, 'sixteen', a, { ok: weightedSum(a) });
  }));
  it('17 flat parameters of one type spill', withPair((p) => {
    const a = Array.from({ length: 17 }, (_, i) => (i === 16 ? 2 ** 32 - 1 : i + 1));
    roundtrip(p, C, 'seventeen', a, { ok: weightedSum(a) });
  }));
});
