/**
 * Generators of tiny component binaries that ask a loader for exponential or unbounded work (the
 * loader blowups of issue 14): instantiation trees that double at every level, value types that
 * share one part many times (a DAG whose expansion is exponential), and types nested far deeper
 * than any toolchain writes. Each is a few hundred bytes to a few KB.
 */
import {
  SECTION, SORT, VAL, aliasCoreExport, aliasExport, aliasOuter, answerModule, canonLift, component, coreInstantiate,
  exportItem, externName, funcType, name, section, sleb, u32, vec, type Bytes,
} from './_binary-builder.js';

/** `instance ::= 0x00 c:<componentidx> args:vec(...)` with no arguments. */
function instantiate(c: number): number[] {
  return [0x00, ...u32(c), 0x00];
}

/** A value type reference to type index `i` (an s33, so indices >= 64 take two bytes). */
export function typeRef(i: number): number[] {
  return sleb(i);
}

/** The leaf of the instantiation trees: a component that instantiates a core module `core` times. */
export function leafComponent(core = 1): Uint8Array {
  return component(
    section(SECTION.coreModule, [...answerModule()]),
    section(SECTION.coreInstance, vec(Array.from({ length: core }, () => coreInstantiate(0)))),
  );
}

/**
 * Components nested `levels` deep, each instantiating the one inside it `fanout` times:
 * instantiating the outermost makes fanout^levels instances (2^40 for the defaults, in ~900 bytes).
 *
 * ```wat
 * (component $c40 (component $c39 ... (component $c0 (core module ...) (core instance ...)) ...)
 *   (instance (instantiate $c39)) (instance (instantiate $c39)))
 * ```
 */
export function nestedDoubling(levels = 40, fanout = 2, core = 1): Uint8Array {
  let c = leafComponent(core);
  for (let i = 0; i < levels; i++) {
    c = component(section(SECTION.component, [...c]), section(SECTION.instance, vec(Array.from({ length: fanout }, () => instantiate(0)))));
  }
  return c;
}

/**
 * The same tree without nesting (so no nesting limit stops it): sibling components, each of
 * which aliases the previous one from the enclosing component (`alias outer 1 i (component)`) and
 * instantiates it twice; the root instantiates the last.
 */
export function outerAliasDoubling(levels = 60, core = 1): Uint8Array {
  const siblings: number[][] = [section(SECTION.component, [...leafComponent(core)])];
  for (let i = 1; i <= levels; i++) {
    const c = component(
      section(SECTION.alias, vec([aliasOuter(SORT.component, 1, i - 1)])),
      section(SECTION.instance, vec([instantiate(0), instantiate(0)])),
    );
    siblings.push(section(SECTION.component, [...c]));
  }
  return component(...siblings, section(SECTION.instance, vec([instantiate(levels)])));
}

/**
 * Types that share their parts: `t0 = tuple<u8, u8>`, `t(i) = tuple<t(i-1), t(i-1)>`, so the
 * last one spelled out has 2^(levels+1) - 1 nodes. The component imports a function `f` taking
 * it and (with `exportType`) exports it as `t`, so describing it (`component.imports`/`exports`)
 * walks it.
 */
export function tupleDag(levels = 40, exportType = true): Uint8Array {
  const types = [...tupleDagTypes(levels), funcType([['x', typeRef(levels)]], null)];
  return component(
    section(SECTION.type, vec(types)),
    section(SECTION.import, vec([[...externName('f'), 0x01, ...u32(levels + 1)]])),
    ...(exportType ? [section(SECTION.export, vec([exportItem('t', SORT.type, levels)]))] : []),
  );
}

/** `t0 = option<u8>`, `t(i) = option<t(i-1)>`, `depth` levels in all; the last is exported. */
export function deepOption(depth = 100_000): Uint8Array {
  return component(
    section(SECTION.type, vec(deepOptionTypes(depth))),
    section(SECTION.export, vec([exportItem('t', SORT.type, depth - 1)])),
  );
}

/**
 * A lifted function whose parameter has the type `types[types.length - 1]` (given as type
 * definitions), exported as `f`: instantiating it compiles the parameter's Canonical ABI codec.
 * The core function is `answerModule`'s `() -> i32`, so a valid type would be refused as a
 * signature mismatch, after the codec was built.
 */
