/**
 * TypeScript declarations for a component (what `isowasm types app.wasm` writes): one `.d.ts`
 * text with an `Exports` interface (the shape of `instance.exports`), an `Imports` interface
 * (what `instantiate({ imports })` must provide) and the component's named types, one namespace
 * per interface, all in isowasm's JS conventions (those of jco's bindings; README "JS values").
 *
 * The shapes follow what the runtime builds: `link/exports.ts` for exports (interfaces under
 * their full name, plus the unversioned and short names where unambiguous; functions camelCase;
 * guest resources as classes), `link/host-imports.ts` for imports (functions camelCase, resource
 * classes PascalCase). Types are named as the component names them: each type definition is
 * resolved as its own object (`TypeEnv.shared` off), so two WIT types of the same shape keep
 * their own names, and a type an interface takes from another (`use`) is an alias of the other's.
 *
 * Bounded for hostile binaries: describing is bounded by the loader limits (`describeItems`),
 * long anonymous types are named once instead of spelled out again (`ts-types.ts`), and the
 * whole text is at most `MAX_DTS_LENGTH` characters.
 */
import { type FuncType, ResourceType, type ValType, camelCase, pascalCase, witFuncText } from '../abi/types.js';
import type { LoaderLimits } from '../binary/limits.js';
import type { ComponentModel } from '../binary/model.js';
import { parseComponent } from '../binary/parse-component.js';
import { IsowasmError } from '../errors.js';
import { type DItem, describeItems } from './describe.js';
import { parseFuncName, shortExportName, splitVersion } from './names.js';
import { sameShape } from './same-shape.js';
import { GLOBAL_NAMES, commentText, paramIdentifier, propertyKey, quote, typeIdentifier, unique } from './ts-names.js';
import { TsTypeWriter } from './ts-types.js';

/** The longest declaration text generated (real components stay in the hundreds of KB). */
export const MAX_DTS_LENGTH = 16 * 1024 * 1024;

/** The longest WIT signature quoted in a comment. */
const MAX_WIT_COMMENT = 400;

/** Options of `componentTypes`. */
export interface ComponentTypesOptions {
  /** the component's file name, for the header comment and the usage example (default `component.wasm`) */
  readonly name?: string;
  /** the loader limits to parse `bytes` with (ignored for a model, which was parsed with its own) */
  readonly limits?: LoaderLimits;
}

type Items = ReadonlyMap<string, DItem>;
type Direction = 'import' | 'export';

/** A place types are declared: an interface's namespace, or the world level (the top of the file). */
interface Scope {
  /** the namespace's identifier (named once all are known); null at the world level */
  id: string | null;
  /** the interface name as the binary writes it (`wasi:io/streams@0.2.0`), or `world` */
  readonly label: string;
  readonly direction: Direction;
  readonly items: Items;
  /** identifiers of the type items, by item name */
  readonly members: Map<string, string>;
  readonly decls: string[];
}

/** How a declaration of a scope is referred to: `Ns.Name`, or at the world level `Name`. */
function ref(scope: Scope, member: string): string {
  return scope.id === null ? member : `${scope.id}.${member}`;
}

/** The indentation of a scope's declarations. */
function indentOf(scope: Scope): string {
  return scope.id === null ? '' : '  ';
}

/** Static names a class can't declare (they are the constructor function's own). */
const FORBIDDEN_STATICS = new Set(['name', 'length', 'caller', 'arguments', 'prototype']);

const PRIMITIVES = new Set(['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string']);

function isValType(t: unknown): t is ValType {
  if (t instanceof ResourceType) return false;
  const k = (t as { kind: string }).kind;
  return k !== 'func' && k !== 'instance-type' && k !== 'component-type';
}

/** Functions of an item set that belong to resources, by resource name. */
interface ResourceFuncs {
  ctor: [string, FuncType] | null;
  methods: [string, FuncType][];
  statics: [string, FuncType][];
}

