/**
 * Run-time bounds of linking and describing (see `LoaderLimits`). The parser measures what it
 * can see; what only linking reveals (components passed as arguments, instances reached through
 * other instances' exports) is counted here, as it happens, before the work is done.
 */
import { LEAF, type ResolvedLimits, type TypeInfo, checkTypeInfo, combine, limitError } from '../binary/limits.js';
import { IsowasmError } from '../errors.js';

/** Instantiations nested in instantiations (a component instantiating one that instantiates ...). */
export const MAX_INSTANTIATION_NESTING = 100;

/**
 * Definitions resolved inside one another (an alias of an export of an instance that exports an
 * alias ...): each level takes a few stack frames, so this stays far below the stack's depth.
 */
export const MAX_RESOLUTION_DEPTH = 400;

let resolutionDepth = 0;

/**
 * Runs `resolve` one level deeper, refusing to go past `MAX_RESOLUTION_DEPTH`. The count is shared
 * by every linker and describer in this thread; resolving is synchronous, so it is back to zero
 * whenever an instantiation awaits.
 */
export function nested<T>(resolve: () => T): T {
  if (resolutionDepth >= MAX_RESOLUTION_DEPTH) {
    throw new IsowasmError('UNSUPPORTED', `the component's definitions refer to one another more than ${MAX_RESOLUTION_DEPTH} levels deep (aliases of exports of instances whose exports are aliases ...); this runtime does not follow such chains`);
  }
  resolutionDepth++;
  try {
    return resolve();
  } finally {
    resolutionDepth--;
  }
}

/** What one top-level instantiation (or description) has made so far, against its limits. */
export interface Budget {
  readonly limits: ResolvedLimits;
  instances: number;
  coreInstances: number;
}

export function newBudget(limits: ResolvedLimits): Budget {
  return { limits, instances: 0, coreInstances: 0 };
}

/** Counts one more component instance, `nesting` instantiations deep; throws beyond the limits. */
export function countInstance(b: Budget, nesting: number): void {
  if (nesting > MAX_INSTANTIATION_NESTING) {
    throw new IsowasmError('UNSUPPORTED', `the component's instantiations nest more than ${MAX_INSTANTIATION_NESTING} levels deep (a component instantiating one that instantiates another ...); this runtime stops there`);
  }
  if (++b.instances > b.limits.maxInstances) {
    throw limitError('maxInstances', b.limits.maxInstances, `instantiating this component makes more than ${b.limits.maxInstances} component instances`);
  }
}

/** Counts one more core module instance; throws beyond the limit. */
export function countCoreInstance(b: Budget): void {
  if (++b.coreInstances > b.limits.maxCoreInstances) {
    throw limitError('maxCoreInstances', b.limits.maxCoreInstances, `instantiating this component makes more than ${b.limits.maxCoreInstances} core module instances`);
  }
}

/** Exports by name; an instance's own exports are another such map. */
export type ExportTree = ReadonlyMap<string, { readonly sort: string; readonly exports?: ExportTree }>;

/** A tree's measure, kept on its map (cheaper than a WeakMap entry per instance's exports). */
const TREE_INFO = Symbol('isowasm.treeInfo');
type Measured = { [TREE_INFO]?: TypeInfo };

/** The size and depth of an export tree, each shared instance counted as often as it appears. */
function treeInfo(tree: ExportTree, limits: ResolvedLimits, depth: number): TypeInfo {
  const known = (tree as Measured)[TREE_INFO];
  if (known) return known;
  if (depth > limits.maxTypeDepth) {
    throw limitError('maxTypeDepth', limits.maxTypeDepth, `instances are nested in one another's exports more than ${limits.maxTypeDepth} levels deep`);
  }
  const parts: TypeInfo[] = [];
  for (const item of tree.values()) parts.push(item.sort === 'instance' && item.exports ? treeInfo(item.exports, limits, depth + 1) : LEAF);
  const info = combine(parts);
  (tree as Measured)[TREE_INFO] = info;
  return info;
}

/**
 * Refuses an export tree that spelling out (as JS objects, or as a description) would take more
 * than the limits allow: an instance exported twice at every level doubles the work per level.
 * Measured with sharing, so this is linear in the distinct instances.
 */
export function checkExportTree(tree: ExportTree, limits: ResolvedLimits, what: string): void {
  checkTypeInfo(treeInfo(tree, limits, 1), limits, what);
}