export function liftedWithParam(types: readonly Bytes[]): Uint8Array {
  const last = types.length - 1;
  return component(
    section(SECTION.coreModule, [...answerModule()]),
    section(SECTION.coreInstance, vec([coreInstantiate(0)])),
    section(SECTION.type, vec([...types, funcType([['x', typeRef(last)]], VAL.u32)])),
    section(SECTION.alias, vec([aliasCoreExport(SORT.coreFunc, 0, 'f')])),
    section(SECTION.canon, vec([canonLift(0, types.length)])),
    section(SECTION.export, vec([exportItem('f', SORT.func, 0)])),
  );
}

/** `tupleDag`'s type definitions alone (`levels + 1` of them), the first at type index `first`. */
export function tupleDagTypes(levels: number, first = 0): Bytes[] {
  const types: Bytes[] = [[0x6f, ...vec([[VAL.u8], [VAL.u8]])]];
  for (let i = 1; i <= levels; i++) types.push([0x6f, ...vec([typeRef(first + i - 1), typeRef(first + i - 1)])]);
  return types;
}

/** `deepOption`'s type definitions alone, the first at type index `first`. */
export function deepOptionTypes(depth: number, first = 0): Bytes[] {
  const types: Bytes[] = [[0x6b, VAL.u8]];
  for (let i = 1; i < depth; i++) types.push([0x6b, ...typeRef(first + i - 1)]);
  return types;
}

/**
 * No instantiation at all: `i0` is an instance of no exports, `i(k)` exports `i(k-1)` twice (as
 * `a` and `b`), and the component exports the last one, so spelling out its exports (a
 * description, or the JS objects of an instance's exports) walks 2^levels paths.
 */
export function instanceExportDag(levels = 40): Uint8Array {
  const instances: Bytes[] = [[0x01, 0x00]];
  for (let i = 1; i <= levels; i++) {
    instances.push([0x01, ...vec([[...externName('a'), ...SORT.instance, ...u32(i - 1)], [...externName('b'), ...SORT.instance, ...u32(i - 1)]])]);
  }
  return component(section(SECTION.instance, vec(instances)), section(SECTION.export, vec([exportItem('i', SORT.instance, levels)])));
}

/** Instances nested `depth` deep by their exports: `i(k)` exports `i(k-1)` as `a`; the last is exported. */
export function deepInstanceExports(depth = 50_000): Uint8Array {
  const instances: Bytes[] = [[0x01, 0x00]];
  for (let i = 1; i < depth; i++) instances.push([0x01, ...vec([[...externName('a'), ...SORT.instance, ...u32(i - 1)]])]);
  return component(section(SECTION.instance, vec(instances)), section(SECTION.export, vec([exportItem('i', SORT.instance, depth - 1)])));
}

/**
 * The doubling tree hidden from the parser: component `d` imports a component `c` and exports
 * `e`, which aliases `c` from `d` and instantiates it twice. The root instantiates `d` with the
 * leaf, then again with the `e` that made, `levels` times, and instantiates the last `e`: only
 * linking finds out that it makes 2^levels instances.
 */
export function importedDoubling(levels = 40): Uint8Array {
  const e = component(
    section(SECTION.alias, vec([aliasOuter(SORT.component, 1, 0)])),
    section(SECTION.instance, vec([instantiate(0), instantiate(0)])),
  );
  const d = component(
    section(SECTION.type, vec([[0x41, 0x00]])), // (component) with no declarations
    section(SECTION.import, vec([[...externName('c'), 0x04, 0x00]])), // (import "c" (component (type 0)))
    section(SECTION.component, [...e]),
    section(SECTION.export, vec([exportItem('e', SORT.component, 1)])),
  );
  const parts: number[][] = [section(SECTION.component, [...leafComponent()]), section(SECTION.component, [...d])];
  // components: 0 the leaf, 1 `d`, then each `e` as it is aliased (2, 3, ...)
  for (let k = 0; k < levels; k++) {
    const arg = k === 0 ? 0 : k + 1;
    parts.push(section(SECTION.instance, vec([[0x00, 0x01, ...vec([[...name('c'), ...SORT.component, ...u32(arg)]])]])));
    parts.push(section(SECTION.alias, vec([aliasExport(SORT.component, k, 'e')])));
  }
  parts.push(section(SECTION.instance, vec([instantiate(levels + 1)])));
  return component(...parts);
}

