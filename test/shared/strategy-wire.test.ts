/**
 * The 'worker' strategy's reply encoding and reply slot (src/core/worker/wire.ts): every kind of
 * value a host call can answer with survives unchanged, replies larger than the slot grow it, and
 * a reply larger than its bound is refused before it is built.
 */
import { IsowasmError } from '../../src/core/errors.js';
import { ReplySlot, decode, encode } from '../../src/core/worker/wire.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const roundtrip = (v: unknown): unknown => decode(encode(v));

describe('strategy worker: the reply encoding', () => {
  it('keeps primitives exactly: -0, NaN, infinities, large and fractional numbers, 64-bit bigints, booleans, null, undefined', () => {
    const values: unknown[] = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 0.1, NaN, Infinity, -Infinity,
      0n, 1n, -1n, 2n ** 64n - 1n, -(2n ** 63n), true, false, null, undefined];
    for (const v of values) equal(roundtrip(v), v, `the value ${String(v)}`);
  });

  it('keeps strings as their UTF-16 code units, lone surrogates and all', () => {
    for (const s of ['', 'hello', 'asdf中文🀄️⏰', '\u0000', '\ud800', 'a\udc00b', 'x'.repeat(100_000)]) equal(roundtrip(s), s);
  });

  it('keeps arrays, nested plain objects, variants and holes as undefined', () => {
    const v = { a: [1, 'two', { tag: 'some', val: [3n, null] }], b: { c: { d: undefined } }, 'kebab-key': true };
    deepEqual(roundtrip(v), v);
    deepEqual(roundtrip([1, , 3]), [1, undefined, 3]);
  });

  it('keeps every typed array kind with its contents, copies views of larger buffers, and keeps ArrayBuffers', () => {
    const arrays = [new Int8Array([-1, 2]), new Uint8Array([1, 255]), new Uint8ClampedArray([3]), new Int16Array([-300]),
      new Uint16Array([65535]), new Int32Array([-5]), new Uint32Array([2 ** 32 - 1]), new Float32Array([1.5]),
      new Float64Array([NaN, -0]), new BigInt64Array([-(2n ** 63n)]), new BigUint64Array([2n ** 64n - 1n])];
    for (const a of arrays) deepEqual(roundtrip(a), a, a.constructor.name);
    const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    const back = roundtrip(view) as Uint8Array;
    deepEqual(back, new Uint8Array([8, 7]));
    equal(back.buffer.byteLength, 2, 'only the viewed bytes');
    const buf = roundtrip(new Uint8Array([4, 5]).buffer);
    ok(buf instanceof ArrayBuffer);
    deepEqual(new Uint8Array(buf), new Uint8Array([4, 5]));
  });

  it('refuses a value larger than its bound before growing past it: MEMORY_LIMIT (one big string repeated is written out each time)', () => {
    const big = 'x'.repeat(1000);
    const e = throws(() => encode(new Array(1000).fill(big), 64 * 1024), { instanceOf: IsowasmError, code: 'MEMORY_LIMIT' });
    ok(/worker/.test((e as Error).message), (e as Error).message);
    equal((decode(encode(new Array(20).fill(big), 64 * 1024)) as string[]).length, 20);
  });

  it('drops functions and symbols (they are not data)', () => {
    deepEqual(roundtrip({ f: () => 1, s: Symbol('x'), n: 1 }), { f: undefined, s: undefined, n: 1 });
  });
});

describe('strategy worker: the reply slot', () => {
  it('passes a reply, then a larger one than it started with (it grows), then a small one again', () => {
    const slot = new ReplySlot();
    const reader = new ReplySlot(slot.buffer);
    for (const n of [10, 3 << 20, 5]) {
      const data = new Uint8Array(n).map((_x, i) => i & 0xff);
      reader.arm();
      slot.write(encode({ ok: true, value: data }));
      // the reply is published: wait() returns at once
      const reply = reader.wait() as { ok: boolean; value: Uint8Array };
      equal(reply.ok, true);
      equal(reply.value.length, n);
      equal(reply.value[n - 1], (n - 1) & 0xff);
    }
  });
});
