/**
 * `isowasm types` (issue 8): the declarations `writeComponentTypes` writes for real components,
 * checked with the repository's TypeScript in a project like a user's (strict, lib ES2022 + DOM,
 * no @types/node, `isowasm` resolved to the shipped declarations in dist/types):
 *
 * - every component of the conformance corpus and every fixture: its `.d.ts` type-checks;
 * - `Exports` has exactly the keys the runtime's `instance.exports` has, interface members,
 *   resource statics and methods included (from a real instance of each);
 * - usage files call the exports, pass `Imports` and read the named types, and make deliberate
 *   mistakes under `// @ts-expect-error`: TypeScript reports an unused directive when a mistake
 *   type-checks, so a type that is `any` (or too loose) fails the test;
 * - jco's declarations of the same components (the anchor, `jco types`): each exported and
 *   imported function mutually assignable with ours, except the intentional differences below,
 *   which are asserted to differ (under `@ts-expect-error`) so the list stays true.
 *
 * Intentional differences from jco's declarations:
 * - a `result` case without a payload is `{ tag: 'ok'; val?: undefined }` (jco: `val: void`, which
 *   makes `{ tag: 'ok' }` an error although isowasm, and jco, accept it);
 * - guest resource classes declare `[Symbol.dispose](): void` (both runtimes have it; jco's
 *   declarations leave it out) and, without a constructor, a private one;
 * - one file with a namespace per interface (jco: a module per interface), exported and imported
 *   interfaces apart (`TestRecordsTest` and `TestRecordsTestImport`: an exported resource is a
 *   class of the component, an imported one objects of the host's class);
 * - `Imports` makes WASI interfaces optional (the platform serves them) and types world-level
 *   imports as camelCase functions (`toplevelImport(a)`; jco: `'toplevel-import': { default(a) }`,
 *   which isowasm accepts too);
 * - types the component names get their name in signatures where the component's own
 *   signatures use it (wit-component's ascribed export types); jco names them from the WIT.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { camelCase, pascalCase } from '../../src/core/abi/types.js';
import { parseFuncName } from '../../src/core/link/names.js';
import type { ItemDescription } from '../../src/core/index.js';
import { loadComponent, nodeWasi, writeComponentTypes } from '../../src/node/index.js';
import { conformancePath } from '../harness/conformance-dir.js';
import { SECTION, SORT, VAL, component, exportItem, externName, funcType, name, section, u32, vec } from '../shared/_binary-builder.js';
import { componentTypes } from '../../src/core/link/dts.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const corpus = conformancePath('components/adder.wasm').replace(/adder\.wasm$/, '');

/** Every component: the corpus, then the fixtures (`fixtures/<name>`). */
const components: { key: string; file: string }[] = [
  ...readdirSync(corpus).filter((f) => f.endsWith('.wasm')).map((f) => ({ key: f.replace(/\.wasm$/, ''), file: join(corpus, f) })),
  ...readdirSync(join(root, 'build/fixtures')).filter((f) => f.endsWith('.wasm')).map((f) => ({ key: `fixtures/${f.replace(/\.wasm$/, '')}`, file: join(root, 'build/fixtures', f) })),
];
/** Components whose start function traps or never ends (on purpose): no instance to compare with. */
const NO_INSTANCE = new Set(['fixtures/hostile-start-trap', 'fixtures/runaway-start']);

// ---------------------------------------------------------------------------------------------
// what an instance really exports

/**
 * The shape of an export value: a function, a resource class of the component (its statics and
 * methods), a class the host gave (re-exported), an object of more.
 */
type Shape = { kind: 'func' } | { kind: 'class'; statics: string[]; methods: string[] } | { kind: 'host-class' } | { kind: 'object'; members: Map<string, Shape> } | { kind: 'other' };

/** The classes `stubImports` gave. */
const stubClasses = new WeakSet<object>();
function stubClass(): new () => object {
  const c = class {};
  stubClasses.add(c);
  return c;
}

