/**
 * WIT-like descriptions of a component's imports and exports (`component.imports`,
 * `component.exports`, `isowasm inspect`).
 */
import { type FuncType, nameResource, ResourceType, type ValType, witFuncText, witText } from '../abi/types.js';
import type { ComponentModel, Sort } from '../binary/model.js';
import { IsowasmError } from '../errors.js';
import { type Budget, checkExportTree, countInstance, nested, newBudget } from './bounds.js';
import { type DeclType, type RuntimeType, TypeEnv } from './type-env.js';

/** One import or export of a component, described for people and tools. */
export interface ItemDescription {
  /** the name as written in the binary, e.g. `wasi:cli/stdout@0.2.0` or `add` */
  readonly name: string;
  readonly kind: 'func' | 'instance' | 'type' | 'component' | 'core-module' | 'value';
  /** for functions: WIT-like text such as `func(a: u32, b: u32) -> u32`; for types: `resource` or the type */
  readonly signature?: string;
  /** for instances: their members in order */
  readonly members?: readonly ItemDescription[];
}

/** An import or export of a component with its types resolved, without instantiating anything. */
export type DItem =
  | { sort: 'func'; type: FuncType }
  | { sort: 'instance'; exports: Map<string, DItem> }
  | { sort: 'type'; type: RuntimeType }
  | { sort: 'component'; model: ComponentModel; outer: Describer }
  | { sort: 'core-module' }
  | { sort: 'value' };

/** Resolves the types of a component's imports and exports without instantiating anything. */
class Describer {
  readonly env: TypeEnv;
  private readonly instances = new Map<number, Map<string, DItem>>();
  private rootImports: Map<string, DItem> | null = null;

  constructor(
    readonly model: ComponentModel,
    private readonly args: Map<string, DItem> | null,
    readonly outer: Describer | null,
    private readonly budget: Budget = newBudget(model.limits),
    private readonly nesting = 0,
    shared = true,
    private readonly ascribe: DescribeOptions['ascribe'] = undefined,
  ) {
    this.env = new TypeEnv(model, outer?.env ?? null, (e) => {
      switch (e.kind) {
        case 'resource': return new ResourceType('guest', 'resource');
        case 'abstract': {
          const a = this.args?.get(e.name);
          if (a?.sort === 'type') return a.type;
          return new ResourceType('host', e.name);
        }
        case 'alias-export': {
          const item = this.instance(e.instance).get(e.name);
          if (item?.sort !== 'type') throw new IsowasmError('INVALID_BINARY', `instance ${e.instance} exports no type "${e.name}"`);
          if (item.type instanceof ResourceType) nameResource(item.type, e.name);
          return item.type;
        }
      }
    }, shared);
  }

  imports(): Map<string, DItem> {
    if (this.rootImports) return this.rootImports;
    const out = new Map<string, DItem>();
    this.rootImports = out;
    for (const imp of this.model.imports) {
      const t = imp.type;
      switch (t.sort) {
        case 'func': out.set(imp.name, { sort: 'func', type: this.env.func(t.type) }); break;
        case 'instance': out.set(imp.name, { sort: 'instance', exports: declItems(this.env.decl(t.type, 'instance')) }); break;
        case 'type': out.set(imp.name, { sort: 'type', type: this.env.get(imp.index) }); break;
        case 'component': out.set(imp.name, { sort: 'component', model: this.model, outer: this }); break;
        case 'core-module': out.set(imp.name, { sort: 'core-module' }); break;
        case 'value': out.set(imp.name, { sort: 'value' }); break;
      }
    }
    return out;
  }

  exports(): Map<string, DItem> {
    const out = new Map<string, DItem>();
    for (const e of this.model.exports) {
      let item = this.item(e.sort, e.index);
      if (item.sort === 'type' && item.type instanceof ResourceType) nameResource(item.type, e.name);
      // wit-component ascribes each exported function a type made of the types exported beside it
      // (`(export "f" (func 0) (func (type 67)))`), while the function's own type is its import's:
      // with types unshared, only the ascription names them
      if (this.ascribe && item.sort === 'func' && e.type?.sort === 'func') {
        const ascribed = this.env.func(e.type.type);
        if (this.ascribe(ascribed, item.type)) item = { sort: 'func', type: ascribed };
      }
      out.set(e.name, item);
    }
    return out;
  }

