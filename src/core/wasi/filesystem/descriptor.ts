/**
 * `wasi:filesystem/types#descriptor` over volumes: an open file or directory of a preopen. Every
 * path goes through `resolve` (paths.ts), every descriptor is checked against its object before
 * use (open.ts), and every failure reaches the guest as an error code (errors.ts).
 */
import { symbolDispose } from '../../dispose.js';
import type { VolumeEntryType } from '../../host/volume.js';
import { InputStream, OutputStream, failed } from '../io.js';
import { DirectoryEntryStream } from './directory-stream.js';
import { clip, codeOf, escape, guarded, readOnly, streamErrorMessage } from './errors.js';
import { type DescriptorFlags, type Open, TOKEN } from './mount.js';
import { current, dirOf, fileOf, moved, mutable, register, unregister } from './open.js';
import { MAX_PATH, climbsAboveRoot, readLink, resolve } from './paths.js';
import { type DescriptorStat, type NewTimestamp, type OpenFlags, type PathFlags, descriptorStat, metadataHash, timeUpdate, toNumber } from './stat.js';

/** Most bytes one `read` call returns (the guest asks again for more). */
const MAX_READ = 64 * 1024 * 1024;

const utf8 = new TextEncoder();

/** The state of a descriptor of this module (null for anything else); set by `Descriptor`. */
let openOf: (d: unknown) => Open | null;

/**
 * `wasi:filesystem/types#descriptor`: an open file or directory of a preopen. Methods follow
 * jco's conventions: flags are objects of booleans, enums kebab-case strings, and failures are
 * thrown error-code strings (`throw 'no-entry'`).
 *
 * @example
 * ```ts
 * const [[root]] = filesystemNamespaces(preopens, ctx)['wasi:filesystem/preopens'].getDirectories();
 * const file = root.openAt({}, 'notes.txt', { create: true }, { read: true, write: true });
 * file.write(new TextEncoder().encode('hi'), 0n);
 * ```
 */
export class Descriptor {
  readonly #o: Open;

  /** @internal */
  constructor(token: symbol, open: Open) {
    if (token !== TOKEN) throw new TypeError('Descriptor has no public constructor');
    this.#o = open;
    register(open);
  }

