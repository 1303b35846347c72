/**
 * Grants parsed once: `resolveGrants` turns an instance's `Capabilities` into what the WASI host
 * serves (preopens with their volumes made, whether the instance must be asynchronous). The
 * loader calls it once per instantiation and hands the result down; nothing parses a grant again.
 */
import { IsowasmError } from '../errors.js';
import type { Capabilities } from './capabilities.js';
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

/** An instance's grants, checked and resolved. */
export interface Grants {
  readonly capabilities: Capabilities;
  /** the `fs` grant's preopens, each with its volume (host directories opened) */
  readonly preopens: readonly FilesystemPreopen[];
  /** some grant is served asynchronously (HTTP, sockets, a volume that persists asynchronously): the instance must be too */
  readonly async: boolean;
}

/** What resolving grants needs of the platform: its name for messages, and host directories where it has them. */
export interface GrantPlatform {
  readonly name: string;
  directoryVolume?(hostPath: string, options: { readOnly: boolean }): Volume;
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
  // fetch, node:net, node:dgram and node:dns only answer asynchronously
  const async = !!caps.http || !!caps.sockets || preopens.some((p) => p.volume.async === true);
  return { capabilities: caps, preopens, async };
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
