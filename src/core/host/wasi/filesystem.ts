/**
 * isowasm's `wasi:filesystem` (types and preopens) on top of volumes, for every platform. All
 * path resolution and confinement happen here, in one place: a guest path is walked one segment
 * at a time through the volume; `..` may never climb above the descriptor it is relative to (the
 * rule of wasmtime's cap-std, which also keeps every path inside its preopen); symbolic links
 * are read and expanded here, never followed by the host, and refused when absolute or when they
 * lead above that descriptor; absolute guest paths are refused. Volumes never follow links either,
 * so a mistake in one layer is caught by the other.
 *
 * Descriptors name their object by its path in the volume plus its identity, checked before
 * every use: if the object at that path was replaced (by this guest, another instance or the
 * host), the descriptor answers `bad-descriptor` rather than act on the newcomer. Renames made
 * through this host move the descriptors open below the renamed path along with it.
 *
 * Every failure reaches the guest as a `wasi:filesystem` error code (a thrown string, jco's
 * convention); refusals that keep the guest confined are also reported once per instance.
 */
import type { DenialReport } from '../capabilities.js';
import { IsowasmError } from '../../errors.js';
import type { HostContext } from '../platform.js';
import {
  type FilesystemErrorCode, isFilesystemErrorCode, isVolume, type Volume, VolumeError, type VolumeDirEntry,
  type VolumeEntryType, type VolumePath, type VolumeStat, type VolumeTimeUpdate,
} from '../volume.js';
import { InputStream, IoError, OutputStream } from './io.js';

const symbolDispose: typeof Symbol.dispose = (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

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

/** `wasi:filesystem/types#descriptor-flags`. */
interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}
interface PathFlags { symlinkFollow?: boolean }
interface OpenFlags { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean }
interface Datetime { seconds: bigint; nanoseconds: number }
type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
interface DescriptorStat {
  type: VolumeEntryType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp?: Datetime;
  dataModificationTimestamp?: Datetime;
  statusChangeTimestamp?: Datetime;
}

/** Longest path and name the guest may pass (Linux's PATH_MAX and NAME_MAX, in UTF-8 bytes). */
const MAX_PATH = 4096;
const MAX_NAME = 255;
/** Symbolic links expanded in one resolution before it is a loop (Linux's limit). */
const MAX_LINKS = 40;
/** Most bytes one `read` call returns (the guest asks again for more). */
const MAX_READ = 64 * 1024 * 1024;

const utf8 = new TextEncoder();

/** What one preopen shares among its descriptors. */
interface Mount {
  readonly volume: Volume;
  readonly readOnly: boolean;
  readonly guestPath: string;
  readonly report: (d: DenialReport) => void;
}

/** A descriptor's state: where it points, what it was when opened, what it may do. */
interface Open {
  readonly mount: Mount;
  path: string[];
  readonly id: string;
  readonly type: VolumeEntryType;
  readonly flags: DescriptorFlags;
  ref?: WeakRef<Open>;
}

// ---- errors ---------------------------------------------------------------------------------

const IO_ERROR_PREFIX = 'wasi:filesystem error ';

/** The code a stream error carries (see `filesystemErrorCode`). */
function streamErrorMessage(code: FilesystemErrorCode): string {
  return `${IO_ERROR_PREFIX}${code}`;
}

function report(m: Mount, detail: string, grant: string): void {
  m.report({ capability: 'fs', interface: 'wasi:filesystem/types', detail, grant });
}

/** Refuses something that would leave the preopen, reporting it. */
function escape(m: Mount, detail: string): never {
  report(m, detail, `a preopen that contains what the guest needs: capabilities.fs = { preopens: { "<guest path>": volume } } (the guest asked outside ${m.guestPath})`);
  throw 'not-permitted';
}

function readOnly(m: Mount, what: string): never {
  report(m, `the guest tried to ${what} in the read-only preopen ${m.guestPath}`, `a writable preopen: { volume, readOnly: false }`);
  throw 'read-only';
}

/** Turns anything thrown while serving a call into the error code the guest receives. */
function codeOf(m: Mount, e: unknown): FilesystemErrorCode {
  if (typeof e === 'string' && isFilesystemErrorCode(e)) return e;
  if (e instanceof VolumeError) {
    if (e.confinement) report(m, e.message, `a preopen that contains what the guest needs (the volume refused: ${e.message})`);
    return e.code;
  }
  // a failure the volume did not describe: never hand a host error (or its message) to the guest
  return 'io';
}

