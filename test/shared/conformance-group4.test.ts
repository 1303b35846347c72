/**
 * Conformance group 4 (nested components, composition, naming): simple-nested(-optimized),
 * list-adapter-fusion, versions, type_section_suffix, other-dependencies. Where a jco reference
 * exists, each run is repeated under jco's bindings with an identical host.
 */
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { type Call, type Host, both, start } from './_conformance-hosts-2.js';

describe('conformance group 4: simple-nested and simple-nested-optimized', () => {
  const I = 'calvinrp:test-async-funcs/hello@0.1.0';
  const host = (reply: string): Host => (log) => ({
    // jco reads the unversioned key; isowasm accepts it for the @0.1.0 import
    'calvinrp:test-async-funcs/hello': { helloWorld: (...args: unknown[]) => { log.push(['helloWorld', ...args]); return reply; } },
  });

  for (const name of ['simple-nested', 'simple-nested-optimized']) {
    it(`${name}: helloWorld() returns the host's string through four component levels, calling the host exactly once per call`, async () => {
      const reply = 'Hello from the host: ünïcödé 🚀 𠈄';
      const runs = await both(name, host(reply), ({ exports: w, log }) => {
        const first = w[I].helloWorld();
        const n1 = log.length;
        const second = w.hello.helloWorld();
        return [first, n1, second, log.length, w.hello === w[I]];
      }, [reply, 1, reply, 2, true]);
      for (const r of runs) deepEqual(r.log, [['helloWorld'], ['helloWorld']], r.runtime);
    });

    it(`${name}: empty and long strings survive every layer`, async () => {
      const long = 'x'.repeat(5000) + 'é'.repeat(1000) + '🚀'.repeat(500);
      for (const reply of ['', long]) {
        await both(name, host(reply), ({ exports: w }) => w[I].helloWorld(), reply);
      }
    });
  }
});

describe('conformance group 4: list-adapter-fusion', () => {
  type Kind = [fn: string, make: (xs: number[]) => ArrayLike<unknown>];
  const kinds: Kind[] = [
    ['listU8', (xs) => Uint8Array.from(xs)],
    ['listS8', (xs) => Int8Array.from(xs)],
    ['listU16', (xs) => Uint16Array.from(xs)],
    ['listS16', (xs) => Int16Array.from(xs)],
    ['listU32', (xs) => Uint32Array.from(xs)],
    ['listS32', (xs) => Int32Array.from(xs)],
    ['listU64', (xs) => BigUint64Array.from(xs.map((x) => BigInt.asUintN(64, BigInt(x))))],
    ['listS64', (xs) => BigInt64Array.from(xs.map((x) => BigInt(x)))],
    ['listFloat32', (xs) => Float32Array.from(xs)],
    ['listFloat64', (xs) => Float64Array.from(xs)],
  ];
  const host: Host = (log) => ({
    test: Object.fromEntries(kinds.map(([fn]) => [fn, (x: unknown) => { log.push([fn, x]); return x; }])),
  });

  for (const [fn, make] of kinds) {
    const float = fn.startsWith('listFloat');
    const cases: number[][] = [[], [float ? 1.5 : 7], float ? [1, 1.2, 0.3] : [1, 2, 3, -1, -2, 0]];
    it(`result.${fn}: empty, one element and ${float ? '[1, 1.2, 0.3]' : '[1, 2, 3, -1, -2, 0]'} cross two component boundaries and the host, unchanged`, async () => {
      const inputs = cases.map(make);
      const [isowasm] = await both('list-adapter-fusion', host, ({ exports: w }) => inputs.map((a) => w.result[fn](a)), inputs);
      // the host received an equal typed array of the same class, once per call
      deepEqual(isowasm!.log, inputs.map((a): Call => [fn, a]));
    });
  }

  it('the values really are the wrapped/rounded ones (Uint8Array [1,2,3,255,254,0], BigUint64Array with 2^64-1, Float32Array rounding 1.2)', async () => {
    const { exports: w } = await start('list-adapter-fusion', 'isowasm', host);
    deepEqual(w.result.listU8(Uint8Array.from([1, 2, 3, -1, -2, 0])), new Uint8Array([1, 2, 3, 255, 254, 0]));
    deepEqual(w.result.listU64(BigUint64Array.from([1n, 2n ** 64n - 1n])), new BigUint64Array([1n, 2n ** 64n - 1n]));
    deepEqual(w.result.listS64(BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n])), new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]));
    const f = w.result.listFloat32(Float32Array.from([1, 1.2, 0.3])) as Float32Array;
    ok(f instanceof Float32Array);
    deepEqual([...f], [1, Math.fround(1.2), Math.fround(0.3)]);
    deepEqual(w.result.listFloat64(new Float64Array([1, 1.2, 0.3])), new Float64Array([1, 1.2, 0.3]));
  });

  it('lists up to a few kilobytes fit the bump allocator (10,000 bytes)', async () => {
    const big = Uint8Array.from({ length: 10_000 }, (_v, i) => i & 0xff);
    await both('list-adapter-fusion', host, ({ exports: w }) => w.result.listU8(big), big);
  });
});

