/**
 * isowasm's `wasi:filesystem` (types and preopens) on top of volumes, for every platform:
 * paths.ts resolves and confines paths, open.ts tracks descriptors, descriptor.ts and
 * directory-stream.ts are the resources, errors.ts turns failures into error codes.
 */
import { IsowasmError } from '../../errors.js';
import type { FilesystemPreopen } from '../../host/grants.js';
import type { Volume } from '../../host/volume.js';
import type { HostContext } from '../context.js';
import { Descriptor, newDescriptor } from './descriptor.js';
import { DirectoryEntryStream } from './directory-stream.js';
import { filesystemErrorCode } from './errors.js';
import type { DescriptorFlags, Mount, Open } from './mount.js';

export { Descriptor, DirectoryEntryStream, filesystemErrorCode };

/**
 * One instance's preopens as mounts, which both WASI versions' rooms serve (so a volume that
 * persists asynchronously is flushed once after every call of the instance).
 *
 * @example
 * ```ts
 * const mounts = mountPreopens([{ guestPath: '/data', volume: createMemoryVolume(), readOnly: false }], ctx);
 * ```
 */
export function mountPreopens(preopens: readonly FilesystemPreopen[], ctx: HostContext): Mount[] {
  const mounts: Mount[] = preopens.map((p) => {
    if (p.volume.async && !ctx.async) {
      throw new IsowasmError('UNSUPPORTED', `the volume of preopen ${p.guestPath} persists asynchronously, so the instance must be asynchronous (JSPI): leave out async: false`);
    }
    return { volume: p.volume, readOnly: p.readOnly || p.volume.readOnly, guestPath: p.guestPath, report: ctx.report };
  });
  const flushed = new Set<Volume>();
  for (const m of mounts) {
    const v = m.volume;
    if (typeof v.flush === 'function' && !flushed.has(v)) {
      flushed.add(v);
      ctx.afterCall(() => v.flush!());
    }
  }
  return mounts;
}

/** The state of a preopen's root directory, as `get-directories` hands it out (each call a new one). */
export function rootOf(m: Mount): Open {
  let id = '';
  try {
    id = m.volume.lstat([]).id;
  } catch {
    // the volume's root is gone: every use of this descriptor answers bad-descriptor
  }
  const flags: DescriptorFlags = { read: true, mutateDirectory: !m.readOnly };
  return { mount: m, path: [], id, type: 'directory', flags };
}

/**
 * The `wasi:filesystem` namespaces of one instance, serving `preopens` (none: the guest sees no
 * filesystem). Volumes that persist asynchronously are flushed after every call of the instance.
 *
 * @example
 * ```ts
 * const ns = filesystemNamespaces([{ guestPath: '/data', volume: createMemoryVolume(), readOnly: false }], ctx);
 * const [[root]] = ns['wasi:filesystem/preopens'].getDirectories();
 * ```
 */
export function filesystemNamespaces(preopens: readonly FilesystemPreopen[], ctx: HostContext, mounts: readonly Mount[] = mountPreopens(preopens, ctx)): {
  'wasi:filesystem/types': { Descriptor: typeof Descriptor; DirectoryEntryStream: typeof DirectoryEntryStream; filesystemErrorCode: typeof filesystemErrorCode };
  'wasi:filesystem/preopens': { getDirectories: () => [Descriptor, string][] };
} {
  return {
    'wasi:filesystem/types': { Descriptor, DirectoryEntryStream, filesystemErrorCode },
    'wasi:filesystem/preopens': {
      getDirectories: () => mounts.map((m): [Descriptor, string] => [newDescriptor(rootOf(m)), m.guestPath]),
    },
  };
}
