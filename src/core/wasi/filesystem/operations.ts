/**
 * What a descriptor does, once for both WASI versions: each operation takes the descriptor's
 * state (`Open`), checks it still names its object and may do this (open.ts), resolves and
 * confines paths (paths.ts), and acts on the volume. Failures are thrown as error-code strings;
 * the rooms (descriptor.ts for 0.2, ../p3/filesystem.ts for 0.3) turn them into what their
 * interface reports and shape the values they return.
 */
import type { VolumeDirEntry, VolumeEntryType } from '../../host/volume.js';
import { clip, escape, readOnly } from './errors.js';
import type { DescriptorFlags, Open } from './mount.js';
import { current, dirOf, fileOf, moved, mutable } from './open.js';
import { MAX_PATH, climbsAboveRoot, readLink, resolve } from './paths.js';
import { type DescriptorStat, type NewTimestamp, type OpenFlags, type PathFlags, descriptorStat, metadataHash, timeUpdate, toNumber } from './stat.js';

/** Most bytes one read returns (the guest asks again for more). */
export const MAX_READ = 64 * 1024 * 1024;

const utf8 = new TextEncoder();

/** Checks that `o` is a file open for reading (what a read stream needs). */
export function checkReadable(o: Open): void {
  fileOf(o);
  if (!o.flags.read) throw 'bad-descriptor';
}

/** Checks that `o` is a file open for writing (what a write or append stream needs). */
export function checkWritable(o: Open): void {
  fileOf(o);
  if (!o.flags.write) throw 'bad-descriptor';
}

/** Up to `max` bytes of the file at `pos` (fewer at its end, none past it). */
export function readAt(o: Open, pos: number, max: number): Uint8Array {
  fileOf(o);
  return o.mount.volume.read(o.path, pos, Math.min(max, MAX_READ));
}

/** Writes `bytes` at `pos` (the file's end when `pos` is null); returns where the write ended. */
export function writeAt(o: Open, pos: number | null, bytes: Uint8Array): number {
  fileOf(o);
  return put(o, pos, bytes);
}

/** `writeAt` for a descriptor already checked. */
function put(o: Open, pos: number | null, bytes: Uint8Array): number {
  const at = pos ?? o.mount.volume.lstat(o.path).size;
  if (at + bytes.length > Number.MAX_SAFE_INTEGER) throw 'file-too-large';
  o.mount.volume.write(o.path, at, bytes);
  if (o.flags.fileIntegritySync || o.flags.dataIntegritySync) o.mount.volume.sync?.(o.path);
  return at + bytes.length;
}

export function advise(o: Open): void {
  fileOf(o);
}

export function sync(o: Open): void {
  current(o);
  o.mount.volume.sync?.(o.path);
}

export function getFlags(o: Open): DescriptorFlags {
  current(o);
  return { ...o.flags };
}

export function getType(o: Open): VolumeEntryType {
  current(o);
  return o.type;
}

export function setSize(o: Open, size: bigint): void {
  fileOf(o);
  if (!o.flags.write) throw 'bad-descriptor';
  if (o.mount.readOnly) readOnly(o.mount, 'resize a file');
  o.mount.volume.truncate(o.path, toNumber(size, 'size'));
}

export function setTimes(o: Open, access: NewTimestamp, modification: NewTimestamp): void {
  current(o);
  if (o.mount.readOnly) readOnly(o.mount, 'change times');
  if (!(o.type === 'directory' ? o.flags.mutateDirectory : o.flags.write)) throw 'not-permitted';
  o.mount.volume.setTimes(o.path, timeUpdate(access), timeUpdate(modification));
}

/** `read(length, offset)` of 0.2: the bytes, and whether the file's end was reached. */
export function read(o: Open, length: bigint, offset: bigint): [Uint8Array, boolean] {
  const st = fileOf(o);
  if (!o.flags.read) throw 'bad-descriptor';
  const want = Math.min(toNumber(length, 'size'), MAX_READ);
  const at = toNumber(offset, 'offset');
  const bytes = o.mount.volume.read(o.path, at, want);
  // the end is reached when fewer bytes came than asked for (or, asking for none, at or past it)
  return [bytes, want === 0 ? at >= st.size : bytes.length < want];
}

/** `write(buffer, offset)` of 0.2: how many bytes were written. */
export function write(o: Open, buffer: Uint8Array, offset: bigint): bigint {
  checkWritable(o);
  put(o, toNumber(offset, 'offset'), buffer);
  return BigInt(buffer.length);
}