describe('conformance group 4: versions', () => {
  const host: Host = (log) => ({
    'test:dep/test@0.1.0': {
      x: () => { log.push(['0.1.0 x']); return 1; },
      y: (a: number) => { log.push(['0.1.0 y', a]); return 1 + a; },
    },
    'test:dep/test@0.2.0': {
      x: () => { log.push(['0.2.0 x']); return 2; },
      z: (a: number, b: number) => { log.push(['0.2.0 z', a, b]); return 2 + a + b; },
    },
  });

  it('testImports(): the guest reaches x and y of @0.1.0 and x and z of @0.2.0, each version its own host (isowasm keeps them apart)', async () => {
    const [r] = await both('versions', host, ({ exports: w }) => w.testImports(), undefined);
    deepEqual(r!.log, [['0.1.0 x'], ['0.1.0 y', 1], ['0.2.0 x'], ['0.2.0 z', 1, 1]]);
  });

  it('the exports of the two versions: @0.1.0 x() 1, y(1) 2; @0.2.0 x() 2, z(1, 1) 4', async () => {
    const [r] = await both('versions', host, ({ exports: w }) => {
      const v1 = w['test:dep/test@0.1.0'];
      const v2 = w['test:dep/test@0.2.0'];
      return [v1.x(), v1.y(1), v2.x(), v2.z(1, 1), v1 !== v2, typeof v1.z, typeof v2.y];
    }, [1, 2, 2, 4, true, 'undefined', 'undefined']);
    deepEqual(r!.log, [], 'the exports are the guest\'s own: no host call');
  });
});

describe('conformance group 4: type_section_suffix', () => {
  const host: Host = (log) => ({
    'test:suffix/imports': { foo: () => { log.push(['test:suffix/imports.foo']); } },
    foo: { default: () => { log.push(['world foo']); } },
    bar: { default: () => { log.push(['world bar']); } },
  });

  it('run(): the host sees interface foo twice, then world foo, then bar (the two foos kept apart)', async () => {
    const [r] = await both('type_section_suffix', host, ({ exports: w }) => w.run(), undefined);
    deepEqual(r!.log, [['test:suffix/imports.foo'], ['test:suffix/imports.foo'], ['world foo'], ['world bar']]);
  });
});

describe('conformance group 4: other-dependencies', () => {
  it('parses, instantiates, and exposes other:test/test as an empty interface; no WASI call', async () => {
    const r = await start('other-dependencies', 'isowasm');
    const iface = r.exports['other:test/test'] as Record<string, unknown>;
    equal(typeof iface, 'object');
    ok(iface !== null);
    deepEqual(Object.keys(iface), []);
    deepEqual(r.wasi.calls, []);
  });
});