/** The resource classes of the platform's WASI host: host classes too when an export re-exports one (wasi:http/incoming-handler's). */
const wasiClasses = new WeakSet<object>();
for (const ns of Object.values(nodeWasi.host.createImports(nodeWasi, nodeWasi.host.resolveGrants({}, nodeWasi), { onDenied: () => {}, async: true, afterCall: () => {} }))) {
  for (const v of Object.values(ns as Record<string, unknown>)) if (typeof v === 'function') wasiClasses.add(v);
}

function shapeOf(v: unknown, depth = 0): Shape {
  if (typeof v === 'function' && (stubClasses.has(v) || wasiClasses.has(v))) return { kind: 'host-class' };
  if (typeof v === 'function') {
    if (!/^class\b/.test(Function.prototype.toString.call(v))) return { kind: 'func' };
    const statics = Object.getOwnPropertyNames(v).filter((k) => !['length', 'name', 'prototype'].includes(k));
    const methods = Object.getOwnPropertyNames((v as { prototype: object }).prototype).filter((k) => k !== 'constructor');
    return { kind: 'class', statics, methods };
  }
  if (typeof v === 'object' && v !== null && depth < 4) {
    return { kind: 'object', members: new Map(Object.entries(v).map(([k, x]) => [k, shapeOf(x, depth + 1)])) };
  }
  return { kind: 'other' };
}

/** Imports that link (never called): a function per function, a class per resource; WASI comes from the platform. */
function stubMembers(members: readonly ItemDescription[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const m of members) {
    if (m.kind === 'func') {
      const f = parseFuncName(m.name);
      if (f.kind === 'plain') o[camelCase(m.name)] = () => undefined;
      else o[pascalCase(f.resource)] ??= stubClass();
    } else if (m.kind === 'type' && m.signature === 'resource') o[pascalCase(m.name)] ??= stubClass();
    else if (m.kind === 'instance') o[camelCase(m.name)] = stubMembers(m.members ?? []);
  }
  return o;
}

function stubImports(imports: readonly ItemDescription[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of imports) {
    if (d.name.startsWith('wasi:')) continue;
    if (d.kind === 'instance') out[d.name] = stubMembers(d.members ?? []);
    else Object.assign(out, stubMembers([d]));
  }
  return out;
}

const lit = (s: string): string => JSON.stringify(s);
const union = (keys: Iterable<string>): string => [...keys].map(lit).join(' | ') || 'never';

