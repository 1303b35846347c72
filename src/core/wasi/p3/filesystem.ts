/**
 * `wasi:filesystem@0.3.0` over the same mounts, path confinement and operations as the 0.2 room
 * (../filesystem/): descriptors are resources whose methods are 0.3's async functions (answered
 * at once, volumes being synchronous; a change on a volume that persists asynchronously answers
 * once persisted), reads, writes and directory listings are streams, and error codes and
 * descriptor types are 0.3's variants (`{ tag: 'no-entry' }`).
 */
import { symbolDispose } from '../../dispose.js';
import type { FilesystemErrorCode, VolumeEntryType } from '../../host/volume.js';
import { codeOf } from '../filesystem/errors.js';
import { rootOf } from '../filesystem/index.js';
import { type DescriptorFlags, type Mount, type Open, TOKEN } from '../filesystem/mount.js';
import { register, unregister } from '../filesystem/open.js';
import * as op from '../filesystem/operations.js';
import { type DescriptorStat, type NewTimestamp, type OpenFlags, type PathFlags, toNumber } from '../filesystem/stat.js';
import { maySuspend } from '../io.js';
import { drain, endedStream, err, refuse, type ResultValue, sourceStream } from './streams.js';

/** `wasi:filesystem/types@0.3.0#error-code`: 0.2's codes as cases, `other` for the one 0.3 dropped. */
export type ErrorCodeP3 = { tag: Exclude<FilesystemErrorCode, 'would-block'> } | { tag: 'other'; val?: string };
/** `wasi:filesystem/types@0.3.0#descriptor-type`: 0.2's `unknown` is `other`. */
export type DescriptorTypeP3 = { tag: Exclude<VolumeEntryType, 'unknown'> } | { tag: 'other'; val?: string };
export type DescriptorStatP3 = Omit<DescriptorStat, 'type'> & { type: DescriptorTypeP3 };
export interface DirectoryEntryP3 { type: DescriptorTypeP3; name: string }
type Done = Promise<ResultValue<ErrorCodeP3>>;

/** Bytes one pull of a read stream reads (the guest reads again for more). */
const READ_CHUNK = 64 * 1024;

export function errorCodeP3(code: FilesystemErrorCode): ErrorCodeP3 {
  return code === 'would-block' ? { tag: 'other', val: code } : { tag: code };
}

function typeP3(t: VolumeEntryType): DescriptorTypeP3 {
  return t === 'unknown' ? { tag: 'other' } : { tag: t };
}

function statP3(st: DescriptorStat): DescriptorStatP3 {
  return { ...st, type: typeP3(st.type) };
}

/** Serves one call: whatever `fn` throws reaches the guest as a 0.3 error code (a thrown `err`). */
function guarded<T>(m: Mount, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw errorCodeP3(codeOf(m, e));
  }
}

/**
 * Serves a call that changes the volume: like `guarded`, and on a volume that persists
 * asynchronously (IndexedDB) it answers once the change is persisted, so a 0.3 guest's change
 * is durable when its async call returns (a task of a 0.3 guest may outlive the export call
 * whose end flushes 0.2 guests' changes).
 */
function durable<T>(m: Mount, fn: () => T): T | Promise<T> {
  const value = guarded(m, fn);
  return flushed(m, value);
}

/** `value`, once the mount's volume has persisted what changed (at once on one that needs no flush). */
function flushed<T>(m: Mount, value: T): T | Promise<T> {
  const v = m.volume;
  if (typeof v.flush !== 'function') return value;
  return Promise.resolve(v.flush()).then(() => value, (e: unknown) => {
    throw errorCodeP3(codeOf(m, e));
  });
}

/** A write stream's ok, once what it wrote is persisted (a failed flush is the stream's error). */
async function flushedResult(m: Mount, r: ResultValue<ErrorCodeP3>): Promise<ResultValue<ErrorCodeP3>> {
  try {
    return await flushed(m, r);
  } catch (e) {
    return err(e as ErrorCodeP3);
  }
}

/** The state of a descriptor of this module (null for anything else); set by `DescriptorP3`. */
let openOf: (d: unknown) => Open | null;

