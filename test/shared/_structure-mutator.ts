/**
 * A structure-aware mutator for the fuzz suite: it edits a component as a tree of sections
 * (nested components included) instead of as bytes. It duplicates sections, nests the component
 * in components that instantiate it several times, grows chains of types, instances and sibling
 * components that use the previous link once or twice, and moves runs of sections into a new
 * nested component. Byte flips almost never produce the loader blowups of issue 14 (exponential
 * instantiation trees, types and export trees that share their parts, nesting far beyond the
 * stack); these mutations produce them in one step, and valid ones often enough to reach the
 * linker.
 */
import type { ComponentModel } from '../../src/core/index.js';
import {
  COMPONENT_PREAMBLE, SECTION, SORT, VAL, aliasOuter, answerModule, component, coreInstantiate, exportItem, externName,
  funcType, name, section, sleb, u32, vec, type Bytes,
} from './_binary-builder.js';

/** A component as its sections; nested components (section 4) are parsed too. */
export interface Tree {
  sections: Node[];
}

export interface Node {
  id: number;
  body: Uint8Array;
  nested: Tree | null;
}

/** Index space sizes of a component, where the parser could tell them. */
interface Counts {
  types: number;
  instances: number;
  components: number;
}

/** Parses the section structure of a component (null when it is not well-formed). */
export function parseTree(b: Uint8Array, depth = 0): Tree | null {
  if (depth > 80 || b.length < 8) return null;
  for (let i = 0; i < 8; i++) if (b[i] !== COMPONENT_PREAMBLE[i]) return null;
  const sections: Node[] = [];
  let pos = 8;
  while (pos < b.length) {
    const id = b[pos++]!;
    let size = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (pos >= b.length || i > 4) return null;
      const x = b[pos++]!;
      size += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if ((x & 0x80) === 0) break;
    }
    if (pos + size > b.length) return null;
    const body = b.subarray(pos, pos + size);
    pos += size;
    let nested: Tree | null = null;
    if (id === SECTION.component) {
      nested = parseTree(body, depth + 1);
      if (!nested) return null;
    }
    sections.push({ id, body, nested });
  }
  return { sections };
}