/** The directory's entries, as they are now. */
export function readDirectory(o: Open): VolumeDirEntry[] {
  dirOf(o);
  return o.mount.volume.readdir(o.path);
}

export function createDirectoryAt(o: Open, path: string): void {
  dirOf(o);
  mutable(o, 'create a directory');
  const r = resolve(o, path, false);
  if (r.stat) throw 'exist';
  o.mount.volume.mkdir(r.path);
}

export function stat(o: Open): DescriptorStat {
  return descriptorStat(current(o));
}

export function statAt(o: Open, pathFlags: PathFlags, path: string): DescriptorStat {
  dirOf(o);
  const r = resolve(o, path, !!pathFlags?.symlinkFollow);
  if (!r.stat) throw 'no-entry';
  return descriptorStat(r.stat);
}

export function setTimesAt(o: Open, pathFlags: PathFlags, path: string, access: NewTimestamp, modification: NewTimestamp): void {
  dirOf(o);
  mutable(o, 'change times');
  const r = resolve(o, path, !!pathFlags?.symlinkFollow);
  if (!r.stat) throw 'no-entry';
  o.mount.volume.setTimes(r.path, timeUpdate(access), timeUpdate(modification));
}

/** The other directory of a two-descriptor call (link, rename), both checked to be directories still. */
function directoryPair(o: Open, n: Open | null): Open {
  if (!n) throw 'bad-descriptor';
  dirOf(o);
  dirOf(n);
  return n;
}

/** `n`: the other descriptor's state (null: not a descriptor of this version). */
export function linkAt(o: Open, oldPathFlags: PathFlags, oldPath: string, other: Open | null, newPath: string): void {
  const n = directoryPair(o, other);
  mutable(n, 'create a hard link');
  if (n.mount.volume !== o.mount.volume) throw 'cross-device';
  const from = resolve(o, oldPath, !!oldPathFlags?.symlinkFollow);
  if (!from.stat) throw 'no-entry';
  if (from.stat.type === 'directory') throw 'not-permitted';
  const to = resolve(n, newPath, false);
  if (to.stat) throw 'exist';
  if (!o.mount.volume.link) throw 'unsupported';
  o.mount.volume.link(from.path, to.path);
}

/** Opens `path`: the new descriptor's state (the caller makes its resource). */
export function openAt(o: Open, pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Open {
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
  return { mount: o.mount, path: r.path, id: st.id, type: st.type, flags: newFlags };
}

export function readlinkAt(o: Open, path: string): string {
  dirOf(o);
  const r = resolve(o, path, false);
  if (!r.stat) throw 'no-entry';
  if (r.stat.type !== 'symbolic-link') throw 'invalid';
  const target = readLink(o.mount, r.path);
  if (target.startsWith('/')) escape(o.mount, `the symbolic link ${clip(r.path.join('/'))} holds an absolute path`);
  if (climbsAboveRoot(target, r.path.length - 1)) escape(o.mount, `the symbolic link ${clip(r.path.join('/'))} leads outside the preopen`);
  return target;
}

export function removeDirectoryAt(o: Open, path: string): void {
  dirOf(o);
  mutable(o, 'remove a directory');
  const r = resolve(o, path, false);
  if (!r.stat) throw 'no-entry';
  if (r.path.length <= o.path.length) throw 'invalid';
  if (r.stat.type !== 'directory') throw 'not-directory';
  o.mount.volume.rmdir(r.path);
}

export function renameAt(o: Open, oldPath: string, other: Open | null, newPath: string): void {
  const n = directoryPair(o, other);
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
}

export function symlinkAt(o: Open, oldPath: string, newPath: string): void {
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
}

export function unlinkFileAt(o: Open, path: string): void {
  dirOf(o);
  mutable(o, 'remove a file');
  const r = resolve(o, path, false, true);
  if (!r.stat) throw 'no-entry';
  if (r.stat.type === 'directory') throw 'is-directory';
  o.mount.volume.unlink(r.path);
}

/** Whether two descriptors name one object (false when either no longer names what it opened). */
export function isSameObject(a: Open, b: Open | null): boolean {
  if (!b || a.mount.volume !== b.mount.volume) return false;
  try {
    return current(a).id === current(b).id;
  } catch {
    return false;
  }
}

export function metadataHashOf(o: Open): { lower: bigint; upper: bigint } {
  return metadataHash(current(o));
}

export function metadataHashAt(o: Open, pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
  dirOf(o);
  const r = resolve(o, path, !!pathFlags?.symlinkFollow);
  if (!r.stat) throw 'no-entry';
  return metadataHash(r.stat);
}