function fail(m: Mount, e: unknown): never {
  throw codeOf(m, e);
}

// ---- paths ----------------------------------------------------------------------------------

function lstatOrNull(v: Volume, path: VolumePath): VolumeStat | null {
  try {
    return v.lstat(path);
  } catch (e) {
    if (e instanceof VolumeError && e.code === 'no-entry') return null;
    throw e;
  }
}

/** Like `lstatOrNull`, but an object refused for confinement reads as 'unknown' (its name may go). */
function lstatToRemove(v: Volume, path: VolumePath): VolumeStat | null {
  try {
    return lstatOrNull(v, path);
  } catch (e) {
    if (e instanceof VolumeError && e.confinement) return { type: 'unknown', size: 0, linkCount: 1, id: '' };
    throw e;
  }
}

/** Whether nothing but `''` and `.` follows index `i`. */
function restIsEmpty(segs: readonly string[], i: number): boolean {
  for (let j = i; j < segs.length; j++) if (segs[j] !== '' && segs[j] !== '.') return false;
  return true;
}

/** Where a guest path leads from a directory descriptor. */
interface Resolved {
  /** the object's path in the volume */
  readonly path: string[];
  /** what is there; null: nothing (its parent exists and is a directory) */
  readonly stat: VolumeStat | null;
  /** the path ended in `/` or `/.`: it must name a directory */
  readonly dirOnly: boolean;
}

/**
 * Resolves `path` relative to the directory descriptor `d`, expanding symbolic links (all but a
 * final one unless `follow`) one segment at a time. Never leaves `d`'s directory: `..` above it,
 * absolute paths, and links that are absolute or climb above it are refused. `removing`: the
 * final object is only to be unlinked, so one the volume refuses to describe (a file hard-linked
 * from outside, say) may still lose its name here.
 */
function resolve(d: Open, path: unknown, follow: boolean, removing = false): Resolved {
  const m = d.mount;
  if (typeof path !== 'string') throw 'invalid';
  if (path === '') throw 'no-entry';
  if (path.length > MAX_PATH || utf8.encode(path).length > MAX_PATH) throw 'name-too-long';
  if (path.includes('\0')) throw 'invalid';
  if (path.startsWith('/')) escape(m, `the guest used an absolute path (${clip(path)}); paths are relative to a preopen`);
  const floor = d.path.length;
  const stack = d.path.slice();
  let segs = path.split('/');
  let links = 0;
  for (let i = 0; i < segs.length;) {
    const s = segs[i++]!;
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (stack.length <= floor) escape(m, `the path ${clip(path)} climbs above the directory it is relative to`);
      stack.pop();
      continue;
    }
    if (s.length > MAX_NAME || utf8.encode(s).length > MAX_NAME) throw 'name-too-long';
    const last = restIsEmpty(segs, i);
    const dirOnly = last && i < segs.length;
    const here = [...stack, s];
    const st = last && removing ? lstatToRemove(m.volume, here) : lstatOrNull(m.volume, here);
    if (st === null) {
      if (!last) throw 'no-entry';
      return { path: here, stat: null, dirOnly };
    }
    if (st.type === 'symbolic-link' && (!last || follow || dirOnly)) {
      if (++links > MAX_LINKS) throw 'loop';
      const target = readLink(m, here);
      if (target.startsWith('/')) escape(m, `the symbolic link ${clip(here.join('/'))} holds an absolute path`);
      if (target === '') throw 'no-entry';
      // the link's text replaces its name, relative to the directory that holds it
      segs = [...target.split('/'), ...segs.slice(i)];
      i = 0;
      continue;
    }
    if (!last && st.type !== 'directory') throw 'not-directory';
    stack.push(s);
    if (last) {
      if (dirOnly && st.type !== 'directory') throw 'not-directory';
      return { path: stack, stat: st, dirOnly };
    }
  }
  // the path led back to a directory already walked ('.', 'a/..'): d's directory or below it
  return { path: stack, stat: m.volume.lstat(stack), dirOnly: true };
}

function readLink(m: Mount, path: VolumePath): string {
  if (!m.volume.readlink) throw 'unsupported';
  return m.volume.readlink(path);
}