  static {
    openOf = (d) => (d instanceof Descriptor ? d.#o : null);
  }

  readViaStream(offset: bigint): InputStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      fileOf(o);
      if (!o.flags.read) throw 'bad-descriptor';
      let pos = toNumber(offset, 'offset');
      return new InputStream({
        read: (max) => {
          let bytes: Uint8Array;
          try {
            fileOf(o);
            bytes = o.mount.volume.read(o.path, pos, Math.min(max, MAX_READ));
          } catch (e) {
            throw failed(streamErrorMessage(codeOf(o.mount, e)));
          }
          if (bytes.length === 0 && max > 0) return null;
          pos += bytes.length;
          return bytes;
        },
      });
    });
  }

  /** A stream writing where `at` says, then telling `advance` how much it wrote. */
  #writer(at: () => number, advance: (n: number) => void): OutputStream {
    const o = this.#o;
    return new OutputStream({
      write: (bytes) => {
        try {
          fileOf(o);
          const pos = at();
          if (pos + bytes.length > Number.MAX_SAFE_INTEGER) throw 'file-too-large';
          o.mount.volume.write(o.path, pos, bytes);
          if (o.flags.fileIntegritySync || o.flags.dataIntegritySync) o.mount.volume.sync?.(o.path);
          advance(bytes.length);
        } catch (e) {
          throw failed(streamErrorMessage(codeOf(o.mount, e)));
        }
      },
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      let pos = toNumber(offset, 'offset');
      return this.#writer(() => pos, (n) => { pos += n; });
    });
  }

  appendViaStream(): OutputStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      // each write goes to the end as it is then
      return this.#writer(() => o.mount.volume.lstat(o.path).size, () => {});
    });
  }

  advise(_offset: bigint, _length: bigint, _advice: string): void {
    return guarded(this.#o.mount, () => {
      fileOf(this.#o);
    });
  }

  syncData(): void {
    this.sync();
  }

  sync(): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      current(o);
      o.mount.volume.sync?.(o.path);
    });
  }

  getFlags(): DescriptorFlags {
    return guarded(this.#o.mount, () => {
      current(this.#o);
      return { ...this.#o.flags };
    });
  }

  getType(): VolumeEntryType {
    return guarded(this.#o.mount, () => {
      current(this.#o);
      return this.#o.type;
    });
  }

  setSize(size: bigint): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      if (o.mount.readOnly) readOnly(o.mount, 'resize a file');
      o.mount.volume.truncate(o.path, toNumber(size, 'size'));
    });
  }

  setTimes(dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      current(o);
      if (o.mount.readOnly) readOnly(o.mount, 'change times');
      if (!(o.type === 'directory' ? o.flags.mutateDirectory : o.flags.write)) throw 'not-permitted';
      o.mount.volume.setTimes(o.path, timeUpdate(dataAccessTimestamp), timeUpdate(dataModificationTimestamp));
    });
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const o = this.#o;
    return guarded(o.mount, () => {
      const st = fileOf(o);
      if (!o.flags.read) throw 'bad-descriptor';
      const want = Math.min(toNumber(length, 'size'), MAX_READ);
      const at = toNumber(offset, 'offset');
      const bytes = o.mount.volume.read(o.path, at, want);
      // the end is reached when fewer bytes came than asked for (or, asking for none, at or past it)
      return [bytes, want === 0 ? at >= st.size : bytes.length < want];
    });
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    const o = this.#o;
    return guarded(o.mount, () => {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      const at = toNumber(offset, 'offset');
      if (at + buffer.length > Number.MAX_SAFE_INTEGER) throw 'file-too-large';
      o.mount.volume.write(o.path, at, buffer);
      if (o.flags.fileIntegritySync || o.flags.dataIntegritySync) o.mount.volume.sync?.(o.path);
      return BigInt(buffer.length);
    });
  }

  readDirectory(): DirectoryEntryStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      return new DirectoryEntryStream(TOKEN, o.mount.volume.readdir(o.path));
    });
  }

  createDirectoryAt(path: string): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      mutable(o, 'create a directory');
      const r = resolve(o, path, false);
      if (r.stat) throw 'exist';
      o.mount.volume.mkdir(r.path);
    });
  }

  stat(): DescriptorStat {
    return guarded(this.#o.mount, () => {
      return descriptorStat(current(this.#o));
    });
  }

  statAt(pathFlags: PathFlags, path: string): DescriptorStat {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      if (!r.stat) throw 'no-entry';
      return descriptorStat(r.stat);
    });
  }

  setTimesAt(pathFlags: PathFlags, path: string, dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      mutable(o, 'change times');
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      if (!r.stat) throw 'no-entry';
      o.mount.volume.setTimes(r.path, timeUpdate(dataAccessTimestamp), timeUpdate(dataModificationTimestamp));
    });
  }

  linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      const n = directoryPair(o, newDescriptor);
      mutable(n, 'create a hard link');
      if (n.mount.volume !== o.mount.volume) throw 'cross-device';
      const from = resolve(o, oldPath, !!oldPathFlags?.symlinkFollow);
      if (!from.stat) throw 'no-entry';
      if (from.stat.type === 'directory') throw 'not-permitted';
      const to = resolve(n, newPath, false);
      if (to.stat) throw 'exist';
      if (!o.mount.volume.link) throw 'unsupported';
      o.mount.volume.link(from.path, to.path);
    });
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    const o = this.#o;
    return guarded(o.mount, () => {
      const of = openFlags ?? {};
      const f = flags ?? {};
      dirOf(o);
      // the spec's rule: anything that could change the tree needs a mutable directory
      if (f.write || f.mutateDirectory || of.create || of.truncate) {
        if (o.mount.readOnly) readOnly(o.mount, f.write ? 'open a file for writing' : of.create ? 'create a file' : 'change a file');
        if (!o.flags.mutateDirectory) throw 'read-only';
      }
      if (of.create && of.directory) throw 'invalid';
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      const v = o.mount.volume;
      let st = r.stat;
      if (!st) {
        if (!of.create) throw 'no-entry';
        if (r.dirOnly) throw 'is-directory';
        v.createFile(r.path);
        st = v.lstat(r.path);
      } else {
        if (of.create && of.exclusive) throw 'exist';
        if (st.type === 'symbolic-link') throw 'loop';
        if (of.directory && st.type !== 'directory') throw 'not-directory';
        if (st.type === 'directory' && (f.write || of.truncate)) throw 'is-directory';
        // devices, sockets and pipes are not served: reading one could block the host
        if (st.type !== 'directory' && st.type !== 'regular-file') throw 'unsupported';
        if (of.truncate) {
          v.truncate(r.path, 0);
          st = v.lstat(r.path);
        }
      }
      const isDir = st.type === 'directory';
      const newFlags: DescriptorFlags = {
        read: !!f.read,
        write: !isDir && !!f.write,
        fileIntegritySync: !!f.fileIntegritySync,
        dataIntegritySync: !!f.dataIntegritySync,
        requestedWriteSync: !!f.requestedWriteSync,
        mutateDirectory: isDir && !!f.mutateDirectory,
      };
      return new Descriptor(TOKEN, { mount: o.mount, path: r.path, id: st.id, type: st.type, flags: newFlags });
    });
  }

  readlinkAt(path: string): string {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      const r = resolve(o, path, false);
      if (!r.stat) throw 'no-entry';
      if (r.stat.type !== 'symbolic-link') throw 'invalid';
      const target = readLink(o.mount, r.path);
      if (target.startsWith('/')) escape(o.mount, `the symbolic link ${clip(r.path.join('/'))} holds an absolute path`);
      if (climbsAboveRoot(target, r.path.length - 1)) escape(o.mount, `the symbolic link ${clip(r.path.join('/'))} leads outside the preopen`);
      return target;
    });
  }

  removeDirectoryAt(path: string): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      mutable(o, 'remove a directory');
      const r = resolve(o, path, false);
      if (!r.stat) throw 'no-entry';
      if (r.path.length <= o.path.length) throw 'invalid';
      if (r.stat.type !== 'directory') throw 'not-directory';
      o.mount.volume.rmdir(r.path);
    });
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      const n = directoryPair(o, newDescriptor);
      mutable(o, 'rename');
      mutable(n, 'rename');
      if (n.mount.volume !== o.mount.volume) throw 'cross-device';
      const from = resolve(o, oldPath, false);
      if (!from.stat) throw 'no-entry';
      if (from.dirOnly && from.stat.type !== 'directory') throw 'not-directory';
      const to = resolve(n, newPath, false);
      if (from.path.length <= o.path.length || to.path.length <= n.path.length) throw 'busy';
      // a link moved nearer the root may come to lead outside it (for the host's other programs)
      if (from.stat.type === 'symbolic-link' && climbsAboveRoot(readLink(o.mount, from.path), to.path.length - 1)) {
        escape(o.mount, `the guest tried to move the symbolic link ${clip(from.path.join('/'))} where it would lead outside the preopen`);
      }
      o.mount.volume.rename(from.path, to.path);
      moved(o.mount.volume, from.path, to.path);
    });
  }

  symlinkAt(oldPath: string, newPath: string): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      mutable(o, 'create a symbolic link');
      if (typeof oldPath !== 'string') throw 'invalid';
      if (oldPath.startsWith('/')) escape(o.mount, `the guest tried to create a symbolic link to an absolute path (${clip(oldPath)})`);
      if (oldPath === '') throw 'no-entry';
      if (oldPath.includes('\0')) throw 'invalid';
      if (utf8.encode(oldPath).length > MAX_PATH) throw 'name-too-long';
      const r = resolve(o, newPath, false);
      if (r.stat) throw 'exist';
      // a link leading outside would be harmless here (it is never followed there) but not to the host's other programs
      if (climbsAboveRoot(oldPath, r.path.length - 1)) escape(o.mount, `the guest tried to create a symbolic link leading outside the preopen (${clip(oldPath)})`);
      if (!o.mount.volume.symlink) throw 'unsupported';
      o.mount.volume.symlink(oldPath, r.path);
    });
  }

  unlinkFileAt(path: string): void {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      mutable(o, 'remove a file');
      const r = resolve(o, path, false, true);
      if (!r.stat) throw 'no-entry';
      if (r.stat.type === 'directory') throw 'is-directory';
      o.mount.volume.unlink(r.path);
    });
  }

  isSameObject(other: Descriptor): boolean {
    const a = this.#o;
    const b = openOf(other);
    if (!b || a.mount.volume !== b.mount.volume) return false;
    try {
      return current(a).id === current(b).id;
    } catch {
      return false;
    }
  }

  metadataHash(): { lower: bigint; upper: bigint } {
    return guarded(this.#o.mount, () => {
      return metadataHash(current(this.#o));
    });
  }

  metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
    const o = this.#o;
    return guarded(o.mount, () => {
      dirOf(o);
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      if (!r.stat) throw 'no-entry';
      return metadataHash(r.stat);
    });
  }

  [symbolDispose](): void {
    unregister(this.#o);
  }
}

/** The other directory of a two-descriptor call (link, rename), both checked to be directories still. */
function directoryPair(o: Open, other: Descriptor): Open {
  const n = openOf(other);
  if (!n) throw 'bad-descriptor';
  dirOf(o);
  dirOf(n);
  return n;
}

/** A new descriptor for `open` (the preopens' roots, and what `openAt` opens). */
export function newDescriptor(open: Open): Descriptor {
  return new Descriptor(TOKEN, open);
}
