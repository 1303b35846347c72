/**
 * The cases where jco's bindings depart from the Canonical ABI (README, "Where isowasm and jco
 * differ"): isowasm follows the specification, so these tests check isowasm against the spec
 * only. The hand-written `values-spec` component (test/fixtures/values-spec.wat) hands the host
 * raw core values and raw string bytes; the `values-latin1` fixture covers latin1+utf16.
 */
import { IsowasmError, loadComponent } from '../../src/core/index.js';
import { equal, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';
import { pair } from './values-harness.js';

type Exports = Record<string, (...args: unknown[]) => unknown>;

async function spec(): Promise<Exports> {
  const c = await loadComponent(await readFixture('values-spec'));
  return (await c.instantiate()).exports as Exports;
}

/** Asserts that `f` traps (IsowasmError 'TRAP') and that the instance is unusable afterwards. */
function traps(f: () => unknown, next: () => unknown, what: string): void {
  throws(f, (e) => {
    if (!(e instanceof IsowasmError) || e.code !== 'TRAP') throw new Error(`${what}: expected IsowasmError TRAP, got ${String(e)}`);
    return true;
  });
  throws(next, { instanceOf: IsowasmError, code: 'INSTANCE_POISONED' });
}

/** Asserts that `f` throws a TypeError (and not an IsowasmError). */
function typeError(f: () => unknown, what: string): void {
  throws(f, (e) => {
    if (!(e instanceof TypeError)) throw new Error(`${what}: expected a TypeError, got ${String(e)}`);
    return true;
  });
}

describe('spec: lifting small integers and bools keeps what the spec keeps (jco throws)', () => {
  it('a u8 result with high bits set keeps the low 8 bits', async () => {
    const x = await spec();
    equal(x.u8Of!(0x1ff), 255);
    equal(x.u8Of!(0x100), 0);
    equal(x.u8Of!(0xffffffff), 255);
    equal(x.u8Of!(0x7f), 127);
  });
  it('an s8 result with high bits set is the sign-extended low 8 bits', async () => {
    const x = await spec();
    equal(x.s8Of!(0x1ff), -1);
    equal(x.s8Of!(0x80), -128);
    equal(x.s8Of!(0x17f), 127);
    equal(x.s8Of!(0xffffff80), -128);
  });
  it('u16 and s16 results keep the low 16 bits', async () => {
    const x = await spec();
    equal(x.u16Of!(0x1ffff), 0xffff);
    equal(x.u16Of!(0x10000), 0);
    equal(x.s16Of!(0x1ffff), -1);
    equal(x.s16Of!(0x18000), -0x8000);
    equal(x.s16Of!(0x17fff), 0x7fff);
  });
  it('a bool result is true for any non-zero i32', async () => {
    const x = await spec();
    equal(x.boolOf!(0), false);
    equal(x.boolOf!(1), true);
    equal(x.boolOf!(2), true);
    equal(x.boolOf!(0x100), true);
    equal(x.boolOf!(0xffffffff), true);
  });
  it('a char result that is not a Unicode scalar value traps', async () => {
    const x = await spec();
    equal(x.charOf!(0x10ffff), '\u{10ffff}');
    equal(x.charOf!(0xd7ff), '\ud7ff');
    traps(() => x.charOf!(0xd800), () => x.charOf!(0x61), 'char 0xd800');
    const y = await spec();
    traps(() => y.charOf!(0xdfff), () => y.charOf!(0x61), 'char 0xdfff');
    const z = await spec();
    traps(() => z.charOf!(0x110000), () => z.charOf!(0x61), 'char 0x110000');
  });
});

describe('spec: char and string arguments must be Unicode scalar values (jco passes them on)', () => {
  it('a char argument that is not exactly one scalar value is a TypeError; the instance stays usable', async () => {
    const x = await spec();
    for (const [bad, what] of [['\ud800', 'a lone high surrogate'], ['\udfff', 'a lone low surrogate'], ['ab', 'two chars'], ['😀😀', 'two emoji'],
      ['', 'the empty string'], ['a\u0301', 'a base and a combining mark'], [97, 'a number'], [undefined, 'undefined']] as const) {
      typeError(() => x.takeChar!(bad), `takeChar(${what})`);
    }
    equal(x.takeChar!('😀'), 0x1f600);
    equal(x.takeChar!('\0'), 0);
    equal(x.takeChar!('\u{10ffff}'), 0x10ffff);
  });
  it('a string argument with a lone surrogate is a TypeError in utf8 and utf16; the instance stays usable', async () => {
    const x = await spec();
    for (const bad of ['\ud800', 'a\udc00', 'a\ud83db', '😀\ud83d', '\ude00😀', 'x'.repeat(100) + '\ud800']) {
      typeError(() => x.stringLen!(bad), `stringLen(${JSON.stringify(bad.slice(-3))})`);
      typeError(() => x.utf16Len!(bad), `utf16Len(${JSON.stringify(bad.slice(-3))})`);
    }
    equal(x.stringLen!('aé€😀'), 10);
    equal(x.utf16Len!('aé€😀'), 5);
  });
  it('a string argument with a lone surrogate is a TypeError in latin1+utf16', async () => {
    const p = await pair('values-latin1', false);
    const echo = (p.ours['test:values/strings'] as Exports).echoString!;
    typeError(() => echo('Ā\ud800'), 'echoString');
    typeError(() => echo('é\udc00'), 'echoString');
    equal(p.oursLog.length, 0);
    equal(echo('Ā'), 'Ā');
  });
});

describe('spec: strings from the guest must be valid (jco substitutes U+FFFD)', () => {
  it('UTF-16 with a lone surrogate traps', async () => {
    const x = await spec();
    equal(x.utf16FromUnits!(new Uint16Array([0xd83d, 0xde00, 0x61])), '😀a');
    for (const units of [[0xd800], [0x61, 0xdc00], [0xd83d, 0x61], [0xde00, 0xd83d]]) {
      const y = await spec();
      traps(() => y.utf16FromUnits!(new Uint16Array(units)), () => y.utf16FromUnits!(new Uint16Array([0x61])), `UTF-16 ${units.join(',')}`);
    }
  });
  it('latin1+utf16: tagged UTF-16 with a lone surrogate traps', async () => {
    const p = await pair('values-latin1', false);
    const raw = (p.ours['test:values/inspect'] as Exports).stringFromRaw!;
    equal(raw((1 | 2 ** 31) >>> 0, new Uint8Array([0x00, 0x01])), 'Ā');
    traps(() => raw((1 | 2 ** 31) >>> 0, new Uint8Array([0x00, 0xd8])), () => raw(1, new Uint8Array([0x61])), 'tagged UTF-16 0xd800');
  });
  it('invalid UTF-8 traps', async () => {
    const x = await spec();
    equal(x.utf8FromBytes!(new Uint8Array([0xc3, 0xa9])), 'é');
    const bad: [number[], string][] = [
      [[0xff], 'a byte never used in UTF-8'],
      [[0x61, 0xc3], 'a truncated sequence'],
      [[0x80], 'a lone continuation byte'],
      [[0xc0, 0x80], 'an overlong NUL'],
      [[0xed, 0xa0, 0x80], 'an encoded surrogate'],
      [[0xf4, 0x90, 0x80, 0x80], 'a code point above U+10FFFF'],
      [[...new Array<number>(40).fill(0x61), 0xfe], 'a bad byte after 40 ASCII bytes'],
    ];
    for (const [bytes, what] of bad) {
      const y = await spec();
      traps(() => y.utf8FromBytes!(new Uint8Array(bytes)), () => y.utf8FromBytes!(new Uint8Array([0x61])), `UTF-8 with ${what}`);
    }
  });
  it('a byte order mark from the guest is kept (it is a character, not a signature)', async () => {
    const x = await spec();
    equal(x.utf8FromBytes!(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), '\ufeffa');
    equal(x.utf16FromUnits!(new Uint16Array([0xfeff, 0x61])), '\ufeffa');
    equal(x.utf16FromUnits!(new Uint16Array([0xfffe, 0x61])), '\ufffea');
  });
});

describe('spec: out-of-range integer arguments are TypeErrors (jco wraps them)', () => {
  it('scalar parameters; the instance stays usable after each', async () => {
    const x = await spec();
    const cases: [string, unknown][] = [
      ['takeU8', 256], ['takeU8', -1], ['takeU8', 1.5], ['takeU8', '1'], ['takeU8', NaN], ['takeU8', Infinity], ['takeU8', 1n], ['takeU8', undefined], ['takeU8', null],
      ['takeU32', -1], ['takeU32', 2 ** 32], ['takeU32', 0.5], ['takeU32', '0'],
      ['takeS32', 2 ** 31], ['takeS32', -(2 ** 31) - 1], ['takeS32', -0.5],
      ['takeS64', 2n ** 63n], ['takeS64', -(2n ** 63n) - 1n], ['takeS64', 1.5], ['takeS64', '1'], ['takeS64', 2 ** 64],
      ['takeU64', -1n], ['takeU64', 2n ** 64n], ['takeU64', 'x'],
    ];
    for (const [fn, v] of cases) {
      typeError(() => x[fn]!(v), `${fn}(${typeof v === 'bigint' ? `${v}n` : String(v)})`);
      equal(x.takeU8!(255), 255, `takeU8 after ${fn}`);
    }
    equal(x.takeU32!(2 ** 32 - 1), 2 ** 32 - 1);
    equal(x.takeS32!(-(2 ** 31)), -(2 ** 31));
    equal(x.takeS64!(-(2n ** 63n)), -(2n ** 63n));
    equal(x.takeU64!(2n ** 64n - 1n), 2n ** 64n - 1n);
  });
  it('integers inside strings-and-lists calls, lists and tuples', async () => {
    const x = await spec();
    typeError(() => x.takeStringU8!('s', 256), 'takeStringU8(s, 256)');
    typeError(() => x.takeStringU8!('s', -1), 'takeStringU8(s, -1)');
    equal(x.takeStringU8!('s', 7), 7);
    typeError(() => x.listLen!([1, 256]), 'listLen([1, 256])');
    typeError(() => x.listLen!([1.5]), 'listLen([1.5])');
    equal(x.listLen!([0, 255, 1]), 3);
    equal(x.listLen!(new Uint8Array(5)), 5);
    typeError(() => x.tupleSum!([256, 0n]), 'tupleSum([256, 0n])');
    typeError(() => x.tupleSum!([1, 2n ** 63n]), 'tupleSum([1, 2n ** 63n])');
    equal(x.tupleSum!([255, -(2n ** 63n)]), -(2n ** 63n) + 255n);
  });
});

describe('spec: bad arguments leave the instance usable on every lowering path', () => {
  it('a bad argument of a function whose parameters spill to memory is a TypeError; the host is not called', async () => {
    const p = await pair('values-utf8', false);
    const spill = (p.ours['test:values/compound'] as Exports).spill!;
    const good: unknown[] = [255, -128, 0xffff, -0x8000, 2 ** 32 - 1, -(2 ** 31), 2n ** 64n - 1n, -(2n ** 63n), 0.5, -0, 'c', true, 'str', new Uint8Array([1]), { x: 1, y: 2 }];
    for (const [i, bad] of [[0, 256], [4, -1], [7, 2n ** 63n], [10, 'ab'], [12, 'a\ud800'], [13, [256]], [14, { x: 1.5, y: 0 }]] as [number, unknown][]) {
      const args = [...good];
      args[i] = bad;
      typeError(() => spill(...args), `spill with argument ${i} = ${String(bad)}`);
    }
    equal(p.oursLog.length, 0, 'host calls');
    const r = spill(...good) as unknown[];
    equal(r[12], 'str');
    equal(p.oursLog.length, 1, 'host calls');
  });
});

describe('spec: a host import result of the wrong type is a host error, not a wrapped value', () => {
  it('u8 256, u32 -1, s64 2n**63n, a lone-surrogate string and a two-char char', async () => {
    const cases: [string, string, unknown, unknown][] = [
      ['scalars', 'echoU8', 1, 256],
      ['scalars', 'echoU32', 1, -1],
      ['scalars', 'echoS64', 1n, 2n ** 63n],
      ['scalars', 'echoChar', 'a', 'ab'],
      ['strings', 'echoString', 'a', 'a\ud800'],
    ];
    for (const [iface, fn, arg, returned] of cases) {
      const p = await pair('values-utf8', false, { [fn]: () => returned });
      const f = (p.ours[`test:values/${iface}`] as Exports)[fn]!;
      throws(() => f(arg), (e) => {
        if (!(e instanceof IsowasmError) || e.code !== 'HOST_ERROR') throw new Error(`${fn} returning ${String(returned)}: expected IsowasmError HOST_ERROR, got ${String(e)}`);
        return true;
      });
    }
  });
});