  private item(sort: Sort, i: number): DItem {
    if (typeof sort === 'object') return { sort: 'core-module' };
    switch (sort) {
      case 'func': return { sort: 'func', type: this.func(i) };
      case 'instance': return { sort: 'instance', exports: this.instance(i) };
      case 'type': return { sort: 'type', type: this.env.get(i) };
      case 'component': return this.component(i);
      case 'value': return { sort: 'value' };
    }
  }

  private arg(name: string): DItem {
    const a = this.args ? this.args.get(name) : this.imports().get(name);
    if (!a) throw new IsowasmError('INVALID_BINARY', `import "${name}" is not supplied`);
    return a;
  }

  private func(i: number): FuncType {
    return nested(() => this.resolveFunc(i));
  }

  private resolveFunc(i: number): FuncType {
    const e = this.model.funcs[i]!;
    switch (e.kind) {
      case 'lift': return this.env.func(e.type);
      case 'ref': return this.func(e.index);
      case 'import': {
        const a = this.arg(e.name);
        if (a.sort !== 'func') throw new IsowasmError('INVALID_BINARY', `import "${e.name}" is not a function`);
        return a.type;
      }
      case 'alias-export': {
        const a = this.instance(e.instance).get(e.name);
        if (a?.sort !== 'func') throw new IsowasmError('INVALID_BINARY', `instance ${e.instance} exports no function "${e.name}"`);
        return a.type;
      }
    }
  }

  private instance(i: number): Map<string, DItem> {
    return this.instances.get(i) ?? nested(() => this.resolveInstance(i));
  }

  private resolveInstance(i: number): Map<string, DItem> {
    const e = this.model.instances[i]!;
    let out: Map<string, DItem>;
    switch (e.kind) {
      case 'import': {
        const a = this.arg(e.name);
        if (a.sort !== 'instance') throw new IsowasmError('INVALID_BINARY', `import "${e.name}" is not an instance`);
        out = a.exports;
        break;
      }
      case 'alias-export': {
        const a = this.instance(e.instance).get(e.name);
        if (a?.sort !== 'instance') throw new IsowasmError('INVALID_BINARY', `instance ${e.instance} exports no instance "${e.name}"`);
        out = a.exports;
        break;
      }
      case 'ref': out = this.instance(e.index); break;
      case 'exports': {
        out = new Map();
        for (const x of e.items) out.set(x.name, this.item(x.sort, x.index));
        break;
      }
      case 'instantiate': {
        // describing an instance describes (not makes) what instantiating it would make: same bounds
        countInstance(this.budget, this.nesting + 1);
        const c = this.component(e.component);
        if (c.sort !== 'component') throw new IsowasmError('INVALID_BINARY', `component ${e.component} is not a component`);
        const args = new Map<string, DItem>();
        for (const a of e.args) args.set(a.name, this.item(a.sort, a.index));
        out = new Describer(c.model, args, c.outer, this.budget, this.nesting + 1, true, this.ascribe).exports();
        break;
      }
    }
    this.instances.set(i, out);
    return out;
  }

  private component(i: number): DItem {
    return nested(() => this.resolveComponent(i));
  }

  private resolveComponent(i: number): DItem {
    const e = this.model.components[i]!;
    switch (e.kind) {
      case 'defined': return { sort: 'component', model: e.model, outer: this };
      case 'ref': return this.component(e.index);
      case 'outer': {
        let o: Describer | null = this.outer;
        while (o && o.model !== e.model) o = o.outer;
        if (!o) throw new IsowasmError('INVALID_BINARY', 'an outer alias reaches a component that does not enclose it');
        return o.component(e.index);
      }
      case 'import': return this.arg(e.name);
      case 'alias-export': {
        const a = this.instance(e.instance).get(e.name);
        if (!a) throw new IsowasmError('INVALID_BINARY', `instance ${e.instance} exports no "${e.name}"`);
        return a;
      }
    }
  }
}

function declItems(d: DeclType): Map<string, DItem> {
  const env = new TypeEnv(d.decl, d.env, (e) => {
    if (e.kind === 'abstract') return new ResourceType('host', e.name);
    throw new IsowasmError('UNSUPPORTED', 'unsupported declaration in an instance type');
  });
  const out = new Map<string, DItem>();
  const typeIndexOf = new Map<string, number>();
  d.decl.types.forEach((e, i) => { if (e.kind === 'abstract') typeIndexOf.set(e.name, i); });
  for (const x of d.decl.exports) {
    switch (x.type.sort) {
      case 'func': out.set(x.name, { sort: 'func', type: env.func(x.type.type) }); break;
      case 'type': out.set(x.name, { sort: 'type', type: env.get(typeIndexOf.get(x.name)!) }); break;
      case 'instance': out.set(x.name, { sort: 'instance', exports: declItems(env.decl(x.type.type, 'instance')) }); break;
      default: out.set(x.name, { sort: x.type.sort === 'core-module' ? 'core-module' : x.type.sort === 'value' ? 'value' : 'core-module' } as DItem);
    }
  }
  return out;
}