function resourceFuncs(items: Items): Map<string, ResourceFuncs> {
  const out = new Map<string, ResourceFuncs>();
  for (const [name, item] of items) {
    if (item.sort !== 'func') continue;
    const f = parseFuncName(name);
    if (f.kind === 'plain') continue;
    let r = out.get(f.resource);
    if (!r) out.set(f.resource, (r = { ctor: null, methods: [], statics: [] }));
    if (f.kind === 'constructor') r.ctor ??= [name, item.type];
    else if (f.kind === 'method') r.methods.push([f.member, item.type]);
    else r.statics.push([f.member, item.type]);
  }
  return out;
}

/** Builds the declarations of one component. */
class DtsWriter {
  private readonly scopes: Scope[] = [];
  private readonly scopeOf = new Map<Items, Scope>();
  /** top-level identifiers: namespaces, world-level types, `Exports`, `Imports`, globals used */
  private readonly topLevel = new Set<string>([...GLOBAL_NAMES, 'Exports', 'Imports']);
  /** every identifier declared anywhere, which a name made up later must avoid */
  private readonly all = new Set<string>(this.topLevel);
  /** the declaration of each named type and resource, as referred to from anywhere */
  private readonly owners = new Map<object, string>();
  /** which scope declares each resource, and under which item name */
  private readonly resourceHome = new Map<ResourceType, [Scope, string]>();
  /** WIT names for the signatures quoted in comments */
  private readonly witNames = new Map<object, string>();
  /** declarations made up for anonymous types and unnamed resources */
  private readonly extra: string[] = [];
  private readonly types: TsTypeWriter;
  private length = 0;
  /** the world level of each side: world-level functions and types */
  private readonly worldImports: Scope;
  private readonly worldExports: Scope;

  constructor(private readonly imports: Items, private readonly exports: Items) {
    this.worldImports = { id: null, label: 'world', direction: 'import', items: imports, members: new Map(), decls: [] };
    this.worldExports = { id: null, label: 'world', direction: 'export', items: exports, members: new Map(), decls: [] };
    this.types = new TsTypeWriter({
      named: (t) => (PRIMITIVES.has(t.kind) ? undefined : this.owners.get(t)),
      resource: (rt) => this.resourceRef(rt),
      anonymous: (_t, text) => {
        const id = unique('Anonymous', this.all);
        this.extra.push(`/** A type the component leaves unnamed, too long to spell out where it is used. */\nexport type ${id} = ${text};\n`);
        this.count(text.length);
        return id;
      },
    });
  }

  /** Counts generated text against the bound. */
  private count(n: number): void {
    this.length += n;
    if (this.length > MAX_DTS_LENGTH) {
      throw new IsowasmError('UNSUPPORTED', `the component's TypeScript declarations would be longer than ${MAX_DTS_LENGTH} characters; real components stay far below that, so it is likely hostile`);
    }
  }

  private push(out: string[], s: string): void {
    this.count(s.length);
    out.push(s);
  }

  // ------------------------------------------------------------------------------------------
  // scopes and names

  private collect(items: Items, label: string, direction: Direction, world: boolean): void {
    if (!world) {
      if (this.scopeOf.has(items)) return;
      const scope: Scope = { id: null, label, direction, items, members: new Map(), decls: [] };
      this.scopeOf.set(items, scope);
      this.scopes.push(scope);
    }
    for (const [name, item] of items) {
      if (item.sort === 'instance') this.collect(item.exports, world ? name : `${label}/${name}`, direction, false);
    }
  }

  /** Namespace identifiers: exported interfaces first, so they keep the plain name when an import shares it. */
  private nameNamespaces(): void {
    const exported = new Set(this.scopes.filter((s) => s.direction === 'export').map((s) => splitVersion(s.label)[0]));
    const ordered = [...this.scopes.filter((s) => s.direction === 'export'), ...this.scopes.filter((s) => s.direction === 'import')];
    for (const s of ordered) {
      const [base, version] = splitVersion(s.label);
      let id = typeIdentifier(base.replace(/[:/]/g, '-'));
      if (s.direction === 'import' && exported.has(base)) id += 'Import';
      if (this.topLevel.has(id) && version !== null) id += `_${version.replace(/[^A-Za-z0-9]/g, '_')}`;
      // an interface named `exports` (or `Array`) must not hide what the file declares (or uses)
      if (this.topLevel.has(id)) id += 'Types';
      s.id = unique(id, this.topLevel);
      this.all.add(s.id);
    }
  }

