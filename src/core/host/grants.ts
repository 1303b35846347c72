/**
 * Grants parsed once: `resolveGrants` turns an instance's `Capabilities` into what the WASI host
 * serves (preopens with their volumes made, whether the instance must be asynchronous). The
 * loader calls it once per instantiation and hands the result down; nothing parses a grant again.
 */
import { IsowasmError } from '../errors.js';
import type { Capabilities } from './capabilities.js';
import { DEFAULT_KEY_VALUE_LIMITS, isKeyValueStore, type KeyValueLimits, type KeyValueStore } from './key-value.js';
import { isVolume, type Volume } from './volume.js';

/**
 * One preopen: the guest's path for it, what backs it, and whether it is read-only.
 *
 * @example
 * ```ts
 * const preopen: FilesystemPreopen = { guestPath: '/data', volume: createMemoryVolume(), readOnly: false };
 * ```
 */
export interface FilesystemPreopen {
  readonly guestPath: string;
  readonly volume: Volume;
  readonly readOnly: boolean;
}

/**
 * The `kv` grant resolved: bucket name -> store (paths opened by the platform), `'*'` for any
 * other name, and the limits with their defaults filled in.
 *
 * @example
 * ```ts
 * const kv: KeyValueBuckets = { stores: new Map([['notes', createMemoryKeyValue()]]), limits: DEFAULT_KEY_VALUE_LIMITS };
 * ```
 */
export interface KeyValueBuckets {
  readonly stores: ReadonlyMap<string, KeyValueStore>;
  readonly limits: Required<KeyValueLimits>;
}

/** An instance's grants, checked and resolved. */
export interface Grants {
  readonly capabilities: Capabilities;
  /** the `fs` grant's preopens, each with its volume (host directories opened) */
  readonly preopens: readonly FilesystemPreopen[];
  /** the `kv` grant's buckets (null: not granted) */
  readonly kv: KeyValueBuckets | null;
  /** some grant is served asynchronously (HTTP, sockets, a volume that persists asynchronously): the instance must be too */
  readonly async: boolean;
}

/** What resolving grants needs of the platform: its name for messages, and host directories where it has them. */
export interface GrantPlatform {
  readonly name: string;
  directoryVolume?(hostPath: string, options: { readOnly: boolean }): Volume;
  /** The store of a key-value file; the same store for the same file, so that grants of one path share it. */
  keyValueFile?(hostPath: string): KeyValueStore;
}

/**
 * Checks and resolves `caps` for one instance on `platform`.
 *
 * @example
 * ```ts
 * const grants = resolveGrants({ fs: { preopens: { '/data': createMemoryVolume() } } }, browserWasi);
 * grants.preopens; // [{ guestPath: '/data', volume, readOnly: false }]
 * ```
 */
export function resolveGrants(caps: Capabilities, platform: GrantPlatform): Grants {
  if (typeof caps !== 'object' || caps === null) throw new TypeError('instantiate(): options.capabilities must be an object');
  const preopens = preopensFromGrant(caps.fs?.preopens, platform);
  const kv = keyValueFromGrant(caps.kv, platform);
  // fetch, node:net, node:dgram and node:dns only answer asynchronously
  const async = !!caps.http || !!caps.sockets || preopens.some((p) => p.volume.async === true)
    || (kv !== null && [...kv.stores.values()].some((s) => s.async));
  return { capabilities: caps, preopens, kv, async };
}

/**
 * The `fs` grant's preopens. Each entry is a volume (`'/data': volume`), a volume with options
 * (`'/data': { volume, readOnly: true }`), or a string naming a host directory, which only
 * platforms with `directoryVolume` (Node) can serve.
 */
function preopensFromGrant(grant: unknown, platform: GrantPlatform): FilesystemPreopen[] {
  if (grant === undefined) return [];
  if (typeof grant !== 'object' || grant === null) throw new TypeError('capabilities.fs.preopens must be an object: { "/guest/path": volume or { volume, readOnly } }');
  return Object.entries(grant).map(([guestPath, g]: [string, unknown]) => {
    const at = `capabilities.fs.preopens[${JSON.stringify(guestPath)}]`;
    if (guestPath === '' || guestPath.includes('\0')) throw new TypeError(`capabilities.fs.preopens: ${JSON.stringify(guestPath)} is not a usable guest path`);
    // a bare volume is what the README shows and what users write
    const { volume, readOnly = false } = typeof g === 'string' || isVolume(g) ? { volume: g } : (g ?? {}) as { volume?: unknown; readOnly?: unknown };
    if (typeof readOnly !== 'boolean') throw new TypeError(`${at}.readOnly must be a boolean`);
    if (typeof volume === 'string') {
      if (!platform.directoryVolume) {
        throw new IsowasmError('UNSUPPORTED', `${at} names the host directory ${JSON.stringify(volume)}, but the ${platform.name} platform has no host directories: grant a volume object instead (createMemoryVolume(), or await createIndexedDbVolume(name) in browsers)`);
      }
      return { guestPath, volume: platform.directoryVolume(volume, { readOnly }), readOnly };
    }
    if (!isVolume(volume)) {
      throw new TypeError(`${at} must be a Volume (createMemoryVolume(), createIndexedDbVolume(), createDirectoryVolume(), or your own), { volume, readOnly }, or a host directory path`);
    }
    return { guestPath, volume, readOnly };
  });
}

/**
 * The `kv` grant's buckets. Each is a store object, or a string naming a SQLite file, which only
 * platforms with `keyValueFile` (Node) can serve.
 */
function keyValueFromGrant(grant: unknown, platform: GrantPlatform): KeyValueBuckets | null {
  if (grant === undefined) return null;
  const shape = 'capabilities.kv must be { buckets: { name: store } } (a KeyValueStore, or in Node a SQLite file path; "*" for any name)';
  if (typeof grant !== 'object' || grant === null) throw new TypeError(shape);
  const { buckets, limits = {} } = grant as { buckets?: unknown; limits?: unknown };
  if (typeof buckets !== 'object' || buckets === null) throw new TypeError(shape);
  if (typeof limits !== 'object' || limits === null) throw new TypeError('capabilities.kv.limits must be an object of KeyValueLimits');
  const resolved: Record<string, number> = { ...DEFAULT_KEY_VALUE_LIMITS };
  for (const [k, v] of Object.entries(limits)) {
    if (!(k in DEFAULT_KEY_VALUE_LIMITS)) throw new TypeError(`capabilities.kv.limits.${k} is not a key-value limit (${Object.keys(DEFAULT_KEY_VALUE_LIMITS).join(', ')})`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new TypeError(`capabilities.kv.limits.${k} must be a positive integer`);
    resolved[k] = v;
  }
  const stores = new Map<string, KeyValueStore>();
  for (const [name, s] of Object.entries(buckets)) {
    const at = `capabilities.kv.buckets[${JSON.stringify(name)}]`;
    if (typeof s === 'string') {
      if (!platform.keyValueFile) {
        throw new IsowasmError('UNSUPPORTED', `${at} names the file ${JSON.stringify(s)}, but the ${platform.name} platform has no key-value files: grant a store object instead (createMemoryKeyValue(), or createIndexedDbKeyValue(name) in browsers)`);
      }
      stores.set(name, platform.keyValueFile(s));
    } else if (isKeyValueStore(s)) stores.set(name, s);
    else throw new TypeError(`${at} must be a KeyValueStore (createMemoryKeyValue(), createSqliteKeyValue(), createRedisKeyValue(), createIndexedDbKeyValue(), or your own) or a SQLite file path`);
  }
  return { stores, limits: resolved as Required<KeyValueLimits> };
}
