/**
 * `componentTypes` (what `isowasm types` writes), in Node and in the browser: real components get
 * declarations in isowasm's conventions, and the loader blowups (types and export trees that
 * share their parts, level after level; types nested far too deep) get bounded text or an
 * IsowasmError, quickly. Type-checking the text with TypeScript is test/node/types.test.ts.
 */
import { IsowasmError } from '../../src/core/index.js';
import { componentTypes } from '../../src/core/link/dts.js';
import { MAX_INLINE } from '../../src/core/link/ts-types.js';
import { equal, ok, throws } from '../harness/assert.js';
import { readConformance, readRepoFile } from '../harness/files.js';
import { describe, it } from '../harness/test-api.js';
import { type Bytes, SECTION, SORT, component, exportItem, externName, funcType, name, section, u32, vec } from './_binary-builder.js';
import { deepOption, instanceExportDag, mixedChainTypes, nestedExportDoubling, tupleDag, tupleDagTypes, typeRef, typeThroughExports } from './_blowups.js';

/** Runs `f`, and fails when it took longer than `ms`. */
function quick<T>(what: string, ms: number, f: () => T): T {
  const start = performance.now();
  const out = f();
  const took = performance.now() - start;
  ok(took < ms, `${what} took ${took.toFixed(0)} ms (at most ${ms})`);
  return out;
}