  /**
   * Member identifiers of the type items: per namespace (avoiding the namespaces' own names, so
   * `Ns.Name` means the namespace wherever it is written), then the world-level ones, which are
   * written without a namespace and so must not be hidden by any member.
   */
  private nameMembers(world: Scope[]): void {
    for (const s of this.scopes) {
      const taken = new Set(this.topLevel);
      for (const [name, item] of s.items) if (item.sort === 'type') this.member(s, name, taken);
    }
    // a world-level type that only aliases one an interface declares is never referred to by its
    // world-level name: it needs only a name free at the top level
    const declared = new Set<unknown>();
    for (const s of this.scopes) for (const item of s.items.values()) if (item.sort === 'type') declared.add(item.type);
    for (const s of world) {
      for (const [name, item] of s.items) {
        if (item.sort !== 'type' || s.members.has(name)) continue;
        const t = item.type;
        const referred = !declared.has(t) && (t instanceof ResourceType || (isValType(t) && !PRIMITIVES.has(t.kind)));
        const id = unique(typeIdentifier(name), referred ? this.all : this.topLevel);
        this.topLevel.add(id);
        this.all.add(id);
        s.members.set(name, id);
      }
    }
  }

  private member(s: Scope, name: string, taken: Set<string>): void {
    if (s.members.has(name)) return;
    const id = unique(typeIdentifier(name), taken);
    s.members.set(name, id);
    this.all.add(id);
  }

  /** Which scope declares each type (the first that names it) and which alias it. */
  private own(s: Scope): void {
    for (const [name, item] of s.items) {
      if (item.sort !== 'type') continue;
      const t = item.type;
      const id = s.members.get(name)!;
      if (!(t instanceof ResourceType) && !isValType(t)) continue;
      if (!PRIMITIVES.has(t.kind) && !this.witNames.has(t)) this.witNames.set(t, name);
      const owner = PRIMITIVES.has(t.kind) ? undefined : this.owners.get(t);
      if (owner !== undefined) {
        this.push(s.decls, `${indentOf(s)}export type ${id} = ${owner};\n`);
      } else if (t instanceof ResourceType) {
        this.owners.set(t, ref(s, id));
        this.resourceHome.set(t, [s, name]);
      } else if (PRIMITIVES.has(t.kind)) {
        this.push(s.decls, `${indentOf(s)}export type ${id} = ${this.types.spell(t as ValType)};\n`);
      } else {
        this.owners.set(t, ref(s, id));
      }
    }
  }

  /** Writes the declarations each scope owns (after every name is known: types refer to one another). */
  private declare(s: Scope, funcs: Map<string, ResourceFuncs>): void {
    for (const [name, item] of s.items) {
      if (item.sort !== 'type') continue;
      const t = item.type;
      const id = s.members.get(name)!;
      if (this.owners.get(t) !== ref(s, id)) continue;
      const ind = indentOf(s);
      if (t instanceof ResourceType) {
        this.push(s.decls, this.resourceDecl(t, id, name, funcs.get(name), ind));
      } else if (isValType(t)) {
        const text = this.types.spell(t);
        const doc = `${ind}/** WIT: \`${commentText(name, 200)}\` */\n`;
        this.push(s.decls, t.kind === 'record' || t.kind === 'flags' ? `${doc}${ind}export interface ${id} ${text}\n` : `${doc}${ind}export type ${id} = ${text};\n`);
      }
    }
  }

  /** The text that stands for a resource's objects; a resource no scope names gets a declaration of its own. */
  private resourceRef(rt: ResourceType): string {
    const known = this.owners.get(rt);
    if (known !== undefined) return known;
    const id = unique(typeIdentifier(rt.name || 'resource'), this.all);
    this.owners.set(rt, id);
    const text = rt.kind === 'guest'
      ? `/** A resource the component does not name. */\nexport class ${id} {\n  #private;\n  private constructor();\n  [Symbol.dispose](): void;\n}\n`
      : `/** A resource the component does not name. */\nexport interface ${id} {}\n`;
    this.count(text.length);
    this.extra.push(text);
    return id;
  }

  // ------------------------------------------------------------------------------------------
  // functions and resources

  /** Parameter lists, once per function type (a type many functions share is written out once). */
  private readonly paramLists = new Map<FuncType, [string | undefined, string | undefined]>();

