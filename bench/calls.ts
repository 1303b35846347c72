/**
 * Cases 1–3: the cost of calling an export from JS, isowasm beside jco's bindings of the same
 * component in the same process: `add(u32, u32)` (conformance adder), `echo(string)` with 11
 * characters, and a 10,000-character string there and back (ASCII, and mostly multi-byte).
 */
import { readFileSync } from 'node:fs';
import { loadComponent } from '../src/core/index.js';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { host, importJco, root, type Row } from './_common.js';
import { measureSync } from './_measure.js';

type Fn<A extends unknown[], R> = (...a: A) => R;

async function bothAdders(): Promise<{ isowasm: Fn<[number, number], number>; jco: Fn<[number, number], number> }> {
  const component = await loadComponent(readFileSync(conformancePath('components/adder.wasm')));
  const ours = (await component.instantiate({ imports: host() })).exports['docs:adder/add@0.1.0'] as { add: Fn<[number, number], number> };
  const ref = (await (await importJco('conformance/adder'))((p) => WebAssembly.compile(readFileSync(`${root}build/fixtures/conformance/adder.jco/${p}`)), host()))['docs:adder/add@0.1.0'] as { add: Fn<[number, number], number> };
  return { isowasm: ours.add, jco: ref.add };
}

async function bothEchoes(): Promise<{ isowasm: Fn<[string], string>; jco: Fn<[string], string> }> {
  const component = await loadComponent(readFileSync(`${root}build/fixtures/bench-echo.wasm`));
  const ours = (await component.instantiate({ imports: host() })).exports as { echo: Fn<[string], string> };
  const ref = (await (await importJco('bench-echo'))((p) => WebAssembly.compile(readFileSync(`${root}build/fixtures/bench-echo.jco/${p}`)), host())) as { echo: Fn<[string], string> };
  return { isowasm: ours.echo, jco: ref.echo };
}

function check(what: string, got: unknown, want: unknown): void {
  if (got !== want) throw new Error(`${what}: expected ${String(want).slice(0, 40)}, got ${String(got).slice(0, 40)}`);
}

/** 10,000 UTF-16 code units of mostly non-ASCII text (2-, 3- and 4-byte UTF-8), no split pair. */
export function multiByte(units: number): string {
  const pattern = 'héllo wörld, ĉu vi? 日本語のテキスト — ✓ 😀 Ελληνικά ';
  let s = '';
  while (s.length < units) s += pattern;
  s = s.slice(0, units);
  if (/[\uD800-\uDBFF]$/.test(s)) s = `${s.slice(0, -1)}é`;
  return s;
}

export async function callCases(): Promise<Row[]> {
  const rows: Row[] = [];

  const add = await bothAdders();
  check('isowasm add', add.isowasm(1, 2), 3);
  check('jco add', add.jco(1, 2), 3);
  let i = 0;
  const a = await measureSync({
    isowasm: () => add.isowasm(i++ & 0xffff, 7),
    jco: () => add.jco(i++ & 0xffff, 7),
  });
  rows.push({ name: 'call add(u32,u32)', isowasm: a.isowasm!, jco: a.jco!, target: '≤ 80 ns', targetNs: 80 });

  const echo = await bothEchoes();
  const cases: [string, string, string, number][] = [
    ['echo(string), 11 chars', 'hello world', '≤ 0.5 µs', 500],
    ['string round trip, 10,000 ASCII', 'abcdefghij'.repeat(1000), '≤ 15 µs', 15_000],
    ['string round trip, 10,000 multi-byte', multiByte(10_000), '≤ 15 µs', 15_000],
  ];
  for (const [name, s, target, targetNs] of cases) {
    check(`isowasm ${name}`, echo.isowasm(s), s);
    check(`jco ${name}`, echo.jco(s), s);
    const m = await measureSync({ isowasm: () => echo.isowasm(s), jco: () => echo.jco(s) });
    rows.push({ name, isowasm: m.isowasm!, jco: m.jco!, target, targetNs });
  }
  return rows;
}