describe('componentTypes: real components', () => {
  it('records: Exports, Imports and the named types, by the names the component gives them', async () => {
    const text = componentTypes(await readConformance('records'), { name: 'records.wasm' });
    ok(text.includes("import type { Exports, Imports } from './records.wasm.js';"), 'the header shows how to import the types');
    ok(/^export namespace TestRecordsTest \{$/m.test(text), 'a namespace for the exported interface');
    ok(/^export namespace TestRecordsTestImport \{$/m.test(text), 'and one for the imported interface of the same name');
    ok(text.includes('  export interface R1 { a: number; b: TestRecordsTest.F1 }'), 'records are interfaces with camelCase fields');
    ok(text.includes('  export interface F1 { a?: boolean; b?: boolean }'), 'flags are objects of booleans');
    ok(text.includes('    roundtripRecord1(a: TestRecordsTest.R1): TestRecordsTest.R1;'), 'functions use the named types');
    ok(text.includes("  test: Exports['test:records/test'];"), 'the short name is an alias of the interface');
    ok(/^ {2}'test:records\/test': \{$/m.test(text), 'Imports: the non-WASI interface is required');
    ok(/^ {2}'wasi:cli\/stdout@0\.2\.0'\?: \{$/m.test(text), 'Imports: WASI interfaces are optional');
  });

  it('lists: numeric lists are typed arrays, others arrays; 64-bit integers are bigints', async () => {
    const text = componentTypes(await readConformance('lists'));
    ok(text.includes('    listMinmax64(a: BigUint64Array, b: BigInt64Array): [BigUint64Array, BigInt64Array];'), 'list<u64>, list<s64>');
    ok(text.includes('    listMinmaxFloat(a: Float32Array, b: Float64Array): [Float32Array, Float64Array];'), 'list<f32>, list<f64>');
    ok(text.includes('    listParam5(a: Array<[number, number, number]>): void;'), 'list<tuple<...>>');
  });

  it('results and options: result<T, E> returns T and documents E; option<option<T>> is { tag, val } outside', async () => {
    const results = componentTypes(await readConformance('results'));
    ok(/@throws \{ComponentError\} .*payload.* `TestResultsTest\.E3`/.test(results), 'the error payload is documented');
    ok(results.includes('    variantError(a: number): number;'), 'the ok value is returned');
    const options = componentTypes(await readConformance('options'));
    ok(options.includes("doubleOptionRoundtrip(a: { tag: 'none' } | { tag: 'some'; val: number | undefined }): { tag: 'none' } | { tag: 'some'; val: number | undefined };"), 'option<option<u32>>');
  });

  it('resources: guest classes with constructor, methods, statics and Symbol.dispose; host resources as object interfaces and classes in Imports', async () => {
    const text = componentTypes(await readConformance('resources'));
    ok(/export class X \{\n {4}#private;\n[^}]*constructor\(a: number\);[^}]*getA\(\): number;[^}]*static add\(x: ExportsTypes\.X, a: number\): ExportsTypes\.X;[^}]*\[Symbol\.dispose\]\(\): void;/.test(text), text);
    ok(text.includes('    X: typeof ExportsTypes.X;'), 'the class is on the interface object');
    ok(/ {4}Y: \{\n[^}]*new \(a: number\): ImportsTypes\.Y;/.test(text), 'the host gives a class with the constructor');
  });

  it('the same text each time, for a fixture too', async () => {
    const bytes = await readRepoFile('build/fixtures/values-utf8.wasm');
    const a = componentTypes(bytes, { name: 'values-utf8.wasm' });
    equal(componentTypes(bytes, { name: 'values-utf8.wasm' }), a);
    ok(a.includes("'test:values/compound': {"), 'the interfaces of the fixture');
  });
});

describe('componentTypes: hostile binaries', () => {
  it('a type that uses an anonymous part twice, level after level (tuple DAG, 2^18 leaves): bounded text, in time', () => {
    for (const exported of [false, true]) {
      const text = quick('types of tupleDag(17)', 2000, () => componentTypes(tupleDag(17, exported)));
      ok(text.length < 20_000, `${text.length} characters`);
      // the long anonymous types are named once, and referred to by name
      ok(/^export type Anonymous\d* = /m.test(text) || exported, 'anonymous parts are named');
      for (const line of text.split('\n')) ok(line.length < MAX_INLINE * 3, `a line of ${line.length} characters`);
    }
  });

  it('the same through a nested component\'s exports, and an option chain 99 deep', () => {
    const through = quick('typeThroughExports', 2000, () => componentTypes(typeThroughExports(mixedChainTypesWithTuples(), 3)));
    ok(through.length < 100_000, `${through.length} characters`);
    const deep = quick('deepOption(99)', 2000, () => componentTypes(deepOption(99)));
    ok(deep.length < 50_000, `${deep.length} characters`);
  });

  it('an instance exported twice at every level (2^17 paths): each instance written once', () => {
    for (const bytes of [instanceExportDag(17), nestedExportDoubling(17)]) {
      const text = quick('export DAG', 2000, () => componentTypes(bytes));
      ok(text.length < 20_000, `${text.length} characters`);
      ok(text.includes("b: Exports['i']['a'];") || text.includes("b: Exports['x']['a'];"), 'the second path refers to the first');
    }
  });

  it('beyond the loader limits (2^41 leaves, 100 000 levels deep, 2^40 export paths): an IsowasmError, at once', () => {
    for (const bytes of [tupleDag(40), deepOption(100_000), instanceExportDag(40)]) {
      quick('refusal', 2000, () => throws(() => componentTypes(bytes), { instanceOf: IsowasmError, code: 'UNSUPPORTED' }));
    }
    // and a trusted component may ask for more
    throws(() => componentTypes(deepOption(150)), { instanceOf: IsowasmError, code: 'UNSUPPORTED' });
    ok(componentTypes(deepOption(150), { limits: { maxTypeDepth: 200 } }).length < 100_000, 'with maxTypeDepth 200');
  });

  it('a function type of 15 000 parameters, each an anonymous type 316 characters long, imported 100 times: an IsowasmError, not gigabytes', () => {
    const params = Array.from({ length: 15_000 }, (_, i): [string, Bytes] => [`p${i}`, typeRef(4)]);
    const f = funcType(params, null);
    const bytes = component(
      section(SECTION.type, vec([...tupleDagTypes(4), f])),
      section(SECTION.import, vec(Array.from({ length: 100 }, (_, i) => [...externName(`f${i}`), 0x01, ...u32(5)]))),
    );
    const e = quick('refusal', 3000, () => throws(() => componentTypes(bytes), { instanceOf: IsowasmError, code: 'UNSUPPORTED' }));
    ok(/longer than \d+ characters/.test((e as Error).message), (e as Error).message);
    // one of them is fine (4.8 MB of parameters, the types are counted where they are written)
    const one = component(section(SECTION.type, vec([...tupleDagTypes(4), f])), section(SECTION.import, vec([[...externName('f'), 0x01, ...u32(5)]])));
    ok(quick('one function', 3000, () => componentTypes(one)).length > 4_500_000, 'written out');
  });

  it('names that are not identifiers (or are reserved, or repeat) stay out of the code', () => {
    const named = component(
      section(SECTION.type, vec([[0x6d, ...vec([name('*'), name("*/'\n")])]])), // enum { "*", "*/'\n" }
      section(SECTION.export, vec([exportItem('*/ x\ny', SORT.type, 0), exportItem('array', SORT.type, 0), exportItem('exports', SORT.type, 0)])),
    );
    const text = componentTypes(named, { name: 'a*/b\n.wasm' });
    ok(!/\*\/ x|a\*\/b/.test(text), 'no comment is ended by a name');
    ok(/^export type Array\w+ = /m.test(text) && !/^export type Array = /m.test(text), 'the global Array is not hidden');
    ok(!/^export type Exports = /m.test(text), 'Exports is not redeclared');
  });
});

/** `mixedChainTypes` ending in a tuple of the chain twice, so the nested component's type is shared too. */
function mixedChainTypesWithTuples(): Bytes[] {
  const chain = mixedChainTypes(60);
  return [...chain, [0x6f, ...vec([typeRef(chain.length - 1), typeRef(chain.length - 1)])]];
}
