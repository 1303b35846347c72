/**
 * Node volumes: a host directory, confined. The `wasi:filesystem` host resolves guest paths and
 * expands symbolic links itself; this volume is the second wall. It never follows a link
 * (`lstat`, `O_NOFOLLOW`, `lutimes`), checks with `realpath` that the directories above every
 * object it touches are really the ones inside its root (so a link swapped in for a directory,
 * by anyone, is refused rather than followed), and refuses regular files with more than one
 * hard link, because another link to the same file may be outside the directory and the guest
 * would then read or change an outside file.
 *
 * What stays possible: another host process racing the guest (swapping a checked directory for a
 * link between the check and the use) could redirect one operation, since Node offers no
 * `openat`; keep directories granted to guests out of reach of untrusted host processes.
 */
import {
  type BigIntStats, closeSync, constants, fstatSync, fsyncSync, ftruncateSync, lstatSync, lutimesSync,
  mkdirSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, renameSync, rmdirSync,
  symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { resolve as resolvePath, sep } from 'node:path';
import {
  type FilesystemErrorCode, type Volume, type VolumeDirEntry, type VolumeEntryType, VolumeError,
  type VolumePath, type VolumeStat, type VolumeTimeUpdate,
} from '../core/host/volume.js';

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
// opening a FIFO that was swapped in for a file must not block the thread
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

const ERRNO: Readonly<Record<string, FilesystemErrorCode>> = {
  ENOENT: 'no-entry', EEXIST: 'exist', ENOTDIR: 'not-directory', EISDIR: 'is-directory', ENOTEMPTY: 'not-empty',
  EACCES: 'access', EPERM: 'not-permitted', EROFS: 'read-only', ELOOP: 'loop', ENAMETOOLONG: 'name-too-long',
  EXDEV: 'cross-device', EINVAL: 'invalid', EBUSY: 'busy', ENOSPC: 'insufficient-space', EDQUOT: 'quota',
  EFBIG: 'file-too-large', EMLINK: 'too-many-links', EBADF: 'bad-descriptor', EAGAIN: 'would-block',
  EWOULDBLOCK: 'would-block', EIO: 'io', ENOTSUP: 'unsupported', EOPNOTSUPP: 'unsupported', ENOSYS: 'unsupported',
  ETXTBSY: 'text-file-busy', ENXIO: 'no-such-device', ENODEV: 'no-device', EOVERFLOW: 'overflow',
  ENOMEM: 'insufficient-memory', EINTR: 'interrupted', EILSEQ: 'illegal-byte-sequence', EPIPE: 'pipe',
  ESPIPE: 'invalid-seek', EDEADLK: 'deadlock', ENOLCK: 'no-lock',
};

/** A host error as the guest sees it (its message, with the host path, stays on the host). */
function volumeError(e: unknown): VolumeError {
  if (e instanceof VolumeError) return e;
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return new VolumeError((typeof code === 'string' && ERRNO[code]) || 'io', e instanceof Error ? e.message : String(e), { cause: e });
}

function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): VolumeEntryType {
  if (st.isFile()) return 'regular-file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic-link';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'unknown';
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** Refuses what is not one plain name on this host (the caller normalises; this is the backstop). */
function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new VolumeError('invalid', `not a normalised path segment: ${JSON.stringify(name)}`);
  }
  // on Windows these would name another file, a stream or a device
  if (process.platform === 'win32' && (/[\\:*?"<>|\u0000-\u001f]/.test(name) || /[. ]$/.test(name) || WINDOWS_RESERVED.test(name))) {
    throw new VolumeError('invalid', `${JSON.stringify(name)} is not a valid file name on this host`);
  }
  return name;
}

/**
 * Options of `createDirectoryVolume`.
 *
 * @example
 * ```ts
 * createDirectoryVolume('./assets', { readOnly: true });
 * ```
 */
export interface DirectoryVolumeOptions {
  /** refuse every change (`read-only`) */
  readonly readOnly?: boolean;
}

class DirectoryVolume implements Volume {
  readonly readOnly: boolean;
  readonly async = false;
  readonly #root: string;
  /** paths compare without case where the host's filesystem usually ignores it */
  readonly #fold = process.platform === 'darwin' || process.platform === 'win32';

  constructor(root: string, readOnly: boolean) {
    this.#root = root;
    this.readOnly = readOnly;
  }

  #host(path: VolumePath): string {
    if (path.length === 0) return this.#root;
    let p = this.#root;
    for (const s of path) p += sep + checkName(s);
    return p;
  }

  #same(a: string, b: string): boolean {
    return a === b || (this.#fold && a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase());
  }

  /** Refuses `dir` unless the host resolves it to exactly where it should be (no link on the way). */
  #checkDir(dir: VolumePath): void {
    const expected = this.#host(dir);
    if (dir.length === 0) return;
    const real = realpathSync.native(expected);
    if (!this.#same(real, expected)) throw new VolumeError('not-permitted', 'a directory on the path is a symbolic link, which this volume never follows', { confinement: true });
  }

  /** The host path of `path`, after checking the directories above it. */
  #checked(path: VolumePath): string {
    const p = this.#host(path);
    if (path.length > 1) this.#checkDir(path.slice(0, -1));
    return p;
  }

  #mutable(): void {
    if (this.readOnly) throw new VolumeError('read-only', 'the volume is read-only');
  }

  /** Refuses a regular file another hard link may reach from outside the root. */
  #single(st: BigIntStats): void {
    if (st.isFile() && st.nlink > 1n) {
      throw new VolumeError('not-permitted', 'the file has more than one hard link, and another one may be outside the preopen', { confinement: true });
    }
  }

  #run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw volumeError(e);
    }
  }

  /** Opens a regular file without following a link, and checks what was opened. */
  #withFile<T>(path: VolumePath, flags: number, fn: (fd: number, st: BigIntStats) => T): T {
    const fd = openSync(this.#checked(path), flags | O_NOFOLLOW | O_NONBLOCK);
    try {
      const st = fstatSync(fd, { bigint: true });
      if (st.isDirectory()) throw new VolumeError('is-directory');
      if (!st.isFile()) throw new VolumeError('unsupported', 'only regular files are read and written');
      this.#single(st);
      return fn(fd, st);
    } finally {
      closeSync(fd);
    }
  }

  lstat(path: VolumePath): VolumeStat {
    return this.#run(() => {
      const st = lstatSync(this.#checked(path), { bigint: true });
      if (path.length === 0 && !st.isDirectory()) throw new VolumeError('not-permitted', 'the volume\'s root is no longer a directory', { confinement: true });
      this.#single(st);
      const type = typeOf(st);
      return {
        type,
        size: type === 'directory' ? 0 : Number(st.size),
        linkCount: Number(st.nlink),
        accessTime: st.atimeNs,
        modificationTime: st.mtimeNs,
        statusChangeTime: st.ctimeNs,
        id: `${st.dev}:${st.ino}`,
      };
    });
  }

  read(path: VolumePath, offset: number, length: number): Uint8Array {
    return this.#run(() => this.#withFile(path, constants.O_RDONLY, (fd, st) => {
      const want = Math.max(0, Math.min(length, Number(st.size) - offset));
      const out = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, out, got, want - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got === want ? out : out.slice(0, got);
    }));
  }

  write(path: VolumePath, offset: number, data: Uint8Array): void {
    this.#mutable();
    this.#run(() => this.#withFile(path, constants.O_WRONLY, (fd) => {
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
    }));
  }

  createFile(path: VolumePath): void {
    this.#mutable();
    this.#run(() => {
      closeSync(openSync(this.#checked(path), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW | O_NONBLOCK, 0o666));
    });
  }

  truncate(path: VolumePath, size: number): void {
    this.#mutable();
    this.#run(() => this.#withFile(path, constants.O_WRONLY, (fd) => ftruncateSync(fd, size)));
  }

  readdir(path: VolumePath): VolumeDirEntry[] {
    return this.#run(() => {
      const p = this.#checked(path);
      // readdir follows a final link: make sure this is the directory itself
      this.#checkDir(path);
      if (path.length === 0 && lstatSync(p).isSymbolicLink()) throw new VolumeError('not-permitted', 'the volume\'s root is a symbolic link', { confinement: true });
      return readdirSync(p, { withFileTypes: true }).map((d) => ({ name: d.name, type: typeOf(d) }));
    });
  }

  mkdir(path: VolumePath): void {
    this.#mutable();
    this.#run(() => mkdirSync(this.#checked(path), 0o777));
  }

  rmdir(path: VolumePath): void {
    this.#mutable();
    this.#run(() => rmdirSync(this.#checked(path)));
  }

  unlink(path: VolumePath): void {
    this.#mutable();
    this.#run(() => {
      const p = this.#checked(path);
      try {
        unlinkSync(p);
      } catch (e) {
        // macOS says EPERM for a directory; POSIX hosts agree on is-directory after a look
        if ((e as { code?: unknown }).code === 'EPERM' && lstatSync(p).isDirectory()) throw new VolumeError('is-directory');
        throw e;
      }
    });
  }

  rename(from: VolumePath, to: VolumePath): void {
    this.#mutable();
    this.#run(() => renameSync(this.#checked(from), this.#checked(to)));
  }

  setTimes(path: VolumePath, accessTime: VolumeTimeUpdate, modificationTime: VolumeTimeUpdate): void {
    this.#mutable();
    this.#run(() => {
      const p = this.#checked(path);
      const st = lstatSync(p, { bigint: true });
      this.#single(st);
      const now = Date.now() / 1000;
      const seconds = (t: VolumeTimeUpdate, current: bigint): number => (t === null ? Number(current) / 1e9 : t === 'now' ? now : Number(t) / 1e9);
      lutimesSync(p, seconds(accessTime, st.atimeNs), seconds(modificationTime, st.mtimeNs));
    });
  }

  symlink(target: string, path: VolumePath): void {
    this.#mutable();
    if (target.startsWith('/') || /^[a-zA-Z]:|^\\/.test(target)) throw new VolumeError('not-permitted', 'symbolic links may not hold absolute paths', { confinement: true });
    this.#run(() => symlinkSync(target, this.#checked(path)));
  }

  readlink(path: VolumePath): string {
    return this.#run(() => {
      const p = this.#checked(path);
      if (!lstatSync(p).isSymbolicLink()) throw new VolumeError('invalid', 'not a symbolic link');
      return readlinkSync(p);
    });
  }

  // no `link`: a hard link is a file with two links, which this volume refuses to touch

  sync(path: VolumePath): void {
    this.#run(() => {
      const fd = openSync(this.#checked(path), constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }
}

/**
 * A volume serving a host directory, confined to it: `..`, absolute paths, and symbolic or hard
 * links leading outside are refused. A string in a preopen grant (`{ '/data': './data' }`) makes
 * one of these.
 *
 * @example
 * ```ts
 * import { createDirectoryVolume, loadComponent } from 'isowasm/node';
 * const component = await loadComponent('./tool.wasm');
 * const { exports } = await component.instantiate({
 *   capabilities: { fs: { preopens: { '/data': { volume: createDirectoryVolume('./data'), readOnly: false } } } },
 * });
 * ```
 */
export function createDirectoryVolume(hostPath: string, options: DirectoryVolumeOptions = {}): Volume {
  if (typeof hostPath !== 'string' || hostPath === '') throw new TypeError('createDirectoryVolume(hostPath): hostPath must be the path of a host directory');
  let root: string;
  try {
    // the root is resolved once: links above it are the host's choice, links below it are refused
    root = realpathSync.native(resolvePath(hostPath));
  } catch (e) {
    throw new TypeError(`createDirectoryVolume(): ${hostPath} can't be used: ${(e as Error).message}`, { cause: e });
  }
  if (!lstatSync(root).isDirectory()) throw new TypeError(`createDirectoryVolume(): ${hostPath} is not a directory`);
  return new DirectoryVolume(root, options.readOnly ?? false);
}