function clip(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/** Whether a link's text, read from the directory `dirDepth` deep in the volume, leads above its root. */
function climbsAboveRoot(target: string, dirDepth: number): boolean {
  let depth = dirDepth;
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    depth += s === '..' ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

// ---- descriptors ----------------------------------------------------------------------------

/** Open descriptors per volume (weakly), so that a rename moves the ones below it. */
const openByVolume = new WeakMap<Volume, { set: Set<WeakRef<Open>>; added: number }>();

function register(o: Open): void {
  let reg = openByVolume.get(o.mount.volume);
  if (!reg) openByVolume.set(o.mount.volume, (reg = { set: new Set(), added: 0 }));
  o.ref = new WeakRef(o);
  reg.set.add(o.ref);
  // descriptors of instances that ended without dropping them are collected; forget them now and then
  if (++reg.added % 256 === 0) for (const r of reg.set) if (!r.deref()) reg.set.delete(r);
}

function unregister(o: Open): void {
  if (o.ref) openByVolume.get(o.mount.volume)?.set.delete(o.ref);
}

/** After `from` moved to `to`, the descriptors open at or below `from` follow it. */
function moved(v: Volume, from: readonly string[], to: readonly string[]): void {
  const reg = openByVolume.get(v);
  if (!reg) return;
  for (const r of reg.set) {
    const o = r.deref();
    if (!o) {
      reg.set.delete(r);
      continue;
    }
    if (o.path.length >= from.length && from.every((s, i) => o.path[i] === s)) o.path = [...to, ...o.path.slice(from.length)];
  }
}

/** Checks that `o` still names the object it opened. */
function current(o: Open): VolumeStat {
  const st = lstatOrNull(o.mount.volume, o.path);
  if (!st || st.id !== o.id) throw 'bad-descriptor';
  return st;
}

function dirOf(o: Open): void {
  current(o);
  if (o.type !== 'directory') throw 'not-directory';
}

function fileOf(o: Open): VolumeStat {
  const st = current(o);
  if (o.type === 'directory') throw 'is-directory';
  return st;
}

/** A directory descriptor may change what it holds. */
function mutable(o: Open, what: string): void {
  if (o.mount.readOnly) readOnly(o.mount, what);
  if (!o.flags.mutateDirectory) throw 'not-permitted';
}

function toNumber(x: bigint | number, what: 'offset' | 'size'): number {
  const n = typeof x === 'bigint' ? x : BigInt(x);
  if (n < 0n) throw 'invalid';
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw what === 'size' ? 'file-too-large' : 'invalid';
  return Number(n);
}

function datetime(ns: bigint | undefined): Datetime | undefined {
  if (ns === undefined) return undefined;
  const v = ns < 0n ? 0n : ns;
  return { seconds: v / 1_000_000_000n, nanoseconds: Number(v % 1_000_000_000n) };
}

function timeUpdate(t: NewTimestamp): VolumeTimeUpdate {
  switch (t?.tag) {
    case 'no-change': return null;
    case 'now': return 'now';
    case 'timestamp': {
      const { seconds, nanoseconds } = t.val;
      if (!(nanoseconds >= 0 && nanoseconds < 1e9)) throw 'invalid';
      return BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);
    }
    default: throw 'invalid';
  }
}

function descriptorStat(st: VolumeStat): DescriptorStat {
  const out: DescriptorStat = { type: st.type, linkCount: BigInt(st.linkCount), size: BigInt(st.size) };
  const a = datetime(st.accessTime);
  const m = datetime(st.modificationTime);
  const c = datetime(st.statusChangeTime);
  if (a) out.dataAccessTimestamp = a;
  if (m) out.dataModificationTimestamp = m;
  if (c) out.statusChangeTimestamp = c;
  return out;
}

/** A 64-bit FNV-1a of `s` from `basis`. */
function fnv64(s: string, basis: bigint): bigint {
  let h = basis;
  for (const b of utf8.encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** Changes when the object is modified or replaced (its identity, size and times go in). */
function metadataHash(st: VolumeStat): { lower: bigint; upper: bigint } {
  const s = `${st.id}\0${st.type}\0${st.size}\0${st.modificationTime ?? ''}\0${st.statusChangeTime ?? ''}`;
  return { lower: fnv64(s, 0xcbf29ce484222325n), upper: fnv64(s, 0x84222325cbf29ce4n) };
}

const TOKEN = Symbol('isowasm.filesystem');

/** The state of a descriptor of this module (null for anything else); set by `Descriptor`. */
let openOf: (d: unknown) => Open | null;

/**
 * `wasi:filesystem/types#directory-entry-stream`: a snapshot of a directory's entries, taken
 * when the guest asked for it.
 *
 * @example
 * ```ts
 * const entries = dir.readDirectory();
 * for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) console.log(e.type, e.name);
 * ```
 */
export class DirectoryEntryStream {
  readonly #entries: VolumeDirEntry[];
  #next = 0;
  /** @internal */
  constructor(token: symbol, entries: VolumeDirEntry[]) {
    if (token !== TOKEN) throw new TypeError('DirectoryEntryStream has no public constructor');
    this.#entries = entries;
  }
  readDirectoryEntry(): { type: VolumeEntryType; name: string } | undefined {
    const e = this.#entries[this.#next];
    if (!e) return undefined;
    this.#next++;
    return { type: e.type, name: e.name };
  }
  [symbolDispose](): void {}
}

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
    try {
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
            throw new Error(streamErrorMessage(codeOf(o.mount, e)));
          }
          if (bytes.length === 0 && max > 0) return null;
          pos += bytes.length;
          return bytes;
        },
      });
    } catch (e) {
      fail(o.mount, e);
    }
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
          throw { tag: 'last-operation-failed', val: new IoError(streamErrorMessage(codeOf(o.mount, e))) };
        }
      },
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    const o = this.#o;
    try {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      let pos = toNumber(offset, 'offset');
      return this.#writer(() => pos, (n) => { pos += n; });
    } catch (e) {
      fail(o.mount, e);
    }
  }

  appendViaStream(): OutputStream {
    const o = this.#o;
    try {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      // each write goes to the end as it is then
      return this.#writer(() => o.mount.volume.lstat(o.path).size, () => {});
    } catch (e) {
      fail(o.mount, e);
    }
  }

  advise(_offset: bigint, _length: bigint, _advice: string): void {
    try {
      fileOf(this.#o);
    } catch (e) {
      fail(this.#o.mount, e);
    }
  }

  syncData(): void {
    this.sync();
  }

  sync(): void {
    const o = this.#o;
    try {
      current(o);
      o.mount.volume.sync?.(o.path);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  getFlags(): DescriptorFlags {
    try {
      current(this.#o);
      return { ...this.#o.flags };
    } catch (e) {
      fail(this.#o.mount, e);
    }
  }

  getType(): VolumeEntryType {
    try {
      current(this.#o);
      return this.#o.type;
    } catch (e) {
      fail(this.#o.mount, e);
    }
  }

  setSize(size: bigint): void {
    const o = this.#o;
    try {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      if (o.mount.readOnly) readOnly(o.mount, 'resize a file');
      o.mount.volume.truncate(o.path, toNumber(size, 'size'));
    } catch (e) {
      fail(o.mount, e);
    }
  }

  setTimes(dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    const o = this.#o;
    try {
      current(o);
      if (o.mount.readOnly) readOnly(o.mount, 'change times');
      if (!(o.type === 'directory' ? o.flags.mutateDirectory : o.flags.write)) throw 'not-permitted';
      o.mount.volume.setTimes(o.path, timeUpdate(dataAccessTimestamp), timeUpdate(dataModificationTimestamp));
    } catch (e) {
      fail(o.mount, e);
    }
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const o = this.#o;
    try {
      const st = fileOf(o);
      if (!o.flags.read) throw 'bad-descriptor';
      const want = Math.min(toNumber(length, 'size'), MAX_READ);
      const at = toNumber(offset, 'offset');
      const bytes = o.mount.volume.read(o.path, at, want);
      // the end is reached when fewer bytes came than asked for (or, asking for none, at or past it)
      return [bytes, want === 0 ? at >= st.size : bytes.length < want];
    } catch (e) {
      fail(o.mount, e);
    }
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    const o = this.#o;
    try {
      fileOf(o);
      if (!o.flags.write) throw 'bad-descriptor';
      const at = toNumber(offset, 'offset');
      if (at + buffer.length > Number.MAX_SAFE_INTEGER) throw 'file-too-large';
      o.mount.volume.write(o.path, at, buffer);
      if (o.flags.fileIntegritySync || o.flags.dataIntegritySync) o.mount.volume.sync?.(o.path);
      return BigInt(buffer.length);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  readDirectory(): DirectoryEntryStream {
    const o = this.#o;
    try {
      dirOf(o);
      return new DirectoryEntryStream(TOKEN, o.mount.volume.readdir(o.path));
    } catch (e) {
      fail(o.mount, e);
    }
  }

  createDirectoryAt(path: string): void {
    const o = this.#o;
    try {
      dirOf(o);
      mutable(o, 'create a directory');
      const r = resolve(o, path, false);
      if (r.stat) throw 'exist';
      o.mount.volume.mkdir(r.path);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  stat(): DescriptorStat {
    try {
      return descriptorStat(current(this.#o));
    } catch (e) {
      fail(this.#o.mount, e);
    }
  }

  statAt(pathFlags: PathFlags, path: string): DescriptorStat {
    const o = this.#o;
    try {
      dirOf(o);
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      if (!r.stat) throw 'no-entry';
      return descriptorStat(r.stat);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  setTimesAt(pathFlags: PathFlags, path: string, dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    const o = this.#o;
    try {
      dirOf(o);
      mutable(o, 'change times');
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      if (!r.stat) throw 'no-entry';
      o.mount.volume.setTimes(r.path, timeUpdate(dataAccessTimestamp), timeUpdate(dataModificationTimestamp));
    } catch (e) {
      fail(o.mount, e);
    }
  }

  linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    const o = this.#o;
    try {
      const n = openOf(newDescriptor);
      if (!n) throw 'bad-descriptor';
      dirOf(o);
      dirOf(n);
      mutable(n, 'create a hard link');
      if (n.mount.volume !== o.mount.volume) throw 'cross-device';
      const from = resolve(o, oldPath, !!oldPathFlags?.symlinkFollow);
      if (!from.stat) throw 'no-entry';
      if (from.stat.type === 'directory') throw 'not-permitted';
      const to = resolve(n, newPath, false);
      if (to.stat) throw 'exist';
      if (!o.mount.volume.link) throw 'unsupported';
      o.mount.volume.link(from.path, to.path);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    const o = this.#o;
    try {
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
    } catch (e) {
      fail(o.mount, e);
    }
  }

  readlinkAt(path: string): string {
    const o = this.#o;
    try {
      dirOf(o);
      const r = resolve(o, path, false);
      if (!r.stat) throw 'no-entry';
      if (r.stat.type !== 'symbolic-link') throw 'invalid';
      const target = readLink(o.mount, r.path);
      if (target.startsWith('/')) escape(o.mount, `the symbolic link ${clip(r.path.join('/'))} holds an absolute path`);
      if (climbsAboveRoot(target, r.path.length - 1)) escape(o.mount, `the symbolic link ${clip(r.path.join('/'))} leads outside the preopen`);
      return target;
    } catch (e) {
      fail(o.mount, e);
    }
  }

  removeDirectoryAt(path: string): void {
    const o = this.#o;
    try {
      dirOf(o);
      mutable(o, 'remove a directory');
      const r = resolve(o, path, false);
      if (!r.stat) throw 'no-entry';
      if (r.path.length <= o.path.length) throw 'invalid';
      if (r.stat.type !== 'directory') throw 'not-directory';
      o.mount.volume.rmdir(r.path);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    const o = this.#o;
    try {
      const n = openOf(newDescriptor);
      if (!n) throw 'bad-descriptor';
      dirOf(o);
      dirOf(n);
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
    } catch (e) {
      fail(o.mount, e);
    }
  }

  symlinkAt(oldPath: string, newPath: string): void {
    const o = this.#o;
    try {
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
    } catch (e) {
      fail(o.mount, e);
    }
  }

  unlinkFileAt(path: string): void {
    const o = this.#o;
    try {
      dirOf(o);
      mutable(o, 'remove a file');
      const r = resolve(o, path, false, true);
      if (!r.stat) throw 'no-entry';
      if (r.stat.type === 'directory') throw 'is-directory';
      o.mount.volume.unlink(r.path);
    } catch (e) {
      fail(o.mount, e);
    }
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
    try {
      return metadataHash(current(this.#o));
    } catch (e) {
      fail(this.#o.mount, e);
    }
  }

  metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
    const o = this.#o;
    try {
      dirOf(o);
      const r = resolve(o, path, !!pathFlags?.symlinkFollow);
      if (!r.stat) throw 'no-entry';
      return metadataHash(r.stat);
    } catch (e) {
      fail(o.mount, e);
    }
  }

  [symbolDispose](): void {
    unregister(this.#o);
  }
}

/**
 * `wasi:filesystem/types#filesystem-error-code`: the error code behind a stream error raised by
 * a file stream, or undefined for other stream errors.
 *
 * @example
 * ```ts
 * try { stream.write(bytes); } catch (e) { if (e.tag === 'last-operation-failed') filesystemErrorCode(e.val); } // e.g. 'bad-descriptor'
 * ```
 */
export function filesystemErrorCode(err: unknown): FilesystemErrorCode | undefined {
  if (!(err instanceof IoError)) return undefined;
  const m = err.message;
  if (!m.startsWith(IO_ERROR_PREFIX)) return undefined;
  const code = m.slice(IO_ERROR_PREFIX.length);
  return isFilesystemErrorCode(code) ? code : undefined;
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
export function filesystemNamespaces(preopens: readonly FilesystemPreopen[], ctx: HostContext): {
  'wasi:filesystem/types': { Descriptor: typeof Descriptor; DirectoryEntryStream: typeof DirectoryEntryStream; filesystemErrorCode: typeof filesystemErrorCode };
  'wasi:filesystem/preopens': { getDirectories: () => [Descriptor, string][] };
} {
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
  return {
    'wasi:filesystem/types': { Descriptor, DirectoryEntryStream, filesystemErrorCode },
    'wasi:filesystem/preopens': {
      getDirectories: () => mounts.map((m): [Descriptor, string] => {
        let id = '';
        try {
          id = m.volume.lstat([]).id;
        } catch {
          // the volume's root is gone: every use of this descriptor answers bad-descriptor
        }
        const flags: DescriptorFlags = { read: true, mutateDirectory: !m.readOnly };
        return [new Descriptor(TOKEN, { mount: m, path: [], id, type: 'directory', flags }), m.guestPath];
      }),
    },
  };
}

/**
 * Turns the `fs` grant into preopens: each volume object is used as is; a string names a host
 * directory, which only platforms with `directoryVolume` (Node) can serve.
 *
 * @example
 * ```ts
 * preopensFromGrant({ '/data': { volume: createMemoryVolume(), readOnly: true } }, undefined, 'browser');
 * // -> [{ guestPath: '/data', volume, readOnly: true }]
 * ```
 */
export function preopensFromGrant(
  grant: Readonly<Record<string, string | { readonly volume: unknown; readonly readOnly?: boolean }>> | undefined,
  directoryVolume: ((hostPath: string, options: { readOnly: boolean }) => Volume) | undefined,
  platformName: string,
): FilesystemPreopen[] {
  if (grant === undefined) return [];
  if (typeof grant !== 'object' || grant === null) throw new TypeError('capabilities.fs.preopens must be an object: { "/guest/path": volume or { volume, readOnly } }');
  return Object.entries(grant).map(([guestPath, g]) => {
    if (guestPath === '' || guestPath.includes('\0')) throw new TypeError(`capabilities.fs.preopens: ${JSON.stringify(guestPath)} is not a usable guest path`);
    const { volume, readOnly = false } = typeof g === 'string' ? { volume: g } : (g ?? {}) as { volume?: unknown; readOnly?: boolean };
    if (typeof readOnly !== 'boolean') throw new TypeError(`capabilities.fs.preopens[${JSON.stringify(guestPath)}].readOnly must be a boolean`);
    if (typeof volume === 'string') {
      if (!directoryVolume) {
        throw new IsowasmError('UNSUPPORTED', `capabilities.fs.preopens[${JSON.stringify(guestPath)}] names the host directory ${JSON.stringify(volume)}, but the ${platformName} platform has no host directories: grant a volume object instead (createMemoryVolume(), or await createIndexedDbVolume(name) in browsers)`);
      }
      return { guestPath, volume: directoryVolume(volume, { readOnly }), readOnly };
    }
    if (!isVolume(volume)) {
      throw new TypeError(`capabilities.fs.preopens[${JSON.stringify(guestPath)}].volume must be a Volume (createMemoryVolume(), createIndexedDbVolume(), createDirectoryVolume(), or your own) or a host directory path`);
    }
    return { guestPath, volume, readOnly };
  });
}