/**
 * One instantiation per level, but its instance exported twice: `c(k)` instantiates `c(k-1)` once
 * and exports `{ a: it, b: it }`, so the exports of `c(levels)` spell out 2^levels paths.
 */
export function nestedExportDoubling(levels = 40): Uint8Array {
  let c = component();
  for (let i = 0; i < levels; i++) {
    const twice = [0x01, ...vec([[...externName('a'), ...SORT.instance, 0x00], [...externName('b'), ...SORT.instance, 0x00]])];
    c = component(
      section(SECTION.component, [...c]),
      section(SECTION.instance, vec([instantiate(0), twice])),
      section(SECTION.export, vec([exportItem('x', SORT.instance, 1)])),
    );
  }
  return c;
}

/**
 * A type the parser can't see whole: a nested component exports `types`' last type, and the root
 * aliases it and wraps it in `tuple<t, t>` `wraps` times, then exports the result as `u`.
 */
export function typeThroughExports(types: readonly Bytes[], wraps = 1): Uint8Array {
  const inner = component(
    section(SECTION.type, vec(types)),
    section(SECTION.export, vec([exportItem('t', SORT.type, types.length - 1)])),
  );
  const outer: Bytes[] = [];
  for (let i = 0; i < wraps; i++) outer.push([0x6f, ...vec([typeRef(i), typeRef(i)])]);
  return component(
    section(SECTION.component, [...inner]),
    section(SECTION.instance, vec([instantiate(0)])),
    section(SECTION.alias, vec([aliasExport(SORT.type, 0, 't')])),
    section(SECTION.type, vec(outer)),
    section(SECTION.export, vec([exportItem('u', SORT.type, wraps)])),
  );
}

/**
 * Core instances that re-export the one before: `ci(k)` exports `f` as the alias of `ci(k-1)`'s
 * `f`, `length` times, and a lifted function calls the last one. Linking resolves that chain
 * one level inside the next.
 */
export function coreExportChain(length = 5000): Uint8Array {
  const instances: Bytes[] = [coreInstantiate(0)];
  const aliases: Bytes[] = [aliasCoreExport(SORT.coreFunc, 0, 'f')];
  for (let k = 1; k <= length; k++) {
    instances.push([0x01, ...vec([[...name('f'), 0x00, ...u32(k - 1)]])]);
    aliases.push(aliasCoreExport(SORT.coreFunc, k, 'f'));
  }
  // interleaved: instance k needs core func k-1, which aliases instance k-1
  const sections: number[][] = [];
  for (let k = 0; k <= length; k++) {
    sections.push(section(SECTION.coreInstance, vec([instances[k]!])), section(SECTION.alias, vec([aliases[k]!])));
  }
  return component(
    section(SECTION.coreModule, [...answerModule()]),
    ...sections,
    section(SECTION.type, vec([funcType([], VAL.u32)])),
    section(SECTION.canon, vec([canonLift(length, 0)])),
    section(SECTION.export, vec([exportItem('answer', SORT.func, 0)])),
  );
}

/**
 * `depth` value types, each wrapping the previous in the next of option, record, variant, tuple,
 * list and result in turn (the first wraps u8), the first at type index `first`: every codec and
 * walker recurses through each kind.
 */
export function mixedChainTypes(depth: number, first = 0): Bytes[] {
  const types: Bytes[] = [];
  for (let i = 0; i < depth; i++) {
    const p = i === 0 ? [VAL.u8] : typeRef(first + i - 1);
    types.push([
      [0x6b, ...p],
      [0x72, ...vec([[...name('a'), ...p], [...name('b'), VAL.u32]])],
      [0x71, ...vec([[...name('a'), 0x01, ...p, 0x00], [...name('b'), 0x00, 0x00]])],
      [0x6f, ...vec([p, [VAL.string]])],
      [0x70, ...p],
      [0x6a, 0x01, ...p, 0x00],
    ][i % 6]!);
  }
  return types;
}
