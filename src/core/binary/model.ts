/**
 * The typed model of a parsed component binary (the spec's Binary.md). Every index in it was
 * checked against its index space while parsing, so the linker can follow them without checks.
 * Types stay symbolic here (type indices into a scope); `link/types.ts` resolves them per instance.
 */
import type { ResolvedLimits } from './limits.js';

export type CoreSort = 'func' | 'table' | 'memory' | 'global' | 'tag' | 'type' | 'module' | 'instance';
export type ComponentSort = 'func' | 'value' | 'type' | 'component' | 'instance';
export type Sort = { core: CoreSort } | ComponentSort;

export type PrimitiveName =
  | 'bool' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64'
  | 'f32' | 'f64' | 'char' | 'string' | 'error-context';

/** A value type reference: a primitive, or an index into the enclosing scope's type index space. */
export type ValRef = PrimitiveName | number;

export type DefinedValType =
  | { kind: 'primitive'; name: PrimitiveName }
  | { kind: 'record'; fields: { name: string; type: ValRef }[] }
  | { kind: 'variant'; cases: { name: string; type: ValRef | null }[] }
  | { kind: 'list'; elem: ValRef; length: number | null }
  | { kind: 'tuple'; types: ValRef[] }
  | { kind: 'flags'; names: string[] }
  | { kind: 'enum'; names: string[] }
  | { kind: 'option'; type: ValRef }
  | { kind: 'result'; ok: ValRef | null; err: ValRef | null }
  | { kind: 'own'; resource: number }
  | { kind: 'borrow'; resource: number }
  | { kind: 'stream'; type: ValRef | null }
  | { kind: 'future'; type: ValRef | null }
  | { kind: 'map'; key: ValRef; value: ValRef };

export interface FuncTypeDef {
  params: { name: string; type: ValRef }[];
  /** `null` for no result; several named results (an old encoding) are kept as a list. */
  result: ValRef | null;
  namedResults: { name: string; type: ValRef }[] | null;
  async: boolean;
}

export type ExternType =
  | { sort: 'core-module'; coreType: number }
  | { sort: 'func'; type: number }
  | { sort: 'value'; type: ValRef | null }
  | { sort: 'type'; bound: { eq: number } | 'sub-resource' }
  | { sort: 'component'; type: number }
  | { sort: 'instance'; type: number };

/** One entry of a scope's type index space. */
export type TypeEntry =
  | { kind: 'defined'; def: DefinedValType }
  | { kind: 'func'; def: FuncTypeDef }
  | { kind: 'instance'; decl: DeclScope }
  | { kind: 'component'; decl: DeclScope }
  | { kind: 'resource'; rep: 'i32' | 'i64'; dtor: number | null; async: boolean }
  /** a type import or a declarator's type export: `(sub resource)` makes an abstract resource */
  | { kind: 'abstract'; name: string; bound: { eq: number } | 'sub-resource' }
  /** `(alias export $instance "name" (type))` */
  | { kind: 'alias-export'; instance: number; name: string }
  /** `(alias outer n i (type))`: index `index` of the scope `depth` levels out */
  | { kind: 'outer'; scope: TypeScope; index: number }
  /** a second index for an earlier type (what an export adds) */
  | { kind: 'ref'; index: number };

/** Something that owns a type index space: a component or a type declarator. */
export interface TypeScope {
  readonly types: TypeEntry[];
  readonly parent: TypeScope | null;
  /** Instance index space of a declarator (for `alias export` inside component/instance types). */
  readonly declInstances?: { type: number; name: string }[];
}

/** The body of an `(instance ...)` or `(component ...)` type. */
export interface DeclScope extends TypeScope {
  readonly kind: 'instance' | 'component';
  readonly imports: { name: string; type: ExternType }[];
  readonly exports: { name: string; type: ExternType }[];
  /** number of core types declared (kept only for index validation) */
  coreTypeCount: number;
  funcCount: number;
  componentCount: number;
  declInstances: { type: number; name: string }[];
}