/**
 * `wasi:filesystem/types@0.3.0#descriptor`: an open file or directory of a preopen (keyed
 * `Descriptor` in its interface). Failures of the async methods are thrown error-code variants;
 * the stream methods answer a future of the result instead.
 *
 * @example
 * ```ts
 * const [[root]] = filesystemNamespacesP3(mounts)['wasi:filesystem/preopens@0.3.0'].getDirectories();
 * const file = root.openAt({}, 'notes.txt', { create: true }, { read: true, write: true });
 * await file.writeViaStream(new Blob(['hi']).stream(), 0n); // { tag: 'ok' }
 * ```
 */
export class DescriptorP3 {
  readonly #o: Open;

  /** @internal */
  constructor(token: symbol, open: Open) {
    if (token !== TOKEN) throw new TypeError('Descriptor has no public constructor');
    this.#o = open;
    register(open);
  }

  static {
    openOf = (d) => (d instanceof DescriptorP3 ? d.#o : null);
  }

  #fail(e: unknown): ErrorCodeP3 {
    return errorCodeP3(codeOf(this.#o.mount, e));
  }

  readViaStream(offset: bigint): [ReadableStream<Uint8Array>, Done] {
    const o = this.#o;
    let pos: number;
    try {
      op.checkReadable(o);
      pos = toNumber(offset, 'offset');
    } catch (e) {
      return endedStream(this.#fail(e));
    }
    return sourceStream(() => {
      const bytes = op.readAt(o, pos, READ_CHUNK);
      if (bytes.length === 0) return null;
      pos += bytes.length;
      return bytes;
    }, (e) => this.#fail(e));
  }

  /** The guest's stream written from `pos` on (null: each chunk at the end). */
  #write(data: ReadableStream<Uint8Array>, pos: number | null): Done {
    const o = this.#o;
    return drain(data, (chunk) => {
      const end = op.writeAt(o, pos, chunk);
      if (pos !== null) pos = end;
    }, (e) => this.#fail(e)).then((r) => (r.tag === 'ok' ? flushedResult(o.mount, r) : r));
  }

  writeViaStream(data: ReadableStream<Uint8Array>, offset: bigint): Done {
    let pos: number;
    try {
      op.checkWritable(this.#o);
      pos = toNumber(offset, 'offset');
    } catch (e) {
      // refused before a byte is read: the guest's writes see the stream dropped
      return refuse(data, this.#fail(e));
    }
    return this.#write(data, pos);
  }

  appendViaStream(data: ReadableStream<Uint8Array>): Done {
    try {
      op.checkWritable(this.#o);
    } catch (e) {
      return refuse(data, this.#fail(e));
    }
    return this.#write(data, null);
  }

  advise(_offset: bigint, _length: bigint, _advice: string): void {
    return guarded(this.#o.mount, () => op.advise(this.#o));
  }

  syncData(): void | Promise<void> {
    return this.sync();
  }

  getFlags(): DescriptorFlags {
    return guarded(this.#o.mount, () => op.getFlags(this.#o));
  }

  getType(): DescriptorTypeP3 {
    return guarded(this.#o.mount, () => typeP3(op.getType(this.#o)));
  }

  setSize(size: bigint): void | Promise<void> {
    return durable(this.#o.mount, () => op.setSize(this.#o, size));
  }

  setTimes(dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void | Promise<void> {
    return durable(this.#o.mount, () => op.setTimes(this.#o, dataAccessTimestamp, dataModificationTimestamp));
  }

  readDirectory(): [ReadableStream<DirectoryEntryP3>, Done] {
    let entries: ReturnType<typeof op.readDirectory>;
    try {
      // a snapshot taken when asked, as the 0.2 room takes it
      entries = op.readDirectory(this.#o);
    } catch (e) {
      return endedStream(this.#fail(e));
    }
    let next = 0;
    return sourceStream(() => {
      const e = entries[next++];
      return e ? { type: typeP3(e.type), name: e.name } : null;
    }, (e) => this.#fail(e));
  }

  sync(): void | Promise<void> {
    return durable(this.#o.mount, () => op.sync(this.#o));
  }

  createDirectoryAt(path: string): void | Promise<void> {
    return durable(this.#o.mount, () => op.createDirectoryAt(this.#o, path));
  }

  stat(): DescriptorStatP3 {
    return guarded(this.#o.mount, () => statP3(op.stat(this.#o)));
  }

  statAt(pathFlags: PathFlags, path: string): DescriptorStatP3 {
    return guarded(this.#o.mount, () => statP3(op.statAt(this.#o, pathFlags, path)));
  }

  setTimesAt(pathFlags: PathFlags, path: string, dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void | Promise<void> {
    return durable(this.#o.mount, () => op.setTimesAt(this.#o, pathFlags, path, dataAccessTimestamp, dataModificationTimestamp));
  }

  linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: DescriptorP3, newPath: string): void | Promise<void> {
    return durable(this.#o.mount, () => op.linkAt(this.#o, oldPathFlags, oldPath, openOf(newDescriptor), newPath));
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): DescriptorP3 | Promise<DescriptorP3> {
    const opened = (): DescriptorP3 => new DescriptorP3(TOKEN, op.openAt(this.#o, pathFlags, path, openFlags, flags));
    // only creating or truncating changes the volume
    return openFlags?.create || openFlags?.truncate ? durable(this.#o.mount, opened) : guarded(this.#o.mount, opened);
  }

  readlinkAt(path: string): string {
    return guarded(this.#o.mount, () => op.readlinkAt(this.#o, path));
  }

  removeDirectoryAt(path: string): void | Promise<void> {
    return durable(this.#o.mount, () => op.removeDirectoryAt(this.#o, path));
  }

  renameAt(oldPath: string, newDescriptor: DescriptorP3, newPath: string): void | Promise<void> {
    return durable(this.#o.mount, () => op.renameAt(this.#o, oldPath, openOf(newDescriptor), newPath));
  }

  symlinkAt(oldPath: string, newPath: string): void | Promise<void> {
    return durable(this.#o.mount, () => op.symlinkAt(this.#o, oldPath, newPath));
  }

  unlinkFileAt(path: string): void | Promise<void> {
    return durable(this.#o.mount, () => op.unlinkFileAt(this.#o, path));
  }

  isSameObject(other: DescriptorP3): boolean {
    return op.isSameObject(this.#o, openOf(other));
  }

  metadataHash(): { lower: bigint; upper: bigint } {
    return guarded(this.#o.mount, () => op.metadataHashOf(this.#o));
  }

  metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
    return guarded(this.#o.mount, () => op.metadataHashAt(this.#o, pathFlags, path));
  }

  [symbolDispose](): void {
    unregister(this.#o);
  }
}

/** The methods that may answer with a promise (on a volume that persists asynchronously): under JSPI a guest lowering them synchronously waits. */
for (const m of ['syncData', 'sync', 'setSize', 'setTimes', 'createDirectoryAt', 'setTimesAt', 'linkAt', 'openAt', 'removeDirectoryAt', 'renameAt', 'symlinkAt', 'unlinkFileAt'] as const) {
  maySuspend(DescriptorP3.prototype[m]);
}

/**
 * The `wasi:filesystem@0.3.0` namespaces over an instance's mounts (those of its 0.2 room).
 *
 * @example
 * ```ts
 * const ns = filesystemNamespacesP3(mountPreopens(grants.preopens, ctx));
 * const [[root, path]] = ns['wasi:filesystem/preopens@0.3.0'].getDirectories(); // path: '/data'
 * ```
 */
export function filesystemNamespacesP3(mounts: readonly Mount[]): {
  'wasi:filesystem/types@0.3.0': { Descriptor: typeof DescriptorP3 };
  'wasi:filesystem/preopens@0.3.0': { getDirectories: () => [DescriptorP3, string][] };
} {
  return {
    'wasi:filesystem/types@0.3.0': { Descriptor: DescriptorP3 },
    'wasi:filesystem/preopens@0.3.0': {
      getDirectories: () => mounts.map((m): [DescriptorP3, string] => [new DescriptorP3(TOKEN, rootOf(m)), m.guestPath]),
    },
  };
}