  private params(f: FuncType, skipSelf: boolean): string {
    let lists = this.paramLists.get(f);
    if (!lists) this.paramLists.set(f, (lists = [undefined, undefined]));
    const known = lists[skipSelf ? 1 : 0];
    if (known !== undefined) return known;
    const taken = new Set<string>();
    const parts: string[] = [];
    for (const p of skipSelf ? f.params.slice(1) : f.params) {
      const part = `${unique(paramIdentifier(p.name), taken)}: ${this.types.type(p.type)}`;
      this.count(part.length); // thousands of parameters stop here, not after
      parts.push(part);
    }
    return (lists[skipSelf ? 1 : 0] = parts.join(', '));
  }

  /** A JSDoc comment: the WIT signature, and how a `result` error reaches JS (for guest exports) or the guest (for host imports). */
  private doc(witName: string, f: FuncType, side: Direction, indent: string): string {
    const wit = commentText(`${witName}: ${witFuncText(f, { names: this.witNames, max: MAX_WIT_COMMENT })}`, MAX_WIT_COMMENT + 200);
    const thrown = this.types.thrown(f);
    if (thrown === null) return `${indent}/** WIT: \`${wit}\` */\n`;
    const how = side === 'export'
      ? `@throws {ComponentError} for the error case of the \`result\`: its \`payload\` is of type \`${commentText(thrown, 300)}\``
      : `Returns the ok value of the \`result\`; throw \`{ payload }\` (payload of type \`${commentText(thrown, 300)}\`) for its error case`;
    return `${indent}/**\n${indent} * WIT: \`${wit}\`\n${indent} * ${how}\n${indent} */\n`;
  }

  private method(key: string, witName: string, f: FuncType, side: Direction, indent: string, skipSelf = false, prefix = ''): string {
    const text = `${this.doc(witName, f, side, indent)}${indent}${prefix}${key}(${this.params(f, skipSelf)}): ${this.types.returns(f)};\n`;
    // counted wherever it is written: a function type with a long parameter list, used by many
    // functions, is written as often
    this.count(text.length);
    return text;
  }

  /** A guest resource's class, or a host resource's object interface (its class is in `Imports`). */
  private resourceDecl(rt: ResourceType, id: string, name: string, funcs: ResourceFuncs | undefined, ind: string): string {
    const out: string[] = [];
    const guest = rt.kind === 'guest';
    const inner = `${ind}  `;
    out.push(`${ind}/** WIT: resource \`${commentText(name, 200)}\`${guest ? ' (a class of the component)' : ' (objects of the host\'s class)'} */\n`);
    out.push(guest ? `${ind}export class ${id} {\n` : `${ind}export interface ${id} {\n`);
    if (guest) {
      // nominal, as the runtime is: an object of another resource type with the same methods is refused
      out.push(`${inner}#private;\n`);
      if (funcs?.ctor) out.push(this.doc(funcs.ctor[0], funcs.ctor[1], 'export', inner), `${inner}constructor(${this.params(funcs.ctor[1], false)});\n`);
      else out.push(`${inner}/** the component exports no constructor */\n${inner}private constructor();\n`);
    }
    for (const [member, f] of funcs?.methods ?? []) {
      const key = camelCase(member);
      if (guest && key === 'constructor') continue; // a class can't declare it (nor can JS call it)
      out.push(this.method(propertyKey(key), `[method]${name}.${member}`, f, guest ? 'export' : 'import', inner, true));
    }
    if (guest) {
      for (const [member, f] of funcs?.statics ?? []) {
        const key = camelCase(member);
        if (FORBIDDEN_STATICS.has(key)) continue;
        out.push(this.method(propertyKey(key), `[static]${name}.${member}`, f, 'export', inner, false, 'static '));
      }
      out.push(`${inner}[Symbol.dispose](): void;\n`);
    } else {
      out.push(`${inner}/** called when the guest drops its handle, if the class has it */\n${inner}[Symbol.dispose]?(): void;\n`);
    }
    out.push(`${ind}}\n`);
    return out.join('');
  }