/** TypeScript asserting that `Exports` has exactly the instance's keys, level by level. */
function keysFile(module: string, shape: Shape): string {
  const lines = [
    `import type { Exports } from './${module}.js';`,
    'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
    'declare function same<A, B>(ok: Same<A, B>): void;',
  ];
  const walk = (path: string, s: Shape): void => {
    if (s.kind === 'object') {
      lines.push(`same<keyof ${path}, ${union(s.members.keys())}>(true);`);
      for (const [k, m] of s.members) walk(`${path}[${lit(k)}]`, m);
    } else if (s.kind === 'class') {
      lines.push(`same<Exclude<keyof ${path}, 'prototype'>, ${union(s.statics)}>(true);`);
      lines.push(`same<Exclude<keyof ${path}['prototype'], typeof Symbol.dispose>, ${union(s.methods)}>(true);`);
    } else if (s.kind === 'host-class') {
      // a host's class, re-exported: any class whose objects are the resource's
      lines.push(`same<${path} extends (abstract new (...args: never[]) => object) | undefined ? true : false, true>(true);`);
    }
  };
  walk('Exports', shape);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// usage, as an app would write it

const common = `import { loadComponent, type Instance } from 'isowasm';
declare const bytes: Uint8Array;
`;

/** Per component: correct uses, and mistakes TypeScript must reject (each under `@ts-expect-error`). */
const USAGE: Record<string, string> = {
  records: `${common}import type { Exports, Imports, TestRecordsTest } from './records.wasm.js';
declare const imports: Imports;
const component = await loadComponent<Exports, Imports>(bytes);
const { exports } = await component.instantiate({ imports });
const t = exports['test:records/test'];
const swapped: [number, number] = t.swapTuple([1, 2]);
const flags: TestRecordsTest.F1 = t.roundtripFlags1({ a: true });
const b: boolean | undefined = flags.b;
const r: TestRecordsTest.R1 = t.roundtripRecord1({ a: 1, b: { a: true } });
const n: number = r.a + swapped[0] + t.multipleResults()[1] + exports.test.tuple1([3])[0];
exports.testImports();
export { b, n };
// @ts-expect-error: a tuple<u32, u8> is an array of two numbers
t.swapTuple(['1', 2]);
// @ts-expect-error: flags are objects of booleans
t.roundtripFlags1({ a: 1 });
// @ts-expect-error: a record needs all its fields
t.roundtripRecord1({ a: 1 });
// @ts-expect-error: no such export
exports.notThere();
// @ts-expect-error: the host must provide test:records/test
await component.instantiate({ imports: {} });
// @ts-expect-error: the result is a tuple, not a number
const wrong: number = t.swapTuple([1, 2]);
`,
  variants: `${common}import type { Exports, Imports, TestVariantsTest } from './variants.wasm.js';
declare const imports: Imports;
const { exports } = await (await loadComponent<Exports, Imports>(bytes)).instantiate({ imports });
const v = exports['test:variants/test'];
const o: number | undefined = v.roundtripOption(undefined);
const ok: number = v.roundtripResult({ tag: 'ok', val: 1 });
const e: TestVariantsTest.E1 = v.roundtripEnum('b');
const casts: TestVariantsTest.Casts = v.variantCasts([{ tag: 'a', val: 1 }, { tag: 'b', val: 2 }, { tag: 'a', val: 3 }, { tag: 'a', val: 4n }, { tag: 'b', val: 5 }, { tag: 'b', val: 6 }]);
const z = v.variantZeros([{ tag: 'b' }, { tag: 'a', val: 1n }, { tag: 'b' }, { tag: 'a', val: 2 }])[0];
if (z.tag === 'a') { const x: number = z.val; }
v.variantTypedefs(undefined, true, { tag: 'err' });
const [flag, res, errno] = v.variantEnums(true, { tag: 'ok' }, 'success');
export { o, ok, e, casts, flag, res, errno };
// @ts-expect-error: an enum is one of its case names
v.roundtripEnum('c');
// @ts-expect-error: a variant case's payload has its type (c1 b is a u64: bigint)
v.variantCasts([{ tag: 'a', val: 1 }, { tag: 'b', val: 2 }, { tag: 'a', val: 3 }, { tag: 'a', val: 4 }, { tag: 'b', val: 5 }, { tag: 'b', val: 6 }]);
// @ts-expect-error: a result is { tag: 'ok' | 'err', val }
v.roundtripResult(1);
// @ts-expect-error: a case without payload has no val of a type
const zval: number = z.val;
`,
  flavorful: `${common}import type { Exports, TestFlavorfulTest } from './flavorful.wasm.js';
const { exports } = await (await loadComponent<Exports>(bytes)).instantiate();
const f = exports['test:flavorful/test'];
const rec: TestFlavorfulTest.ListInRecord2 = f.fListInRecord2();
const alias: TestFlavorfulTest.ListInAlias = f.fListInRecord4({ a: 'x' });
f.fListInVariant1('a', { tag: 'err', val: 'e' });
const opt: string | undefined = f.fListInVariant2();
f.errnoResult(); // returns nothing, throws a ComponentError for the error case
const [bytes2, strings]: [Uint8Array, string[]] = f.listTypedefs('a', ['b']);
const errnos: TestFlavorfulTest.MyErrno[] = f.listOfVariants([true], [{ tag: 'ok' }], ['a'])[2];
export { rec, alias, opt, bytes2, strings, errnos };
// @ts-expect-error: list<u8> is a Uint8Array, not a string
const s: string = f.listTypedefs('a', [])[0];
// @ts-expect-error: my-errno has no case 'z'
f.listOfVariants([], [], ['z']);
// @ts-expect-error: the record's field is a string
f.fListInRecord1({ a: 1 });
`,
  resources: `${common}import type { Exports, Imports, ExportsTypes, ImportsTypes } from './resources.wasm.js';
class Y implements ImportsTypes.Y {
  constructor(public a: number) {}
  getA(): number { return this.a; }
  setA(a: number): void { this.a = a; }
  static add(y: Y, a: number): Y { return new Y(y.a + a); }
}
const component = await loadComponent<Exports, Imports>(bytes);
const instance: Instance<Exports> = await component.instantiate({ imports: { imports: { Y } } });
const { X, Z } = instance.exports.exports;
const x: ExportsTypes.X = new X(1);
x.setA(2);
const a: number = x.getA() + X.add(x, 3).getA() + Z.numDropped();
const z = instance.exports.exports.add(new Z(1), new Z(2));
x[Symbol.dispose]();
instance.exports.exports.consume(x);
instance.exports.exports.testImports();
export { a, z };
// @ts-expect-error: the constructor takes an s32
new X('1');
// @ts-expect-error: add takes Z objects, not X
instance.exports.exports.add(x, x);
// @ts-expect-error: the host's Y class must have the resource's methods
await component.instantiate({ imports: { imports: { Y: class { constructor(a: number) {} static add(y: unknown, a: number) { return y; } } } } });
// @ts-expect-error: getA returns a number
const wrongA: string = x.getA();
`,
  lists: `${common}import type { Exports } from './lists.wasm.js';
const { exports } = await (await loadComponent<Exports>(bytes)).instantiate();
const l = exports['test:lists/test'];
const u8: Uint8Array = l.listRoundtrip(new Uint8Array([1, 2]));
const [u64, s64]: [BigUint64Array, BigInt64Array] = l.listMinmax64(new BigUint64Array(1), new BigInt64Array(1));
const [f32, f64]: [Float32Array, Float64Array] = l.listMinmaxFloat(new Float32Array(1), new Float64Array(1));
l.listParam5([[1, 2, 3]]);
l.listParam4([['a'], ['b', 'c']]);
const strings: string[] = l.listResult3();
export { u8, u64, s64, f32, f64, strings };
// @ts-expect-error: list<u16> is a Uint16Array
const wrong: Uint8Array = l.listMinmax16(new Uint16Array(1), new Int16Array(1))[0];
// @ts-expect-error: list<u64> holds bigints, a Float64Array is not one
l.listMinmax64(new Float64Array(1), new BigInt64Array(1));
// @ts-expect-error: list<tuple<u8, u32, u8>> elements are triples
l.listParam5([[1, 2]]);
`,
  numbers: `${common}import type { Exports } from './numbers.wasm.js';
const { exports } = await (await loadComponent<Exports>(bytes)).instantiate();
const n = exports['test:numbers/test'];
const a: number = n.roundtripU8(1) + n.roundtripS32(-1) + n.roundtripF64(0.5);
const b: bigint = n.roundtripU64(1n) + n.roundtripS64(-1n);
const c: string = n.roundtripChar('x');
export { a, b, c };
// @ts-expect-error: u64 is a bigint
n.roundtripU64(1);
// @ts-expect-error: s64 comes back as a bigint
const wrong: number = n.roundtripS64(1n);
// @ts-expect-error: a char is a string
n.roundtripChar(65);
`,
  options: `${common}import type { Exports } from './options.wasm.js';
const { exports } = await (await loadComponent<Exports>(bytes)).instantiate();
const o = exports['test:options/test'];
const s: string | undefined = o.optionRoundtrip('x');
o.optionNoneParam(undefined);
const d = o.doubleOptionRoundtrip({ tag: 'some', val: undefined });
const inner: number | undefined = d.tag === 'some' ? d.val : undefined;
o.doubleOptionRoundtrip({ tag: 'none' });
export { s, inner };
// @ts-expect-error: option<string> may be undefined
const wrong: string = o.optionRoundtrip('x');
// @ts-expect-error: the outer level of option<option<u32>> is a { tag, val }
o.doubleOptionRoundtrip(5);
`,
  results: `${common}import type { Exports, TestResultsTest } from './results.wasm.js';
import { ComponentError } from 'isowasm';
const { exports } = await (await loadComponent<Exports>(bytes)).instantiate();
const r = exports['test:results/test'];
try {
  const value: number = r.variantError(1.5);
  const inner = r.doubleError(1); // result<result<_, string>, string>: the inner result stays an object
  if (inner.tag === 'err') { const msg: string = inner.val; }
  console.log(value);
} catch (e) {
  if (e instanceof ComponentError) { const payload = e.payload as TestResultsTest.E3; console.log(payload.tag); }
}
// @ts-expect-error: the ok value is returned, not a { tag, val }
const wrong: { tag: 'ok' } = r.stringError(1);
// @ts-expect-error: e3's cases are e1 and e2
const e3: TestResultsTest.E3 = { tag: 'e4', val: 'a' };
`,
  'resource-import-and-export': `${common}import type { Exports, Imports, TestResourceImportAndExportTest as Guest, TestResourceImportAndExportTestImport as Host } from './resource-import-and-export.wasm.js';
class Thing implements Host.Thing {
  constructor(private v: number) {}
  foo(): number { return this.v; }
  bar(v: number): void { this.v = v; }
  static baz(a: Thing, b: Thing): Thing { return new Thing(a.v + b.v); }
}
const component = await loadComponent<Exports, Imports>(bytes);
const { exports } = await component.instantiate({ imports: { 'test:resource-import-and-export/test': { Thing }, toplevelImport: (a) => a } });
const guest: Guest.Thing = new exports.test.Thing(1);
const n: number = exports['test:resource-import-and-export/test'].Thing.baz(guest, guest).foo();
const host: Host.Thing = exports.toplevelExport(new Thing(2));
export { n, host };
// @ts-expect-error: the world-level export takes objects of the host's Thing class (foo, bar)
exports.toplevelExport({});
// @ts-expect-error: the import interface needs its Thing class
await component.instantiate({ imports: { toplevelImport: (a: Host.Thing) => a } });
`,
};

// ---------------------------------------------------------------------------------------------
// jco's declarations of the same components

/** Components compared function by function with jco's declarations. */
const JCO_COMPARED = ['records', 'variants', 'flavorful', 'lists', 'numbers', 'options', 'results', 'strings', 'many-arguments'];

/** `interface#function` whose types differ from jco's on purpose (see the file's comment), both sides. */
const JCO_DIFFERENT: Record<string, string> = {
  'test:variants/test#variantEnums': 'a result without payloads: val?: undefined (jco: val: void)',
  'test:variants/test#variantTypedefs': 'result<u32, _>: val?: undefined (jco: val: void)',
  'test:flavorful/test#fListInVariant1': 'result<_, string>: val?: undefined (jco: val: void)',
  'test:flavorful/test#listOfVariants': 'list<result>: val?: undefined (jco: val: void)',
  'test:results/test#doubleError': 'result<_, string> inside: val?: undefined (jco: val: void)',
};

function jcoChecks(name: string, exportShape: Shape, importNames: readonly ItemDescription[]): string {
  const lines = [
    `import type { Exports, Imports } from './${name}.wasm.js';`,
    `import type { Root, ImportObject } from './jco/${name}.jco/${name}.js';`,
    'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
    'declare function same<A, B>(ok: Same<A, B>): void;',
  ];
  const check = (id: string, ours: string, theirs: string): void => {
    const why = JCO_DIFFERENT[id];
    if (why) lines.push(`// @ts-expect-error: ${why}`);
    lines.push(`same<${ours}, ${theirs}>(true);`);
  };
  if (exportShape.kind !== 'object') throw new Error('exports are an object');
  for (const [k, s] of exportShape.members) {
    if (s.kind === 'func') check(k, `Exports[${lit(k)}]`, `Root[${lit(k)}]`);
    if (s.kind !== 'object' || !k.includes(':')) continue;
    for (const [f, m] of s.members) if (m.kind === 'func') check(`${k}#${f}`, `Exports[${lit(k)}][${lit(f)}]`, `Root[${lit(k)}][${lit(f)}]`);
  }
  for (const d of importNames) {
    if (d.kind !== 'instance' || d.name.startsWith('wasi:')) continue;
    for (const m of d.members ?? []) {
      if (m.kind !== 'func' || parseFuncName(m.name).kind !== 'plain') continue;
      const f = camelCase(m.name);
      check(`${d.name}#${f}`, `Imports[${lit(d.name)}][${lit(f)}]`, `ImportObject[${lit(d.name)}][${lit(f)}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// names no toolchain writes

/**
 * A component whose names are anything but WIT's: reserved words, names that become the same identifier, names that
 * end comments or hold quotes and line breaks, names of the globals the declarations use, a
 * resource named `uint8-array` with a method `prototype` and a static `name` (the parser refuses
 * only exact repeats).
 */
function hostileNames(): Uint8Array {
  const field = (n: string, t: number) => [...name(n), t];
  const types1 = [
    [0x72, ...vec([field('in', VAL.u8), field('*/ x', VAL.string), field('in-', VAL.u8), field('a-b', VAL.u8), field('aB', VAL.u8), field("it's\n", VAL.u8)])], // 0 record
    [0x6d, ...vec([name("it's"), name('a\nb'), name('*/')])], // 1 enum
    [0x71, ...vec([[...name('new'), 0x01, 0x00, 0x00], [...name("x'y"), 0x00, 0x00]])], // 2 variant { new(t0), x'y }
    [0x6e, ...vec([name('constructor'), name('new'), name('a-b'), name('aB')])], // 3 flags
  ];
  // 4: (import "uint8-array" (type (sub resource)))
  const types2 = [
    [0x69, 0x04], // 5 own
    [0x68, 0x04], // 6 borrow
    funcType([['self', [0x06]], ['in', [0x00]], ['in-', [0x01]], ['', [0x03]], ['this', VAL.u8]], [0x02]), // 7
    funcType([['new', [0x02]]], [0x05]), // 8 constructor
    [0x6a, 0x01, 0x05, 0x01, 0x01], // 9 result<own, enum>
    funcType([['x', [0x05]]], [0x09]), // 10 static, fallible
    funcType([['class', [0x00]]], [0x09]), // 11
  ];
  const importFunc = (n: string, t: number) => [...externName(n), 0x01, ...u32(t)];
  return component(
    section(SECTION.type, vec(types1)),
    section(SECTION.import, vec([[...externName('uint8-array'), 0x03, 0x01]])),
    section(SECTION.type, vec(types2)),
    section(SECTION.import, vec([
      importFunc('[method]uint8-array.prototype', 7), importFunc('[constructor]uint8-array', 8),
      importFunc('[static]uint8-array.name', 10), importFunc('*/\nweird name', 11), importFunc('new', 11),
    ])),
    section(SECTION.export, vec([exportItem('exports', SORT.type, 0), exportItem('array', SORT.type, 2), exportItem('symbol', SORT.type, 3), exportItem('*/', SORT.type, 1)])),
  );
}

const HOSTILE_USE = `import type { Imports, Exports, Uint8Array2 } from './hostile-names.wasm.js';
declare const imports: Imports;
declare const e: Exports;
const h: Uint8Array2 = new imports.Uint8Array({ tag: 'new', val: { in: 1, '*/ x': 's', 'in-': 0, aB: 2, "it's\\n": 3 } });
const r: number = imports.Uint8Array.name(h).prototype({ in: 1, '*/ x': '', 'in-': 0, aB: 1, "it's\\n": 0 }, 'a\\nb', { constructor: false }, 1) === undefined ? 0 : 1;
imports['*/\\nweird name']({ in: 1, '*/ x': '', 'in-': 0, aB: 1, "it's\\n": 0 });
imports.new({ in: 1, '*/ x': '', 'in-': 0, aB: 1, "it's\\n": 0 });
const bytes: Uint8Array = new Uint8Array(1); // the global is not hidden
export { r, bytes, e };
// @ts-expect-error: the enum has no case 'b'
imports.Uint8Array.name(h).prototype({ in: 1, '*/ x': '', 'in-': 0, aB: 1, "it's\\n": 0 }, 'b', { constructor: false }, 1);
// @ts-expect-error: the variant's case 'new' carries the record
new imports.Uint8Array({ tag: 'new' });
`;

// ---------------------------------------------------------------------------------------------

let project: string;
/** tsc's diagnostics by file name, for the project checked with lib ES2022 + DOM (and with ESNext) */
const errors = { es2022: new Map<string, string[]>(), esnext: new Map<string, string[]>() };
const written = new Map<string, string>();

function runTsc(config: string): Map<string, string[]> {
  const r = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: project, encoding: 'utf8' });
  const out = new Map<string, string[]>();
  for (const line of `${r.stdout}${r.stderr}`.split('\n')) {
    const m = /^([^(]+)\(\d+,\d+\): error/.exec(line);
    if (!m) continue;
    const file = basename(m[1]!);
    out.set(file, [...(out.get(file) ?? []), line]);
  }
  if (r.status !== 0 && out.size === 0) throw new Error(`tsc failed without diagnostics:\n${r.stdout}${r.stderr}`);
  return out;
}

function assertClean(which: 'es2022' | 'esnext', file: string): void {
  const e = errors[which].get(file);
  assert.equal(e, undefined, `${file} (${which}):\n${e?.join('\n')}\n--- ${file}:\n${readFileSync(join(project, file), 'utf8').slice(0, 4000)}`);
}

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'isowasm-types-'));
  for (const { key, file } of components) {
    const path = await writeComponentTypes(file, project);
    written.set(key, path);
    const module = basename(path).replace(/\.d\.ts$/, '');
    if (NO_INSTANCE.has(key)) continue;
    const component = await loadComponent(file);
    const instance = await component.instantiate({ imports: stubImports(component.imports), onCapabilityDenied: () => {} });
    const shape = shapeOf(instance.exports);
    writeFileSync(join(project, `${module}.keys.ts`), keysFile(module, shape));
    const name = key.replace(/^fixtures\//, '');
    if (JCO_COMPARED.includes(name)) {
      cpSync(join(root, 'build/fixtures/conformance', `${name}.jco`), join(project, 'jco', `${name}.jco`), { recursive: true, filter: (f) => !/\.(js|wasm)$/.test(f) });
      writeFileSync(join(project, `${name}.jco.ts`), jcoChecks(name, shape, component.imports));
    }
  }
  for (const [name, text] of Object.entries(USAGE)) writeFileSync(join(project, `${name}.use.ts`), text);
  writeFileSync(join(project, 'hostile-names.wasm.d.ts'), componentTypes(hostileNames(), { name: "hostile*/\n'names.wasm" }));
  writeFileSync(join(project, 'hostile-names.use.ts'), HOSTILE_USE);
  const base = {
    target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: false, types: [],
    paths: { isowasm: [join(root, 'dist/types/index.browser.d.ts')] },
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base, lib: ['ES2022', 'DOM'] }, include: ['*.ts', 'jco/**/*.d.ts'] }));
  writeFileSync(join(project, 'tsconfig.esnext.json'), JSON.stringify({ compilerOptions: { ...base, lib: ['ESNext', 'DOM'] }, include: ['*.ts', 'jco/**/*.d.ts'] }));
  errors.es2022 = runTsc('tsconfig.json');
  errors.esnext = runTsc('tsconfig.esnext.json');
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('isowasm types: declarations of real components', () => {
  it('writeComponentTypes writes <name>.wasm.d.ts into the directory it is given and returns its path', () => {
    assert.equal(written.size, components.length);
    for (const [key, path] of written) {
      assert.equal(path, join(project, `${basename(key)}.wasm.d.ts`));
      assert.ok(existsSync(path), path);
    }
    const text = readFileSync(written.get('records')!, 'utf8');
    assert.match(text, /^export interface Exports \{$/m);
    assert.match(text, /^export interface Imports \{$/m);
  });

  it(`every component's declarations type-check (${components.length} components and fixtures; lib ES2022 + DOM, and ESNext)`, () => {
    for (const path of written.values()) {
      assertClean('es2022', basename(path));
      assertClean('esnext', basename(path));
    }
  });

  it('Exports has exactly the keys of instance.exports: interfaces, functions, resource classes, statics and methods', () => {
    let checked = 0;
    for (const { key } of components) {
      if (NO_INSTANCE.has(key)) continue;
      assertClean('es2022', `${basename(key)}.wasm.keys.ts`);
      checked++;
    }
    assert.ok(checked > 60, `${checked} components compared`);
  });

  for (const name of Object.keys(USAGE)) {
    it(`${name}: an app's calls type-check, and its mistakes do not`, () => {
      assertClean('es2022', `${name}.use.ts`);
      assertClean('esnext', `${name}.use.ts`);
      const expected = (USAGE[name]!.match(/@ts-expect-error/g) ?? []).length;
      assert.ok(expected >= 2, 'each usage file makes mistakes on purpose');
    });
  }

  it('names no toolchain writes (reserved words, repeats, quotes, comment ends, globals) give declarations that type-check and work', () => {
    assertClean('es2022', 'hostile-names.wasm.d.ts');
    assertClean('es2022', 'hostile-names.use.ts');
    const text = readFileSync(join(project, 'hostile-names.wasm.d.ts'), 'utf8');
    assert.doesNotMatch(text, /^export (type|interface|class) (Uint8Array|Array|Symbol)\b/m);
    assert.equal(text.match(/^export (type|interface|class) (Exports|Imports)\b/gm)?.length, 2, 'only the file\'s own Exports and Imports');
    assert.match(text, /prototype\(in_: Exports2, in_2: [^,]+, _: [^,]+, this_: number\)/);
  });

  it('a mistake without @ts-expect-error is reported: the harness sees errors, and the types are not any', () => {
    const file = 'mistake.ts';
    writeFileSync(join(project, file), `import type { Exports } from './numbers.wasm.js';\ndeclare const e: Exports;\nexport const x: string = e['test:numbers/test'].roundtripU8(1);\n`);
    try {
      const found = runTsc('tsconfig.json').get(file) ?? [];
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, /mistake\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    } finally {
      rmSync(join(project, file));
    }
  });

  for (const name of JCO_COMPARED) {
    it(`${name}: each exported and imported function mutually assignable with jco's declarations (but the listed differences)`, () => {
      assertClean('es2022', `${name}.jco.ts`);
      const text = readFileSync(join(project, `${name}.jco.ts`), 'utf8');
      assert.ok((text.match(/^same</gm) ?? []).length >= 2, text);
    });
  }
});
