import { loadComponent } from '../../src/core/index.js';
import { equal } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { jcoInstantiate } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';
import { stubWasi } from '../harness/wasi-stub.js';

describe('test harness', () => {
  it('runs jco\'s bindings and isowasm side by side with one host', async () => {
    const host = { 'test:numbers/test': { roundtripU8: (x: number) => x, roundtripS8: (x: number) => x, roundtripU16: (x: number) => x, roundtripS16: (x: number) => x, roundtripU32: (x: number) => x, roundtripS32: (x: number) => x, roundtripU64: (x: bigint) => x, roundtripS64: (x: bigint) => x, roundtripF32: (x: number) => x, roundtripF64: (x: number) => x, roundtripChar: (x: string) => x, setScalar: () => {}, getScalar: () => 0 } };
    const ref = await jcoInstantiate('conformance/numbers', { ...stubWasi().imports, ...host });
    const ours = (await (await loadComponent(await readConformance('numbers'))).instantiate({ imports: { ...stubWasi().imports, ...host } })).exports;
    equal(ours.test.roundtripU16(65535), ref.test.roundtripU16(65535));
    equal(ours.test.roundtripF64(0.1), ref.test.roundtripF64(0.1));
  });
});