/** The bytes of a tree: preamble, then each section with its (new) size. */
export function serialize(t: Tree): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from(COMPONENT_PREAMBLE)];
  for (const s of t.sections) {
    const body = s.nested ? serialize(s.nested) : s.body;
    parts.push(Uint8Array.from([s.id, ...u32(body.length)]), body);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function raw(id: number, body: Bytes): Node {
  return { id, body: Uint8Array.from(body), nested: null };
}

function nestedNode(t: Tree): Node {
  return { id: SECTION.component, body: new Uint8Array(0), nested: t };
}

/** Every component of the tree (the root first), with its index counts where the model gives them. */
function components(t: Tree, model: ComponentModel | null): { tree: Tree; counts: Counts | null }[] {
  const out: { tree: Tree; counts: Counts | null }[] = [];
  const walk = (tree: Tree, m: ComponentModel | null): void => {
    out.push({ tree, counts: m ? { types: m.types.length, instances: m.instances.length, components: m.components.length } : null });
    // nested definitions are the model's 'defined' components, in section order
    const defined = m ? m.components.filter((c) => c.kind === 'defined') : [];
    let k = 0;
    for (const s of tree.sections) {
      if (!s.nested) continue;
      const d = defined[k++];
      walk(s.nested, d?.kind === 'defined' ? d.model : null);
    }
  };
  walk(t, model);
  return out;
}

/** `instance ::= 0x00 c args` with no arguments. */
function instantiate(c: number): number[] {
  return [0x00, ...u32(c), 0x00];
}

/** A chain length: usually short, sometimes far beyond any limit. */
function chainLength(rng: () => number): number {
  const r = rng();
  if (r < 0.5) return 1 + Math.floor(rng() * 8);
  if (r < 0.85) return 8 + Math.floor(rng() * 120);
  return 128 + Math.floor(rng() * 3000);
}

/**
 * Applies one structure-aware mutation to the component `src` (whose parsed model, if it has
 * one, tells how many types, instances and components each level has). Returns null when `src`
 * has no section structure to work on.
 */
export function mutateStructure(src: Uint8Array, model: ComponentModel | null, rng: () => number): { bytes: Uint8Array; what: string } | null {
  const tree = parseTree(src);
  if (!tree) return null;
  const int = (n: number): number => Math.floor(rng() * n);
  const all = components(tree, model);
  const target = all[int(all.length)]!;
  const where = target.tree === tree ? 'the root' : `nested component ${all.indexOf(target)}`;
  const kind = int(6);
  // a new import or export name (from the case's own PRNG, so that a case replays alone)
  const uniq = `fuzz-${int(2 ** 30).toString(36)}`;
  switch (kind) {
    case 0: {
      // duplicate a section, several times
      const secs = target.tree.sections;
      if (!secs.length) break;
      const i = int(secs.length);
      const n = 1 + int(rng() < 0.7 ? 3 : 40);
      secs.splice(i + 1, 0, ...Array.from({ length: n }, () => secs[i]!));
      return { bytes: serialize(tree), what: `duplicate section ${i} (id ${secs[i]!.id}) of ${where} ${n} times` };
    }
    case 1: {
      // nest the whole component in components that each instantiate the one inside `fanout` times
      const levels = 1 + int(rng() < 0.5 ? 4 : 70);
      const fanout = 1 + int(3);
      let t = tree;
      for (let l = 0; l < levels; l++) {
        t = { sections: [nestedNode(t), raw(SECTION.instance, vec(Array.from({ length: fanout }, () => instantiate(0))))] };
      }
      return { bytes: serialize(t), what: `nest in ${levels} levels instantiating ${fanout} times each` };
    }
    case 2: {
      // a chain of value types, each built from the previous one once or twice, the last exported
      const start = target.counts?.types ?? 0;
      const n = chainLength(rng);
      const first = target.counts && target.counts.types > 0 && rng() < 0.3 ? sleb(int(target.counts.types)) : [VAL.u32];
      const make = int(7);
      const types: Bytes[] = [];
      for (let i = 0; i < n; i++) {
        const p = i === 0 ? first : sleb(start + i - 1);
        types.push([
          [0x6b, ...p], // option<p>
          [0x70, ...p], // list<p>
          [0x6f, ...vec([p, p])], // tuple<p, p>
          [0x72, ...vec([[...name('a'), ...p], [...name('b'), ...p]])], // record { a: p, b: p }
          [0x71, ...vec([[...name('a'), 0x01, ...p, 0x00], [...name('b'), 0x01, ...p, 0x00]])], // variant { a(p), b(p) }
          [0x6a, 0x01, ...p, 0x01, ...p], // result<p, p>
          [0x67, ...p, ...u32(3)], // list<p, 3>
        ][make]!);
      }
      const last = start + n - 1;
      const secs = target.tree.sections;
      secs.push(raw(SECTION.type, vec(types)));
      if (target.counts && rng() < 0.5) {
        // and a function import taking it, so describing and linking lower it
        secs.push(raw(SECTION.type, vec([funcType([['x', sleb(last)]], null)])));
        secs.push(raw(SECTION.import, vec([[...externName(uniq), 0x01, ...u32(last + 1)]])));
      } else {
        secs.push(raw(SECTION.export, vec([exportItem(uniq, SORT.type, last)])));
      }
      return { bytes: serialize(tree), what: `chain of ${n} types (constructor ${make}) in ${where}` };
    }
    case 3: {
      // a chain of instances, each exporting the previous once or twice, the last exported
      const start = target.counts?.instances ?? 0;
      const n = chainLength(rng);
      const twice = rng() < 0.5;
      const instances: Bytes[] = [target.counts && target.counts.instances > 0 && rng() < 0.3
        ? [0x01, ...vec([[...externName('a'), ...SORT.instance, ...u32(int(target.counts.instances))]])]
        : [0x01, 0x00]];
      for (let i = 1; i < n; i++) {
        const p = u32(start + i - 1);
        const items = [[...externName('a'), ...SORT.instance, ...p]];
        if (twice) items.push([...externName('b'), ...SORT.instance, ...p]);
        instances.push([0x01, ...vec(items)]);
      }
      target.tree.sections.push(raw(SECTION.instance, vec(instances)), raw(SECTION.export, vec([exportItem(uniq, SORT.instance, start + n - 1)])));
      return { bytes: serialize(tree), what: `chain of ${n} instances exporting the previous ${twice ? 'twice' : 'once'} in ${where}` };
    }
    case 4: {
      // sibling components, each aliasing the previous from the enclosing one and instantiating
      // it `fanout` times; the last is instantiated once
      const comps = target.counts?.components ?? 0;
      const n = chainLength(rng);
      const fanout = 1 + int(3);
      const secs = target.tree.sections;
      let prev: number;
      let next = comps;
      if (comps > 0 && rng() < 0.5) prev = int(comps);
      else {
        secs.push(nestedNode(parseTree(component(section(SECTION.coreModule, [...answerModule()]), section(SECTION.coreInstance, vec([coreInstantiate(0)]))))!));
        prev = next++;
      }
      for (let i = 0; i < n; i++) {
        const c = component(
          section(SECTION.alias, vec([aliasOuter(SORT.component, 1, prev)])),
          section(SECTION.instance, vec(Array.from({ length: fanout }, () => instantiate(0)))),
        );
        secs.push(nestedNode(parseTree(c)!));
        prev = next++;
      }
      secs.push(raw(SECTION.instance, vec([instantiate(prev)])));
      return { bytes: serialize(tree), what: `${n} sibling components instantiating the previous ${fanout} times in ${where}` };
    }
    default: {
      // move a run of sections into a new nested component, instantiated once or twice there
      const secs = target.tree.sections;
      if (!secs.length) break;
      const i = int(secs.length);
      const n = 1 + int(Math.min(6, secs.length - i));
      const run = secs.splice(i, n);
      const times = 1 + int(2);
      secs.splice(i, 0, nestedNode({ sections: run }), raw(SECTION.instance, vec(Array.from({ length: times }, () => instantiate(target.counts?.components ?? 0)))));
      return { bytes: serialize(tree), what: `move sections ${i}..${i + n - 1} of ${where} into a nested component instantiated ${times} times` };
    }
  }
  return null;
}