  /** The resource a `[constructor]`, `[method]` or `[static]` function belongs to (as `link/exports.ts` finds it). */
  private resourceOf(items: Items, f: FuncType, resource: string, kind: string): ResourceType | null {
    const declared = items.get(resource);
    if (declared?.sort === 'type' && declared.type instanceof ResourceType) return declared.type;
    if (kind === 'method') {
      const p = f.params[0]?.type;
      if (p && (p.kind === 'borrow' || p.kind === 'own')) return p.resource;
    }
    if (kind === 'constructor') {
      let r = f.result;
      if (r?.kind === 'result') r = r.ok;
      if (r?.kind === 'own') return r.resource;
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // the Exports interface (link/exports.ts: jsInstance, jsExports)

  /** Paths of the instance objects written so far: an instance exported twice is written once. */
  private readonly writtenExports = new Map<Items, string>();
  private readonly writtenImports = new Map<Items, string>();

  private exportBody(items: Items, path: string, indent: string): string {
    const seen = this.writtenExports.get(items);
    if (seen !== undefined) return seen;
    this.writtenExports.set(items, path);
    const entries = new Map<string, string>();
    for (const [name, item] of items) {
      switch (item.sort) {
        case 'func': {
          const f = parseFuncName(name);
          if (f.kind !== 'plain') {
            const rt = this.resourceOf(items, item.type, f.resource, f.kind);
            if (rt?.kind === 'guest') break; // on the class
          }
          const key = propertyKey(camelCase(name));
          entries.set(key, this.method(key, name, item.type, 'export', indent));
          break;
        }
        case 'type': this.exportClass(entries, name, item.type, indent); break;
        case 'instance': {
          const key = propertyKey(camelCase(name));
          entries.set(key, `${indent}${key}: ${this.exportBody(item.exports, `${path}[${quote(camelCase(name))}]`, `${indent}  `)};\n`);
          break;
        }
        default: entries.set(propertyKey(camelCase(name)), `${indent}${propertyKey(camelCase(name))}: unknown;\n`);
      }
    }
    return entries.size === 0 ? '{}' : `{\n${[...entries.values()].join('')}${indent.slice(2)}}`;
  }

  private exportClass(entries: Map<string, string>, name: string, t: unknown, indent: string): void {
    if (!(t instanceof ResourceType)) return;
    const key = propertyKey(pascalCase(name));
    const r = this.resourceRef(t);
    // a host resource's class is there only when the host gave one
    entries.set(key, t.kind === 'guest' ? `${indent}${key}: typeof ${r};\n` : `${indent}${key}?: abstract new (...args: never[]) => ${r};\n`);
  }

  private exportsInterface(): string {
    const entries = new Map<string, string>();
    const aliases = new Map<string, string[]>();
    const addAlias = (k: string, full: string): void => {
      const list = aliases.get(k) ?? [];
      list.push(full);
      aliases.set(k, list);
    };
    const keys = new Set<string>();
    for (const [name, item] of this.exports) {
      switch (item.sort) {
        case 'func': {
          const key = camelCase(name);
          keys.add(key);
          entries.set(key, this.method(propertyKey(key), name, item.type, 'export', '  '));
          break;
        }
        case 'instance': {
          keys.add(name);
          const body = this.exportBody(item.exports, `Exports[${quote(name)}]`, '    ');
          entries.set(name, `  /** the exported interface \`${commentText(name, 300)}\` */\n  ${propertyKey(name)}: ${body};\n`);
          const [base, version] = splitVersion(name);
          if (version !== null) addAlias(base, name);
          addAlias(shortExportName(name), name);
          break;
        }
        case 'type':
          if (item.type instanceof ResourceType) keys.add(pascalCase(name));
          this.exportClass(entries, name, item.type, '  ');
          break;
        default:
          keys.add(camelCase(name));
          entries.set(camelCase(name), `  ${propertyKey(camelCase(name))}: unknown;\n`);
      }
    }
    for (const [k, list] of aliases) {
      if (list.length === 1 && !keys.has(k)) {
        entries.set(k, `  /** \`${commentText(list[0]!, 300)}\` under a shorter name */\n  ${propertyKey(k)}: Exports[${quote(list[0]!)}];\n`);
      }
    }
    return [
      '/**\n',
      ' * The exports of an instance (`instance.exports`): interfaces under their full name (and, where\n',
      ' * unambiguous, without the version and under their short name), functions in camelCase, guest\n',
      ' * resources as classes.\n',
      ' */\n',
      'export interface Exports {\n',
      ...entries.values(),
      '}\n',
    ].join('');
  }

  // ------------------------------------------------------------------------------------------
  // the Imports interface (link/host-imports.ts: HostImports.adapt, adaptInstance, adaptFunc)

  private importMembers(items: Items, scope: Scope | undefined, path: string, indent: string, top: boolean): string[] {
    const entries = new Map<string, string>();
    const funcs = resourceFuncs(items);
    const classes = new Set<string>();
    for (const [name, item] of items) {
      switch (item.sort) {
        case 'func': {
          const f = parseFuncName(name);
          if (f.kind !== 'plain') {
            classes.add(f.resource);
            break;
          }
          const key = propertyKey(camelCase(f.member));
          entries.set(key, this.method(key, name, item.type, 'import', indent));
          break;
        }
        case 'type':
          // a resource the host may give a class for (required below when it has functions):
          // one this scope declares, not one it `use`s from another (no class is looked up then)
          if (item.type instanceof ResourceType && scope !== undefined && this.resourceHome.get(item.type)?.[0] === scope) classes.add(name);
          break;
        case 'instance': {
          const key = top ? name : camelCase(name);
          const body = this.importBody(item.exports, top ? `NonNullable<Imports[${quote(name)}]>` : `${path}[${quote(key)}]`, `${indent}  `);
          const optional = top && name.startsWith('wasi:') ? '?' : '';
          const doc = top ? `${indent}/** the interface \`${commentText(name, 300)}\`${optional ? ' (optional: the platform serves WASI from the grants)' : ''} */\n` : '';
          entries.set(propertyKey(key), `${doc}${indent}${propertyKey(key)}${optional}: ${body};\n`);
          break;
        }
        case 'core-module': entries.set(propertyKey(name), `${indent}${propertyKey(name)}: WebAssembly.Module;\n`); break;
        default: entries.set(propertyKey(name), `${indent}/** isowasm can't take imports of a ${item.sort} */\n${indent}${propertyKey(name)}: unknown;\n`);
      }
    }
    for (const resource of classes) {
      const key = propertyKey(pascalCase(resource));
      const decl = items.get(resource);
      const rt = decl?.sort === 'type' && decl.type instanceof ResourceType ? decl.type : null;
      const instance = rt ? this.resourceRef(rt) : 'object';
      const fs = funcs.get(resource);
      if (!fs) {
        entries.set(key, `${indent}/** the class of \`${commentText(resource, 200)}\` (optional) */\n${indent}${key}?: abstract new (...args: never[]) => ${instance};\n`);
        continue;
      }
      const inner = `${indent}  `;
      const members: string[] = [];
      if (fs.ctor) members.push(`${this.doc(fs.ctor[0], fs.ctor[1], 'import', inner)}${inner}new (${this.params(fs.ctor[1], false)}): ${instance};\n`);
      for (const [member, f] of fs.statics) members.push(this.method(propertyKey(camelCase(member)), `[static]${resource}.${member}`, f, 'import', inner));
      // methods are the objects' own (see the resource's interface)
      const shape = members.length === 0 ? null : `{\n${members.join('')}${indent}}`;
      const type = fs.ctor ? shape! : shape ? `(abstract new (...args: never[]) => ${instance}) & ${shape}` : `abstract new (...args: never[]) => ${instance}`;
      entries.set(key, `${indent}/** the host's class of \`${commentText(resource, 200)}\` */\n${indent}${key}: ${type};\n`);
    }
    return [...entries.values()];
  }

  private importBody(items: Items, path: string, indent: string): string {
    const seen = this.writtenImports.get(items);
    if (seen !== undefined) return seen;
    this.writtenImports.set(items, path);
    const members = this.importMembers(items, this.scopeOf.get(items), path, indent, false);
    return members.length === 0 ? '{}' : `{\n${members.join('')}${indent.slice(2)}}`;
  }

  private importsInterface(): string {
    return [
      '/**\n',
      ' * What `instantiate({ imports })` must provide: interfaces under their full name (the key may\n',
      ' * leave out the version) with camelCase functions and PascalCase resource classes, and\n',
      ' * world-level functions in camelCase. WASI interfaces are optional: the platform serves them\n',
      ' * from the grants (not with `isowasm/core` alone, which has no WASI host).\n',
      ' */\n',
      'export interface Imports {\n',
      ...this.importMembers(this.imports, this.worldImports, 'Imports', '  ', true),
      '}\n',
    ].join('');
  }

  // ------------------------------------------------------------------------------------------

  write(name: string): string {
    const { worldImports, worldExports } = this;
    this.collect(this.imports, '', 'import', true);
    this.collect(this.exports, '', 'export', true);
    this.nameNamespaces();
    this.nameMembers([worldImports, worldExports]);
    const order = [
      ...this.scopes.filter((s) => s.direction === 'import'), worldImports,
      ...this.scopes.filter((s) => s.direction === 'export'), worldExports,
    ];
    for (const s of order) this.own(s);
    for (const s of order) this.declare(s, resourceFuncs(s.items));
    const exportsText = this.exportsInterface();
    const importsText = this.importsInterface();
    const out: string[] = [header(name)];
    for (const s of this.scopes) {
      if (s.decls.length === 0) continue;
      out.push(`/** Types of the ${s.direction === 'import' ? 'imported' : 'exported'} interface \`${commentText(s.label, 300)}\`. */\nexport namespace ${s.id} {\n`, ...s.decls, '}\n\n');
    }
    out.push(...worldImports.decls, ...worldExports.decls);
    if (worldImports.decls.length + worldExports.decls.length > 0) out.push('\n');
    out.push(...this.extra.map((e) => `${e}\n`), exportsText, '\n', importsText);
    return out.join('');
  }
}

function header(name: string): string {
  const file = commentText(name, 200);
  return `// TypeScript declarations for the component ${file}, written by isowasm (\`isowasm types\`):
// its exports and the imports it expects, in isowasm's JS conventions. Generated: do not edit.
//
//   import { loadComponent } from 'isowasm';
//   import type { Exports, Imports } from './${file}.js';
//   const component = await loadComponent<Exports, Imports>('${file}');
//   const { exports } = await component.instantiate({ imports: { /* Imports */ } });
//
// Values: records are objects with camelCase fields, variants { tag, val }, enums strings, flags
// objects of booleans, option<T> is T | undefined (the outer of option<option<T>> a { tag, val }),
// tuples arrays, numeric lists typed arrays, u64/s64 bigint. An export returning result<T, E>
// returns T or throws a ComponentError whose payload is E; a host import returning result<T, E>
// returns T or throws { payload: E }. These describe synchronous calls: with instantiate({ async })
// or the 'worker' strategy, exports return promises.

declare global {
  interface SymbolConstructor {
    /** \`Symbol.dispose\`, for projects whose \`lib\` predates it (guest resources have it). */
    readonly dispose: unique symbol;
  }
}

`;
}

/**
 * TypeScript declarations (the text of one \`.d.ts\` file) for a component's exports and the
 * imports it expects, in isowasm's JS conventions. `Exports` types `instance.exports`, `Imports`
 * the `imports` option of `instantiate`; the component's named types are in one namespace per
 * interface (`WasiIoStreams.StreamError`). Bounded: a hostile binary gets an `IsowasmError`
 * (`INVALID_BINARY`, or `UNSUPPORTED` beyond the loader limits or `MAX_DTS_LENGTH`).
 *
 * @example
 * ```ts
 * import { componentTypes } from 'isowasm/node';
 * writeFileSync('app.wasm.d.ts', componentTypes(readFileSync('app.wasm'), { name: 'app.wasm' }));
 * // then, in the app (import type { Exports } from './app.wasm.js'):
 * const component = await loadComponent<Exports>('app.wasm');
 * ```
 */
export function componentTypes(component: Uint8Array | ComponentModel, options: ComponentTypesOptions = {}): string {
  const model = component instanceof Uint8Array ? parseComponent(component, options.limits) : component;
  const { imports, exports } = describeItems(model, { shared: false, ascribe: sameShape });
  return new DtsWriter(imports, exports).write(options.name ?? 'component.wasm');
}