export interface CanonOptions {
  encoding: 'utf8' | 'utf16' | 'latin1+utf16';
  memory: number | null;
  realloc: number | null;
  postReturn: number | null;
  async: boolean;
  callback: number | null;
}

/** Entries of the core function index space. */
export type CoreFuncEntry =
  | { kind: 'export'; instance: number; name: string }
  | { kind: 'lower'; func: number; options: CanonOptions }
  | { kind: 'resource.new' | 'resource.drop' | 'resource.rep'; type: number }
  /** a canonical built-in of component-model async (`index`: context.get/set's slot) */
  | { kind: 'builtin'; name: string; index?: number; result?: ValRef | null; options?: CanonOptions; type?: number; async?: boolean };

/** Entries of the core table/memory/global/tag index spaces. */
export interface CoreExportEntry {
  kind: 'export';
  instance: number;
  name: string;
}

export type CoreModuleEntry =
  | { kind: 'defined'; bytes: Uint8Array; id: number }
  | { kind: 'outer'; model: ComponentModel; index: number }
  | { kind: 'import'; name: string }
  | { kind: 'alias-export'; instance: number; name: string }
  | { kind: 'ref'; index: number };

export type CoreInstanceEntry =
  | { kind: 'instantiate'; module: number; args: { name: string; instance: number }[] }
  | { kind: 'exports'; items: { name: string; sort: CoreSort; index: number }[] }
  | { kind: 'alias-export'; instance: number; name: string };

export type FuncEntry =
  | { kind: 'import'; name: string; type: number }
  | { kind: 'alias-export'; instance: number; name: string }
  | { kind: 'lift'; coreFunc: number; options: CanonOptions; type: number }
  | { kind: 'ref'; index: number };

export type InstanceEntry =
  | { kind: 'import'; name: string; type: number }
  | { kind: 'instantiate'; component: number; args: { name: string; sort: Sort; index: number }[] }
  | { kind: 'exports'; items: { name: string; sort: Sort; index: number }[] }
  | { kind: 'alias-export'; instance: number; name: string }
  | { kind: 'ref'; index: number };

export type ComponentEntry =
  | { kind: 'defined'; model: ComponentModel }
  | { kind: 'outer'; model: ComponentModel; index: number }
  | { kind: 'import'; name: string; type: number }
  | { kind: 'alias-export'; instance: number; name: string }
  | { kind: 'ref'; index: number };

/**
 * A definition with side effects, in section order: the linker instantiates in exactly this order
 * and resolves every other index lazily (indices only ever point backwards).
 */
export type Step =
  | { space: 'core-instance'; index: number }
  | { space: 'instance'; index: number }
  | { space: 'start'; func: number };

export interface ImportDef {
  name: string;
  type: ExternType;
  /** index the import occupies in its sort's index space */
  index: number;
}

export interface ExportDef {
  name: string;
  sort: Sort;
  index: number;
  /** the optional type ascription of the export */
  type: ExternType | null;
}

/** A parsed component. Nested components are `ComponentModel`s too, with `parent` set. */
export interface ComponentModel extends TypeScope {
  readonly parent: ComponentModel | null;
  /** the limits it was parsed with, which bound linking and describing it too (shared by nested models) */
  readonly limits: ResolvedLimits;
  coreModules: CoreModuleEntry[];
  coreInstances: CoreInstanceEntry[];
  coreFuncs: CoreFuncEntry[];
  coreTables: CoreExportEntry[];
  coreMemories: CoreExportEntry[];
  coreGlobals: CoreExportEntry[];
  coreTags: CoreExportEntry[];
  coreTypeCount: number;
  funcs: FuncEntry[];
  types: TypeEntry[];
  instances: InstanceEntry[];
  components: ComponentEntry[];
  valueCount: number;
  imports: ImportDef[];
  exports: ExportDef[];
  steps: Step[];
  /** every core module defined in this component or below, for compiling once */
  allModules: { bytes: Uint8Array; id: number }[];
}