const PRIMITIVE = new Set(['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string']);

/** WIT names of the types seen in imports and exports, so signatures can say `error-code`. */
type Names = Map<object, string>;

function collectNames(items: Map<string, DItem>, names: Names, seen: Set<object>): void {
  // an instance exported under several names is visited once
  if (seen.has(items)) return;
  seen.add(items);
  for (const [n, item] of items) {
    // primitives are shared objects: an alias such as `type filesize = u64` must not rename every u64
    const t = item.sort === 'type' ? item.type : null;
    if (t && !(t instanceof ResourceType) && !PRIMITIVE.has(t.kind) && !names.has(t)) names.set(t, n);
    if (item.sort === 'instance') collectNames(item.exports, names, seen);
  }
}

/**
 * The longest signature text (ten times the longest in our corpus, a 100-case enum): types are
 * named where WIT names them, and a hostile anonymous type ends in `…` here instead of spelling
 * out an exponential tree.
 */
const MAX_SIGNATURE = 16_384;

/** Members of each instance, described once: an instance exported under several names shares them. */
type Described = Map<object, ItemDescription[]>;

function describeItem(name: string, item: DItem, names: Names, done: Described): ItemDescription {
  switch (item.sort) {
    case 'func': return { name, kind: 'func', signature: witFuncText(item.type, { names, max: MAX_SIGNATURE }) };
    case 'instance': {
      let members = done.get(item.exports);
      if (!members) {
        members = [...item.exports].map(([n, i]) => describeItem(n, i, names, done));
        done.set(item.exports, members);
      }
      return { name, kind: 'instance', members };
    }
    case 'type': {
      const t = item.type;
      if (t instanceof ResourceType) return { name, kind: 'type', signature: 'resource' };
      const text = t.kind !== 'func' && t.kind !== 'instance-type' && t.kind !== 'component-type' ? witText(t as ValType, { names, spellOut: true, max: MAX_SIGNATURE }) : 'type';
      return { name, kind: 'type', signature: text };
    }
    default: return { name, kind: item.sort };
  }
}

/** Options of `describeItems`. */
export interface DescribeOptions {
  /** false: each type definition stays its own object (see `TypeEnv.shared`), so types keep their names */
  readonly shared?: boolean;
  /**
   * Whether an exported function takes the type its export ascribes instead of its own (called
   * with both; say yes only when they give JS values of the same shape).
   */
  readonly ascribe?: (ascribed: FuncType, actual: FuncType) => boolean;
}

/**
 * The imports and exports of a parsed component with their types resolved, within the limits it
 * was parsed with. `shared: false` keeps each type definition its own object (see
 * `TypeEnv.shared`) and `ascribe` takes the types exports ascribe: for descriptions that name
 * every type as the component does.
 *
 * @example
 * ```ts
 * const { exports } = describeItems(parseComponent(bytes));
 * for (const [name, item] of exports) console.log(name, item.sort);
 * ```
 */
export function describeItems(model: ComponentModel, options: DescribeOptions = {}): { imports: Map<string, DItem>; exports: Map<string, DItem> } {
  const d = new Describer(model, null, null, newBudget(model.limits), 0, options.shared ?? true, options.ascribe);
  const imports = d.imports();
  const exports = d.exports();
  checkExportTree(imports, model.limits, "the component's import tree");
  checkExportTree(exports, model.limits, "the component's export tree");
  return { imports, exports };
}

/** Describes the imports and exports of a parsed component, within the limits it was parsed with. */
export function describeComponent(model: ComponentModel): { imports: ItemDescription[]; exports: ItemDescription[] } {
  const { imports: importItems, exports: exportItems } = describeItems(model);
  const names: Names = new Map();
  collectNames(importItems, names, new Set());
  collectNames(exportItems, names, new Set());
  const done: Described = new Map();
  const imports = [...importItems].map(([n, i]) => describeItem(n, i, names, done));
  const exports = [...exportItems].map(([n, i]) => describeItem(n, i, names, done));
  return { imports, exports };
}
